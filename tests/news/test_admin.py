import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/news/post/add/"
CHANGELIST_URL = "/admin/news/post/"


def change_url(post):
    return reverse("admin:news_post_change", args=[post.pk])


def form_errors(response):
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def change_data(post_form_data, post, **overrides):
    """The change form's data for `post` as it is, with `overrides` applied."""
    current = {
        "title": post.title,
        "slug": post.slug,
        "standfirst": post.standfirst,
        "body": post.body,
        "category": post.category_id,
        "status": post.status,
    }
    return post_form_data(**current | overrides)


def bulk_action(client, action, *posts):
    return client.post(
        CHANGELIST_URL,
        {"action": action, "_selected_action": [post.pk for post in posts], "index": "0"},
    )


# --- Roles --------------------------------------------------------------------------------


def test_editor_and_contributor_roles_exist():
    editors = Group.objects.get(name="Editors")
    contributors = Group.objects.get(name="Contributors")
    editor_perms = set(editors.permissions.values_list("codename", flat=True))
    contributor_perms = set(contributors.permissions.values_list("codename", flat=True))
    assert {"add_post", "change_post", "delete_post", "publish_post"} <= editor_perms
    assert {"add_post", "change_post", "view_post"} <= contributor_perms
    assert "publish_post" not in contributor_perms
    assert "delete_post" not in contributor_perms


def test_contributor_add_form_offers_no_published_status(contributor_client):
    html = contributor_client.get(ADD_URL).content.decode()
    assert '<option value="draft"' in html
    assert '<option value="review"' in html
    assert '<option value="published"' not in html


def test_editor_add_form_offers_published_status(editor_client):
    html = editor_client.get(ADD_URL).content.decode()
    assert '<option value="published"' in html
    for name in ["title", "slug", "standfirst", "body", "image", "image_caption", "category"]:
        assert f'name="{name}"' in html
    assert 'name="published_at_0"' in html and 'name="published_at_1"' in html


# --- Contributors cannot publish ----------------------------------------------------------


def test_contributor_cannot_publish_via_add_form(contributor_client, post_form_data):
    response = contributor_client.post(ADD_URL, post_form_data(status="published"))
    assert "status" in form_errors(response)
    assert not Post.objects.exists()


def test_contributor_cannot_publish_via_change_form(contributor_client, make_post, post_form_data):
    post = make_post(status=Post.Status.REVIEW, published_at=None)
    response = contributor_client.post(
        change_url(post), change_data(post_form_data, post, status="published")
    )
    assert "status" in form_errors(response)
    post.refresh_from_db()
    assert post.status == Post.Status.REVIEW
    assert not Post.objects.published().exists()


def test_contributor_cannot_publish_via_bulk_action(contributor_client, make_post):
    post = make_post(status=Post.Status.REVIEW, published_at=None)
    bulk_action(contributor_client, "publish_selected", post)
    post.refresh_from_db()
    assert post.status == Post.Status.REVIEW
    assert not Post.objects.published().exists()


def test_contributor_cannot_unpublish_via_bulk_action(contributor_client, make_post):
    post = make_post()
    bulk_action(contributor_client, "unpublish_selected", post)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_contributor_sees_no_publishing_actions(contributor_client, make_post):
    make_post(status=Post.Status.DRAFT)
    html = contributor_client.get(CHANGELIST_URL).content.decode()
    assert "publish_selected" not in html


