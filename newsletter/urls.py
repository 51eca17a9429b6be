from django.urls import path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("", views.subscribe_view, name="subscribe"),
    path("stamp/", views.stamp, name="stamp"),
    path("check-your-inbox/", views.check_inbox, name="check-inbox"),
    path("archive/", views.IssueArchiveView.as_view(), name="archive"),
    path("archive/<slug:slug>/", views.IssueArchiveDetailView.as_view(), name="archive-detail"),
    path("confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
