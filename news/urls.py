from django.urls import path

from . import feeds, views

app_name = "news"

urlpatterns = [
    path("", views.PostListView.as_view(), name="post-list"),
    path("feed/", feeds.LatestPostsFeed(), name="feed-rss"),
    path("atom/", feeds.LatestPostsAtomFeed(), name="feed-atom"),
    path("preview/<str:token>/", views.post_preview, name="post-preview"),
    path(
        "category/<slug:slug>/",
        views.CategoryPostListView.as_view(),
        name="category-detail",
    ),
    path("category/<slug:slug>/feed/", feeds.CategoryFeed(), name="category-feed"),
    path("<slug:slug>/", views.PostDetailView.as_view(), name="post-detail"),
]
