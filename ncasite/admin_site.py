from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .account import account_view


class NcasiteAdminSite(admin.AdminSite):
    """The editors' admin, under the site's own name, with each editor's account page."""

    index_title = _("Editors' desk")

    # Read at each request, so a changed NCASITE_SITE_NAME (or a test's setting) shows.
    @property
    def site_header(self):
        return settings.SITE_NAME

    @property
    def site_title(self):
        return settings.SITE_NAME

    def get_urls(self):
        return [
            path("account/", self.admin_view(account_view), {"site": self}, name="account"),
            *super().get_urls(),
        ]
