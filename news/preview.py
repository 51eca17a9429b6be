"""The editors' "Preview" button: the post form's unsaved content, shown as the public page."""

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from core.page_cache import mark_private

from .models import Post, unique_slug
from .views import news_article_data, post_neighbours


def render_unsaved_preview(request, form, *, upload_left_out: bool):
    """Render `form`'s content with the article template, or its errors; save nothing.

    The form is bound without files: a new upload is stored only when the post is saved, so
    the preview leaves it out and says so.
    """
    if form.is_valid():
        post = preview_post(request, form)
        context = {
            "post": post,
            "is_preview": True,
            "is_unsaved_preview": True,
            "upload_left_out": upload_left_out,
            "members": preview_members(form),
            "structured_data": news_article_data(request, post),
            **post_neighbours(post),
        }
        response = render(request, "news/post_detail.html", context)
    else:
        response = render(request, "admin/news/post/preview_errors.html", {"form": form})
    mark_private(response)
    patch_cache_control(response, no_store=True)
    return response


def preview_post(request, form) -> Post:
    """The form's instance as it would be saved, in memory only."""
    post = form.instance
    if not post.slug:
        post.slug = unique_slug(Post, post.title, exclude_pk=post.pk)
    if post.author_id is None:
        post.author = request.user
    return post


def preview_members(form):
    """The member organisations chosen on the form, as the article lists them."""
    chosen = form.cleaned_data.get("organisations")
    if chosen is None:  # not on this user's form: what the post has
        if form.instance.pk is None:
            return []
        chosen = form.instance.organisations.all()
    return chosen.only("name", "slug").order_by("name", "pk")
