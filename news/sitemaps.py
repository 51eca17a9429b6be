from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.utils import timezone

from .models import Category, Post


class PostSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Post.objects.published().only("slug", "updated_at").order_by("-published_at", "pk")

    def lastmod(self, post):
        return post.updated_at


class CategorySitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        now = timezone.now()
        published = Q(posts__status=Post.Status.PUBLISHED, posts__published_at__lte=now)
        return Category.objects.annotate(
            last_post=Max("posts__published_at", filter=published)
        ).order_by("ordering", "name")

    def lastmod(self, category):
        return max(filter(None, [category.last_post, category.updated_at]))
