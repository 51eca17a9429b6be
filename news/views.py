from datetime import timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from core.page_cache import mark_private

from .models import Category, Post, SlugRedirect

MORE_IN_CATEGORY = 3


class CappedPaginator(Paginator):
    """Counts at most MAX_LISTED posts (200 pages), so a list costs about the same at 1,000 or
    1,000,000 posts. Older posts stay reachable through categories, search, feeds and the
    sitemap."""

    MAX_LISTED = 2_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.MAX_LISTED].count()


class PostListView(ListView):
    paginate_by = 10
    paginator_class = CappedPaginator
    template_name = "news/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.published().for_lists()


class CategoryPostListView(PostListView):
    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

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
        return posts.select_related("category", "author", "image").defer("search_vector")

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
        return super().get_context_data(**article_context(self.request, self.object), **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published():
            mark_private(response)
        return response


def article_context(request, post: Post) -> dict:
    """What the article template shows besides the post itself."""
    return {
        "members": post.organisations.only("name", "slug").order_by("name", "pk"),
        "structured_data": news_article_data(request, post),
        **post_neighbours(post),
    }


def post_neighbours(post: Post) -> dict:
    """The 3 newest other posts of the post's category, and the posts before and after it."""
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
    social = post.image.rendition_url("social", "jpg") if post.image else ""
    if social:
        data["image"] = [request.build_absolute_uri(social)]
    return data


@require_safe
def post_preview(request, token):
    max_age = timedelta(days=settings.NEWS_PREVIEW_LINK_DAYS)
    post = Post.from_preview_token(token, max_age=max_age)
    if post is None:
        raise Http404("Preview link is invalid, expired or revoked.")
    context = {"post": post, "is_preview": True, **article_context(request, post)}
    return mark_private(render(request, "news/post_detail.html", context))
