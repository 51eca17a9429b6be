import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from editing.models import Draft
from news.models import Post

from .conftest import change_url

pytestmark = pytest.mark.django_db

AUTOSAVE_URL = "/admin/news/post/autosave/"


def autosave(client, post, **fields):
    values = {
        "title": [post.title],
        "standfirst": [post.standfirst],
        "body": [post.body],
        "category": [str(post.category_id)],
        "status": [post.status],
        "edit_version_seen": [str(post.edit_version)],
        "published_at_0": [""],
        "published_at_1": [""],
    } | {name: [value] if isinstance(value, str) else value for name, value in fields.items()}
    payload = {"object_id": str(post.pk) if post.pk else "", "fields": values}
    return client.post(AUTOSAVE_URL, json.dumps(payload), content_type="application/json")


def test_autosave_keeps_a_private_draft_and_leaves_the_live_post(editor_client, editor, make_post):
    post = make_post(status=Post.Status.DRAFT, title="Live title")
    response = autosave(editor_client, post, title="Typed but not saved", body="<p>Typing…</p>")
    assert response.status_code == 200
    assert "Draft kept at" in response.json()["saved_text"]
    live = Post.objects.get(pk=post.pk)
    assert (live.title, live.edit_version) == ("Live title", post.edit_version)
    draft = Draft.objects.get()
    assert draft.author == editor and draft.kind == Draft.Kind.AUTOSAVE
    assert draft.data["fields"]["title"] == "Typed but not saved"
    assert draft.base_version == post.edit_version
    # A second autosave replaces the first.
    autosave(editor_client, post, title="Typed more")
    assert Draft.objects.get().data["fields"]["title"] == "Typed more"


def test_reopening_offers_the_autosave_and_restore_loads_it(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT, title="Live title")
    autosave(editor_client, post, title="Typed but not saved", body="<p>Lost text.</p>")
    page = editor_client.get(change_url(post))
    html = page.content.decode()
    assert "You have unsaved changes from" in html
    draft = Draft.objects.get()
    assert f'href="?editing_draft={draft.pk}"' in html
    restored = editor_client.get(change_url(post) + f"?editing_draft={draft.pk}")
    form = restored.context["adminform"].form
    assert form["title"].value() == "Typed but not saved"
    assert form["body"].value() == "<p>Lost text.</p>"
    assert "You are editing your unsaved changes" in restored.content.decode()
    assert Post.objects.get(pk=post.pk).title == "Live title"


