from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ncasite.queries import load_objects, load_one_or_404
from news.feeds import LatestPostsFeed, latest_for_feed

from .views import member_by_slug


class OrganisationPostsFeed(LatestPostsFeed):
    """The alliance's news that mentions one member."""

    def get_object(self, request, slug):
        return load_one_or_404(("member",), member_by_slug, slug=slug)

    def title(self, organisation):
        return f"{organisation.name} · {settings.SITE_NAME}"

    def link(self, organisation):
        return organisation.get_absolute_url()

    def description(self, organisation):
        return f"News from {settings.SITE_NAME} about {organisation.name}."

    def feed_url(self, organisation):
        return reverse("members:organisation-feed", kwargs={"slug": organisation.slug})

    def items(self, organisation):
        shape = ("member-feed",)
        return load_objects(shape, latest_for_feed, now=timezone.now(), member=organisation.pk)