def test_contributor_cannot_edit_published_post(contributor_client, make_post, post_form_data):
    post = make_post(title="Approved title")
    response = contributor_client.post(
        change_url(post), change_data(post_form_data, post, title="Vandalised")
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.title == "Approved title"


def test_contributor_cannot_unpublish_by_editing(contributor_client, make_post, post_form_data):
    post = make_post()
    response = contributor_client.post(
        change_url(post), change_data(post_form_data, post, status="draft")
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_contributor_cannot_edit_scheduled_post(contributor_client, make_post, post_form_data):
    post = make_post(title="Scheduled", published_at=timezone.now() + timedelta(days=1))
    response = contributor_client.post(
        change_url(post), change_data(post_form_data, post, title="Changed")
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.title == "Scheduled"


def test_contributor_sees_published_post_read_only(contributor_client, make_post):
    post = make_post()
    response = contributor_client.get(change_url(post))
    assert response.status_code == 200
    assert 'name="title"' not in response.content.decode()


def test_contributor_cannot_feature_a_post(contributor_client, post_form_data):
    response = contributor_client.post(ADD_URL, post_form_data(is_featured="on"))
    assert response.status_code == 302
    assert Post.objects.get().is_featured is False


# --- What contributors can do -------------------------------------------------------------


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.REVIEW])
def test_contributor_can_create_post_as_draft_or_for_review(
    contributor_client, contributor, post_form_data, status
):
    response = contributor_client.post(ADD_URL, post_form_data(title="My story", status=status))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.title == "My story"
    assert post.status == status
    assert post.author == contributor
    assert not post.is_published()


def test_contributor_can_submit_draft_for_review(contributor_client, make_post, post_form_data):
    post = make_post(status=Post.Status.DRAFT, published_at=None)
    response = contributor_client.post(
        change_url(post), change_data(post_form_data, post, status="review")
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.REVIEW


# --- Editors can publish ------------------------------------------------------------------


def test_editor_can_publish_via_add_form(editor_client, editor, post_form_data):
    response = editor_client.post(ADD_URL, post_form_data(title="Straight out", status="published"))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.is_published()
    assert post.author == editor
    assert post.published_at is not None


def test_editor_can_schedule_via_add_form(editor_client, post_form_data):
    when = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    data = post_form_data(
        status="published",
        published_at_0=when.strftime("%Y-%m-%d"),
        published_at_1=when.strftime("%H:%M:%S"),
    )
    assert editor_client.post(ADD_URL, data).status_code == 302
    post = Post.objects.get()
    assert post.published_at == when
    assert post.is_scheduled()
    html = editor_client.get(CHANGELIST_URL).content.decode()
    assert "Scheduled" in html


def test_editor_can_publish_via_change_form(editor_client, make_post, post_form_data):
    post = make_post(status=Post.Status.REVIEW, published_at=None)
    response = editor_client.post(
        change_url(post), change_data(post_form_data, post, status="published")
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_published()


def test_editor_can_publish_via_bulk_action(editor_client, make_post):
    posts = [make_post(status=Post.Status.REVIEW, published_at=None) for _ in range(2)]
    bulk_action(editor_client, "publish_selected", *posts)
    assert Post.objects.published().count() == 2


def test_editor_can_unpublish_via_bulk_action(editor_client, make_post):
    post = make_post()
    bulk_action(editor_client, "unpublish_selected", post)
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert not Post.objects.published().exists()


def test_editor_can_edit_published_post(editor_client, make_post, post_form_data):
    post = make_post(title="First title")
    response = editor_client.post(
        change_url(post), change_data(post_form_data, post, title="Corrected title")
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Corrected title"
    assert post.is_published()


def test_editor_logs_in_creates_and_publishes_post(client, editor, post_form_data):
    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": "correct horse battery staple", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"

    data = post_form_data(title="Forest monitors join the alliance", slug="", status="draft")
    assert client.post(ADD_URL, data).status_code == 302
    post = Post.objects.get()
    assert post.slug == "forest-monitors-join-the-alliance"
    assert "Forest monitors join the alliance" not in client.get("/news/").content.decode()

    bulk_action(client, "publish_selected", post)
    client.logout()
    assert "Forest monitors join the alliance" in client.get("/news/").content.decode()
    response = client.get("/news/forest-monitors-join-the-alliance/")
    assert response.status_code == 200
    assert "<h1>Forest monitors join the alliance</h1>" in response.content.decode()


# --- Slugs through the admin --------------------------------------------------------------


def test_duplicate_slug_gives_form_error(editor_client, make_post, post_form_data):
    make_post(slug="taken")
    response = editor_client.post(ADD_URL, post_form_data(slug="taken"))
    assert "already exists" in str(form_errors(response)["slug"])
    assert Post.objects.count() == 1


def test_blank_slug_is_made_unique_from_title(editor_client, make_post, post_form_data):
    make_post(title="Annual report", slug="annual-report")
    data = post_form_data(title="Annual report", slug="")
    assert editor_client.post(ADD_URL, data).status_code == 302
    slugs = set(Post.objects.values_list("slug", flat=True))
    assert len(slugs) == 2
    assert "annual-report" in slugs


def test_changing_published_slug_in_admin_redirects_old_address(
    editor_client, make_post, post_form_data
):
    post = make_post(slug="first-address")
    data = change_data(post_form_data, post, slug="better-address")
    assert editor_client.post(change_url(post), data).status_code == 302
    response = Client().get("/news/first-address/")
    assert response.status_code == 301
    assert response["Location"] == "/news/better-address/"


# --- Sanitising through the admin ---------------------------------------------------------


def test_admin_form_sanitises_body(editor_client, post_form_data):
    body = (
        '<p style="color:red">Text<script>alert(1)</script>'
        '<img src=x onerror=alert(1)><a href="javascript:alert(1)">link</a></p>'
        '<iframe src="https://evil.example/"></iframe><custom-tag>kept text</custom-tag>'
        '<h2>Heading</h2><p><a href="https://example.org/">fine link</a></p>'
    )
    assert editor_client.post(ADD_URL, post_form_data(body=body)).status_code == 302
    post = Post.objects.get()
    post.refresh_from_db()
    for fragment in ["<script", "onerror", "<img", "javascript:", "<iframe", "style=", "custom"]:
        assert fragment not in post.body
    assert "<h2>Heading</h2>" in post.body
    assert '<a href="https://example.org/">fine link</a>' in post.body
    assert "kept text" in post.body


# --- Preview links in the admin -----------------------------------------------------------


def test_change_page_offers_working_preview_link(editor_client, make_post):
    post = make_post(title="Draft to share", status=Post.Status.DRAFT, published_at=None)
    html = editor_client.get(change_url(post)).content.decode()
    link = re.search(r'value="https?://[^/"]+(/news/preview/[^"]+/)"', html).group(1)
    response = Client().get(link)
    assert response.status_code == 200
    assert "Draft to share" in response.content.decode()


def test_editor_revokes_preview_links(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    old_key = post.preview_key
    old_link = f"/news/preview/{post.preview_token()}/"
    response = editor_client.post(reverse("admin:news_post_revoke_previews", args=[post.pk]))
    assert response.status_code == 302
    assert response["Location"] == change_url(post)
    post.refresh_from_db()
    assert post.preview_key != old_key
    assert Client().get(old_link).status_code == 404


def test_anonymous_visitor_cannot_revoke_preview_links(client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    old_key = post.preview_key
    response = client.post(reverse("admin:news_post_revoke_previews", args=[post.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    post.refresh_from_db()
    assert post.preview_key == old_key


def test_contributor_cannot_revoke_preview_links_of_published_post(contributor_client, make_post):
    post = make_post()
    old_key = post.preview_key
    response = contributor_client.post(reverse("admin:news_post_revoke_previews", args=[post.pk]))
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.preview_key == old_key


def test_revoking_preview_links_needs_post(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    old_key = post.preview_key
    editor_client.get(reverse("admin:news_post_revoke_previews", args=[post.pk]))
    post.refresh_from_db()
    assert post.preview_key == old_key


def test_admin_policy_allows_exactly_the_editors_import_map(editor_client, client):
    import base64
    import hashlib
    import re

    response = editor_client.get("/admin/news/post/add/")
    [import_map] = re.findall(r'<script type="importmap"[^>]*>(.*?)</script>', response.text, re.S)
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    policy = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert "'unsafe-inline'" in policy["style-src"] and "unsafe-eval" not in policy["script-src"]
    public = client.get("/news/")["Content-Security-Policy"]
    assert "unsafe-inline" not in public and "sha256" not in public
