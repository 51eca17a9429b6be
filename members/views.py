from django.conf import settings
from django.utils import timezone
from django.views.generic import DetailView, ListView

from ncasite.queries import ByIds, list_ids, load_one_or_404
from news.models import Post

from .models import Organisation

RELATED_POSTS_SHOWN = 20


class OrganisationListView(ListView):
    template_name = "members/organisation_list.html"
    context_object_name = "organisations"

    def get_queryset(self):
        self.kind = self.request.GET.get("kind", "")
        self.region = self.request.GET.get("region", "")
        filters = {"kind": self.kind, "region": self.region}
        filters = {name: value for name, value in filters.items() if value}
        shape = ("members", *filters)  # each filter changes the SQL
        ids = list_ids(shape, current_members, today=timezone.localdate(), **filters)
        return ByIds(ids, Organisation.objects.for_lists())

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


def current_members(today, kind=None, region=None):
    members = Organisation.objects.current(today).for_lists()
    if kind:
        members = members.filter(kind=kind)
    if region:
        members = members.filter(region=region)
    return members


class OrganisationDetailView(DetailView):
    template_name = "members/organisation_detail.html"
    context_object_name = "organisation"

    def get_object(self, queryset=None):
        return load_one_or_404(("member",), member_by_slug, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        ids = list_ids(("member-posts",), member_posts, now=timezone.now(), member=self.object.pk)
        posts = ByIds(ids, Post.objects.published().for_lists())
        return super().get_context_data(
            related_posts=posts,
            structured_data=organisation_data(self.request, self.object),
            **kwargs,
        )


def member_by_slug(slug):
    return Organisation.objects.filter(slug=slug)


def member_posts(now, member):
    posts = Post.objects.published(now).filter(organisations=member)
    return posts.order_by("-published_at", "-pk")[:RELATED_POSTS_SHOWN]


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
    logo = (organisation.logo_renditions or {}).get("logo", {}).get("png")
    if logo:
        data["logo"] = request.build_absolute_uri(organisation.logo.storage.url(logo[-1]["name"]))
    return data
