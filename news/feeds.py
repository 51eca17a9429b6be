from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from members.models import Organisation

from .models import Category, Post

FEED_LENGTH = 20


class LatestPostsFeed(Feed):
    link = reverse_lazy("news:post-list")
    description = _("The latest news from the alliance against nature crime.")

    def title(self):
        return settings.SITE_NAME

    def items(self):
        return Post.objects.published().for_feeds()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_pubdate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.category.name]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    subtitle = LatestPostsFeed.description


class CategoryFeed(LatestPostsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def title(self, category):
        return f"{category.name} · {settings.SITE_NAME}"

    def link(self, category):
        return category.get_absolute_url()

    def description(self, category):
        return category.description or self.title(category)

    def feed_url(self, category):
        return reverse("news:category-feed", kwargs={"slug": category.slug})

    def items(self, category):
        return category.posts.published().for_feeds()[:FEED_LENGTH]


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
        return reverse("organisation-feed", kwargs={"slug": organisation.slug})

    def items(self, organisation):
        return organisation.posts.published().for_feeds()[:FEED_LENGTH]
