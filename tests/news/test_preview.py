"""The post form's "Preview" button: unsaved content through the public template."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from news.models import Post
from tests.conftest import image_upload

pytestmark = pytest.mark.django_db

ADD_PREVIEW = reverse("admin:news_post_preview_add")


def preview_url(post):
    return reverse("admin:news_post_preview", args=[post.pk])


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_add_form_preview_shows_unsaved_content_with_public_template(
    editor_client, post_form_data, make_category, make_organisation, settings
):
    category = make_category(name="Wildlife")
    member = make_organisation(name="River Guardians")
    data = post_form_data(
        title="Kenya joins the alliance",
        standfirst="A new member from East Africa.",
        body="<h2>Why</h2><p>Rangers share data.</p>",
        category=category.pk,
        organisations=[member.pk],
    )
    response = editor_client.post(ADD_PREVIEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Kenya joins the alliance</h1>" in html
    assert "Preview — not saved." in html
    assert "<h2>Why</h2>" in html
    assert "Wildlife" in html and "River Guardians" in html
    assert 'class="article"' in html  # the article template, as visitors get it
    assert not Post.objects.exists()
    assert not LogEntry.objects.exists()
    assert stored_files(settings) == []


def test_preview_is_never_cached(editor_client, post_form_data):
    response = editor_client.post(ADD_PREVIEW, post_form_data())
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store", "no-cache"} <= cache_control
    assert response["X-Robots-Tag"] == "noindex"


def test_change_form_preview_shows_edits_without_saving(editor_client, make_post, post_form_data):
    post = make_post(title="Saved title")
    updated = post.updated_at
    data = post_form_data(title="Unsaved title", slug=post.slug, category=post.category_id)
    html = editor_client.post(preview_url(post), data).content.decode()
    assert "<h1>Unsaved title</h1>" in html
    post.refresh_from_db()
    assert (post.title, post.updated_at) == ("Saved title", updated)
    assert "Saved title" in Client().get(post.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)  # outside a test transaction, as in production
def test_preview_of_a_form_carrying_its_edit_version(editor_client, make_post, post_form_data):
    """The change form sends the version it was opened at; the preview is no save to lock."""
    post = make_post(title="Saved title")
    data = post_form_data(
        title="Unsaved title",
        slug=post.slug,
        category=post.category_id,
        edit_version_seen=post.edit_version,
    )
    response = editor_client.post(preview_url(post), data)
    assert response.status_code == 200
    assert "<h1>Unsaved title</h1>" in response.content.decode()


def test_preview_uses_chosen_members_not_saved_ones(
    editor_client, make_post, make_organisation, post_form_data
):
    saved, chosen = make_organisation(name="Saved Member"), make_organisation(name="Chosen Member")
    post = make_post()
    post.organisations.add(saved)
    data = post_form_data(slug=post.slug, category=post.category_id, organisations=[chosen.pk])
    html = editor_client.post(preview_url(post), data).content.decode()
    assert "Chosen Member" in html and "Saved Member" not in html
    assert list(post.organisations.all()) == [saved]


def test_new_upload_is_left_out_and_said_so(editor_client, post_form_data, settings):
    data = post_form_data(image=image_upload(), image_alt="A forest")
    response = editor_client.post(ADD_PREVIEW, data)
    html = response.content.decode()
    assert "The new image you chose is not shown" in html
    assert "<picture" not in html
    assert stored_files(settings) == []
    assert not Post.objects.exists()


def test_blank_slug_preview_stores_nothing(editor_client, post_form_data):
    response = editor_client.post(ADD_PREVIEW, post_form_data(title="No slug yet", slug=""))
    assert "<h1>No slug yet</h1>" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "overrides,error",
    [
        ({"title": ""}, "Title:"),
        ({"category": ""}, "Category:"),
        ({"category": "999999"}, "Category:"),
        ({"title": "x" * 5000}, "Title:"),
        ({"slug": "feed"}, "address of another page"),
    ],
)
def test_invalid_input_shows_errors_instead(editor_client, post_form_data, overrides, error):
    response = editor_client.post(ADD_PREVIEW, post_form_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The preview needs a few corrections first" in html
    assert error in html
    assert "no-store" in response["Cache-Control"]
    assert not Post.objects.exists()


def test_hostile_content_is_sanitised_and_escaped(editor_client, post_form_data):
    data = post_form_data(
        title="<script>alert('title')</script>",
        body='<p onclick="alert(1)">Text</p><script>alert(2)</script><img src=x onerror=alert(3)>',
    )
    html = editor_client.post(ADD_PREVIEW, data).content.decode()
    assert "<script>alert" not in html
    assert "onclick" not in html and "onerror" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html


def test_preview_needs_post(editor_client):
    assert editor_client.get(ADD_PREVIEW).status_code == 405


def test_anonymous_visitor_is_sent_to_login(client, post_form_data):
    response = client.post(ADD_PREVIEW, post_form_data())
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_contributor_cannot_preview_a_post_they_may_not_change(
    contributor_client, make_post, post_form_data
):
    live = make_post()
    data = post_form_data(slug=live.slug, category=live.category_id)
    assert contributor_client.post(preview_url(live), data).status_code == 403


def test_contributor_previews_own_draft(contributor_client, contributor, make_post, post_form_data):
    draft = make_post(status=Post.Status.DRAFT, published_at=None, author=contributor)
    data = post_form_data(title="My unsaved words", slug=draft.slug, category=draft.category_id)
    response = contributor_client.post(preview_url(draft), data)
    assert "<h1>My unsaved words</h1>" in response.content.decode()


def test_staff_without_post_permissions_gets_403(client, make_user, post_form_data):
    client.force_login(make_user("intern"))
    assert client.post(ADD_PREVIEW, post_form_data()).status_code == 403


def test_missing_post_gives_404(editor_client, post_form_data):
    url = reverse("admin:news_post_preview", args=[999999])
    assert editor_client.post(url, post_form_data()).status_code == 404


def test_page_cache_keeps_no_preview(page_cache, editor, post_form_data, make_post):
    post = make_post(title="Public title")
    editor_session = Client()
    editor_session.force_login(editor)
    visitor = Client()
    assert "Public title" in visitor.get(post.get_absolute_url()).content.decode()
    for title in ["First unsaved", "Second unsaved"]:
        data = post_form_data(title=title, slug=post.slug, category=post.category_id)
        response = editor_session.post(preview_url(post), data)
        assert f"<h1>{title}</h1>" in response.content.decode()
        assert "X-Page-Cache" not in response
    page = visitor.get(post.get_absolute_url())
    assert page["X-Page-Cache"] == "hit"
    assert "Public title" in page.content.decode()
    assert "unsaved" not in page.content.decode()
