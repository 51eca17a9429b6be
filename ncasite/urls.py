from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from members.sitemaps import OrganisationSitemap
from news.feeds import OrganisationPostsFeed
from news.sitemaps import CategorySitemap, PostSitemap

from . import views

sitemaps = {
    "posts": PostSitemap,
    "categories": CategorySitemap,
    "members": OrganisationSitemap,
}

urlpatterns = [
    path("", views.home, name="home"),
    path("news/", include("news.urls")),
    # The member feed lists news, so the news app serves it under the member's address.
    path("members/<slug:slug>/feed/", OrganisationPostsFeed(), name="organisation-feed"),
    path("members/", include("members.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path(".well-known/security.txt", views.security_txt, name="security-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": sitemaps}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path(
        "admin/link-search/",
        admin.site.admin_view(views.link_search),
        name="admin-link-search",
    ),
    path("admin/", admin.site.urls),
    path("<slug:slug>/", views.page, name="page"),
]

if settings.NCASITE_SERVE_MEDIA:
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.+)$", views.media, name="media"))
