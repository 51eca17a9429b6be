import pytest
from django.urls import reverse


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def admin_url(obj, name, *args):
    info = f"{obj._meta.app_label}_{obj._meta.model_name}"
    return reverse(f"admin:{info}_{name}", args=[obj.pk, *args])


@pytest.fixture
def post_change_data(post_form_data):
    """The post's change form as a browser sends it, opened at its current edit version."""

    def make(post, **overrides):
        current = {
            "title": post.title,
            "slug": post.slug,
            "standfirst": post.standfirst,
            "body": post.body,
            "category": post.category_id,
            "status": post.status,
            "edit_version_seen": post.edit_version,
        }
        return post_form_data(**current | overrides)

    return make
