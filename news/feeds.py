import io

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _

from ncasite.queries import load_objects, load_one_or_404

from .models import Post
from .views import category_by_slug

FEED_LENGTH = 20


def latest_for_feed(now, category=None, member=None):
    posts = Post.objects.published(now).for_feeds()
    if category is not None:
        posts = posts.filter(category_id=category)
    if member is not None:
        posts = posts.filter(organisations=member)
    return posts[:FEED_LENGTH]


class LatestPostsFeed(Feed):
    link = reverse_lazy("news:post-list")
    description = _("The latest news from the alliance against nature crime.")

    def __call__(self, request, *args, **kwargs):
        """Syndication's own, writing the feed to memory first: written straight into the
        response it arrives in ~560 pieces, each checked and encoded on its own, and gunicorn
        sends each in its own write to the socket (one piece: about twice as fast)."""
        try:
            obj = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404("Feed object does not exist.") from None
        feedgen = self.get_feed(obj, request)
        buffer = io.BytesIO()
        feedgen.write(buffer, "utf-8")
        response = HttpResponse(buffer.getvalue(), content_type=feedgen.content_type)
        response.headers["Last-Modified"] = http_date(feedgen.latest_post_date().timestamp())
        return response

    def title(self):
        return settings.SITE_NAME

    def items(self):
        return load_objects(("feed",), latest_for_feed, now=timezone.now())

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
        return load_one_or_404(("category",), category_by_slug, slug=slug)

    def title(self, category):
        return f"{category.name} · {settings.SITE_NAME}"

    def link(self, category):
        return category.get_absolute_url()

    def description(self, category):
        return category.description or self.title(category)

    def feed_url(self, category):
        return reverse("news:category-feed", kwargs={"slug": category.slug})

    def items(self, category):
        shape = ("category-feed",)
        return load_objects(shape, latest_for_feed, now=timezone.now(), category=category.pk)