def test_discard_deletes_the_autosave(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    autosave(editor_client, post, title="Not wanted")
    response = editor_client.post(
        reverse("admin:news_post_discard_draft"), {"object_id": str(post.pk)}
    )
    assert response.status_code == 302
    assert not Draft.objects.exists()
    assert "You have unsaved changes" not in editor_client.get(change_url(post)).content.decode()


def test_saving_deletes_the_authors_autosave(editor_client, make_post, post_change_data):
    post = make_post(status=Post.Status.DRAFT)
    autosave(editor_client, post, title="Typed")
    response = editor_client.post(change_url(post), post_change_data(post, title="Typed"))
    assert response.status_code == 302
    assert not Draft.objects.exists()


def test_no_offer_when_someone_saved_after_the_autosave(
    editor_client, make_user, make_post, post_change_data, time_machine
):
    post = make_post(status=Post.Status.DRAFT)
    client = Client()
    time_machine.move_to(timezone.now())
    autosave(editor_client, post, title="Old typing")
    time_machine.shift(60)
    client.force_login(make_user("ana", group="Editors"))
    assert client.post(change_url(post), post_change_data(post, title="Ana's")).status_code == 302
    assert "You have unsaved changes" not in editor_client.get(change_url(post)).content.decode()


def test_add_form_autosaves_a_draft_without_an_object(editor_client, make_category):
    category = make_category()
    unsaved = Post(title="", standfirst="", body="", category=category)
    response = autosave(editor_client, unsaved, title="A new announcement")
    assert response.status_code == 200
    assert Draft.objects.get().object_id == ""
    html = editor_client.get(reverse("admin:news_post_add")).content.decode()
    assert "You have unsaved changes from" in html
    draft = Draft.objects.get()
    form = editor_client.get(reverse("admin:news_post_add") + f"?editing_draft={draft.pk}")
    assert form.context["adminform"].form["title"].value() == "A new announcement"


def test_presence_shows_who_else_has_the_form_open(editor_client, make_user, make_post):
    post = make_post(status=Post.Status.DRAFT)
    client = Client()
    client.force_login(make_user("ana", group="Editors", first_name="Ana", last_name="Silva"))
    client.get(change_url(post))
    html = editor_client.get(change_url(post)).content.decode()
    assert "Ana Silva has this post open too (last active" in html
    answer = client.post(
        AUTOSAVE_URL,
        json.dumps({"object_id": str(post.pk), "presence_only": True}),
        content_type="application/json",
    ).json()
    assert answer["presence_text"].startswith("editor has this post open too")


# --- Hostile input and wrong roles --------------------------------------------------------


def test_huge_autosave_is_refused_with_413(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    response = autosave(editor_client, post, body="x" * (1024 * 1024 + 10))
    assert response.status_code == 413
    assert not Draft.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"object_id": "", "fields": "title"}',
        b'{"object_id": "", "fields": {"title": [1, 2]}}',
        b'{"object_id": "", "fields": {"title": "a string, not a list"}}',
        json.dumps({"object_id": "", "fields": {f"f{n}": [""] for n in range(6000)}}).encode(),
    ],
)
def test_malformed_autosave_is_a_400(editor_client, body):
    response = editor_client.post(AUTOSAVE_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_autosave_of_a_missing_object_is_a_404(editor_client):
    payload = json.dumps({"object_id": "999999", "fields": {}})
    response = editor_client.post(AUTOSAVE_URL, payload, content_type="application/json")
    assert response.status_code == 404


def test_contributor_cannot_autosave_a_published_post(contributor_client, make_post):
    post = make_post()
    assert autosave(contributor_client, post, title="Hijack").status_code == 403
    assert not Draft.objects.exists()


def test_user_without_permission_cannot_autosave(client, make_user, make_post):
    client.force_login(make_user("outsider"))
    assert autosave(client, make_post(status=Post.Status.DRAFT)).status_code == 403


def test_anonymous_autosave_goes_to_the_login_page(client, make_post):
    response = autosave(client, make_post(status=Post.Status.DRAFT))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_autosave_takes_only_post(editor_client):
    assert editor_client.get(AUTOSAVE_URL).status_code == 405


def test_hostile_text_in_a_draft_is_escaped_in_the_form(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    autosave(editor_client, post, title='"><script>alert(1)</script>')
    draft = Draft.objects.get()
    html = editor_client.get(change_url(post) + f"?editing_draft={draft.pk}").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("seen", ["²", "99999999999", "-1", "abc"])
def test_autosave_with_a_version_no_row_could_have_stores_it_without(
    editor_client, make_post, seen
):
    post = make_post(status=Post.Status.DRAFT)
    response = autosave(editor_client, post, edit_version_seen=seen, title="Still kept")
    assert response.status_code == 200
    draft = Draft.objects.get()
    assert draft.base_version is None
    assert draft.data["fields"]["title"] == "Still kept"


@pytest.mark.parametrize("value", ["²", "abc", "9" * 40])
def test_links_with_ids_that_are_not_ids_answer_without_a_500(editor_client, make_post, value):
    post = make_post(status=Post.Status.DRAFT)
    assert editor_client.get(change_url(post) + f"?editing_draft={value}").status_code == 200
    compare = reverse("admin:news_post_compare", args=[post.pk])
    assert editor_client.get(compare + f"?from={value}&to=1").status_code in (302, 404)
    search = reverse("admin:library_image_search") + f"?id={value}"
    response = editor_client.get(search)
    assert response.status_code == 200
    assert response.json()["results"] == []
