from django.contrib.sitemaps import Sitemap

from .models import Organisation


class OrganisationSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Organisation.objects.only("slug", "updated_at").order_by("name")

    def lastmod(self, organisation):
        return organisation.updated_at
