from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from members.models import Organisation
from ncasite.page_cache import kept, mark_private
from ncasite.queries import ByIds, list_ids, load_one_or_404

from .models import Category, Post, SlugRedirect

MORE_IN_CATEGORY = 3


class CappedPaginator(Paginator):
    """Counts at most MAX_LISTED posts (200 pages), so a list costs about the same at 1,000 or
    1,000,000 posts: counting 10,000 took 2.8 ms, a third of the page's render.

    Older posts stay reachable through categories, search, feeds and the sitemap. Given
    `page_ids`, a page holds the ids of its posts (a ByIds list) instead of the posts.
    """

    MAX_LISTED = 2_000

    def __init__(self, *args, count_name: str = "", page_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_name = count_name  # names the list, to keep its count between renders
        self.page_ids = page_ids  # (bottom, top) -> the ids of the posts in that slice

    @cached_property
    def count(self):
        def count():
            return self.object_list.order_by()[: self.MAX_LISTED].count()  # no sort to count

        return kept(f"post-count:{self.count_name}", count) if self.count_name else count()

    def page(self, number):
        if self.page_ids is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        posts = ByIds(self.page_ids(bottom, top), Post.objects.published().for_lists())
        return self._get_page(posts, number, self)


class PostListView(ListView):
    paginate_by = 10
    paginator_class = CappedPaginator
    template_name = "news/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.published().for_lists()

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(
            queryset, per_page, count_name=self.list_name(), page_ids=self.page_ids, **kwargs
        )

    def list_name(self) -> str:
        return "all"

    def page_ids(self, bottom: int, top: int) -> list:
        def page(now):
            return Post.objects.published(now).order_by("-published_at", "-pk")[bottom:top]

        return list_ids(("news-page", bottom, top), page, now=timezone.now())


def category_by_slug(slug):
    return Category.objects.filter(slug=slug)


class CategoryPostListView(PostListView):
    def get_queryset(self):
        self.category = load_one_or_404(("category",), category_by_slug, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def list_name(self) -> str:
        return f"category-{self.category.pk}"

    def page_ids(self, bottom: int, top: int) -> list:
        def page(now, category):
            posts = Post.objects.published(now).filter(category_id=category)
            return posts.order_by("-published_at", "-pk")[bottom:top]

        shape = ("category-page", bottom, top)
        return list_ids(shape, page, now=timezone.now(), category=self.category.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


def can_preview(request) -> bool:
    """Staff may see unpublished posts. Visitors without a session are never looked up, so
    their pages vary on nothing and stay cacheable."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_staff and request.user.has_perm("news.view_post")


class PostDetailView(DetailView):
    template_name = "news/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        posts = Post.objects.all() if can_preview(self.request) else Post.objects.published()
        return posts.select_related("category", "author")

    def get_object(self, queryset=None):
        if can_preview(self.request):
            return super().get_object(queryset)
        shape, slug = ("published-post",), self.kwargs["slug"]
        return load_one_or_404(shape, published_post, now=timezone.now(), slug=slug)

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            moved = SlugRedirect.objects.filter(old_slug=kwargs["slug"]).select_related("post")
            moved = moved.first()
            if moved and (moved.post.is_published() or can_preview(request)):
                return redirect(moved.post, permanent=True)
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = self.object  # its neighbours change only when public content does
        context.update(neighbour_context(post, keep=kept))
        context["members"] = post_members(post)
        context["structured_data"] = news_article_data(self.request, self.object)
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published():
            mark_private(response)
        return response


def published_post(now, slug):
    posts = Post.objects.published(now).select_related("category", "author")
    return posts.defer("search_vector").filter(slug=slug)


def post_members(post: Post) -> ByIds:
    """The member organisations a post is about, by name; each link is kept as a card."""
    ids = list_ids(("post-members",), members_of_post, post=post.pk)
    return ByIds(ids, Organisation.objects.only("name", "slug", "short_name"))


def members_of_post(post):
    return Organisation.objects.filter(posts=post).order_by("name", "pk")


class PostLink(NamedTuple):
    title: str
    url: str


def neighbour_context(post: Post, keep=lambda name, compute: compute()) -> dict:
    """post_neighbours for the template, kept (by `keep`) small and quick to read back: the
    related posts' ids (their cards are kept too) and links to the previous and next posts."""
    found = {}

    def links():
        found.update(post_neighbours(post))

        def link(other):
            return PostLink(other.title, other.get_absolute_url()) if other else None

        return {
            "related_ids": [other.pk for other in found["related_posts"]],
            "previous_post": link(found["previous_post"]),
            "next_post": link(found["next_post"]),
        }

    kept_links = keep(f"neighbour-links:{post.pk}", links)
    published = Post.objects.published().for_lists()
    related = ByIds(kept_links["related_ids"], published, loaded=found.get("related_posts"))
    return {
        "related_posts": related,
        "previous_post": kept_links["previous_post"],
        "next_post": kept_links["next_post"],
    }


def post_neighbours(post: Post) -> dict:
    """The 3 newest other posts of the post's category, and the posts before and after it.

    Three small queries, each answered from an index. One query picking all five by id was
    tried: it saved two round trips but cost more in building its five subqueries (5.2 ms
    against 3.6 ms on the benchmark machine).
    """
    published = Post.objects.published().for_lists()
    related = []
    previous_post = next_post = None
    if post.published_at:
        related = published.filter(category_id=post.category_id).exclude(pk=post.pk)
        related = list(related[:MORE_IN_CATEGORY])
        previous_post = published.filter(published_at__lt=post.published_at).first()
        next_post = (
            published.filter(published_at__gt=post.published_at)
            .order_by("published_at", "pk")
            .first()
        )
    return {"related_posts": related, "previous_post": previous_post, "next_post": next_post}


def news_article_data(request, post: Post) -> dict:
    """Schema.org NewsArticle for search engines."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title,
        "description": post.standfirst,
        "mainEntityOfPage": request.build_absolute_uri(post.get_absolute_url()),
        "dateModified": post.updated_at.isoformat() if post.updated_at else None,
        "articleSection": post.category.name,
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if post.published_at:
        data["datePublished"] = post.published_at.isoformat()
    if post.author_name:
        data["author"] = {
            "@type": "Organization" if post.byline else "Person",
            "name": post.author_name,
        }
    social = (post.image_renditions or {}).get("social", {}).get("jpg")
    if social:
        data["image"] = [request.build_absolute_uri(post.image.storage.url(social[0]["name"]))]
    return data


@require_safe
def post_preview(request, token):
    max_age = timedelta(days=settings.NEWS_PREVIEW_LINK_DAYS)
    post = Post.from_preview_token(token, max_age=max_age)
    if post is None:
        raise Http404("Preview link is invalid, expired or revoked.")
    context = {
        "post": post,
        "is_preview": True,
        "structured_data": news_article_data(request, post),
        "members": post_members(post),
        **neighbour_context(post),
    }
    response = render(request, "news/post_detail.html", context)
    mark_private(response)
    return response
