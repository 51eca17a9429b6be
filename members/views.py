from django.conf import settings
from django.views.generic import DetailView, ListView

from .models import Organisation

RELATED_POSTS_SHOWN = 20


class OrganisationListView(ListView):
    template_name = "members/organisation_list.html"
    context_object_name = "organisations"

    def get_queryset(self):
        self.kind = self.request.GET.get("kind", "")
        self.region = self.request.GET.get("region", "")
        members = Organisation.objects.current().for_lists()
        if self.kind:
            members = members.filter(kind=self.kind)
        if self.region:
            members = members.filter(region=self.region)
        return members

    def get_context_data(self, **kwargs):
        kinds, regions = dict(Organisation.Kind.choices), dict(Organisation.Region.choices)
        return super().get_context_data(
            kind=self.kind,
            region=self.region,
            kind_label=kinds.get(self.kind),
            region_label=regions.get(self.region),
            kind_choices=Organisation.Kind.choices,
            region_choices=Organisation.Region.choices,
            is_filtered=bool(self.kind or self.region),
            unknown_filter=(self.kind and self.kind not in kinds)
            or (self.region and self.region not in regions),
            **kwargs,
        )


class OrganisationDetailView(DetailView):
    template_name = "members/organisation_detail.html"
    context_object_name = "organisation"
    queryset = Organisation.objects.select_related("logo")

    def get_context_data(self, **kwargs):
        posts = self.object.posts.published().for_lists()[:RELATED_POSTS_SHOWN]
        return super().get_context_data(
            related_posts=posts,
            structured_data=organisation_data(self.request, self.object),
            **kwargs,
        )


def organisation_data(request, organisation: Organisation) -> dict:
    """Schema.org Organization for search engines."""
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": organisation.name,
        "url": request.build_absolute_uri(organisation.get_absolute_url()),
        "memberOf": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if organisation.short_name:
        data["alternateName"] = organisation.short_name
    if organisation.website:
        data["sameAs"] = [organisation.website]
    if organisation.country:
        data["address"] = {"@type": "PostalAddress", "addressCountry": organisation.country.code}
    logo = organisation.logo.rendition_url("logo", "png") if organisation.logo else ""
    if logo:
        data["logo"] = request.build_absolute_uri(logo)
    return data
