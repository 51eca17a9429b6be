from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse

from news.feeds import FEED_LENGTH, LatestPostsFeed
from news.models import Post

from .models import Organisation


class OrganisationPostsFeed(LatestPostsFeed):
    """The alliance's news that mentions one member."""

    def get_object(self, request, slug):
        return get_object_or_404(Organisation, slug=slug)

    def title(self, organisation):
        return f"{organisation.name} · {settings.SITE_NAME}"

    def link(self, organisation):
        return organisation.get_absolute_url()

    def description(self, organisation):
        return f"News from {settings.SITE_NAME} about {organisation.name}."

    def feed_url(self, organisation):
        return reverse("members:organisation-feed", kwargs={"slug": organisation.slug})

    def items(self, organisation):
        return Post.objects.published().for_feeds().filter(organisations=organisation)[:FEED_LENGTH]
