import re

import pytest
import time_machine
from django.test import Client
from reversion.models import Version

from news.models import Post
from newsletter.models import Issue, IssueItem

from .conftest import admin_url, change_url
from .test_revisions import issue_data, save_titles

pytestmark = pytest.mark.django_db

OLD_BODY = "<h2>Why it matters</h2><p>The forest is big.</p><p>Rangers patrol it.</p>"
NEW_BODY = "<h2>Why it matters</h2><p>The forest is very big.</p><p>Rangers patrol it.</p>"


@pytest.fixture
def two_revisions(editor_client, make_post, make_organisation, post_change_data, make_category):
    member = make_organisation(name="Andean Forest Network")
    post = make_post(title="Peru joins", body=OLD_BODY)
    news = make_category(name="Announcements")
    save_titles(
        editor_client, post, post_change_data, "Peru joins", body=OLD_BODY, status="published"
    )
    save_titles(
        editor_client,
        post,
        post_change_data,
        "Peru joins the alliance",
        body=NEW_BODY,
        category=news.pk,
        organisations=[member.pk],
        status="published",
    )
    newer, older = Version.objects.get_for_object(post)
    post.refresh_from_db()
    return post, older.revision_id, newer.revision_id


def test_compare_shows_a_readable_side_by_side_diff(editor_client, two_revisions):
    post, older, newer = two_revisions
    response = editor_client.get(admin_url(post, "compare") + f"?from={older}&to={newer}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The forest is <ins>very </ins>big." in html
    assert "## Why it matters" in html  # headings read as headings, not as markup
    assert "&lt;p&gt;" not in html and "<p>The forest" not in html
    assert "<ins>the alliance</ins>" in html or "<ins> the alliance</ins>" in html
    assert "<ins>Andean Forest Network</ins>" in html  # members by name, not by id
    assert "<ins>Announcements</ins>" in html


def test_compare_marks_only_what_the_editor_changed_not_the_save_times(
    editor_client, make_post, post_change_data
):
    post = make_post(status=Post.Status.DRAFT, title="First title")
    with time_machine.travel("2026-12-02 10:41", tick=False):
        save_titles(editor_client, post, post_change_data, "First title")
    with time_machine.travel("2026-12-02 10:47", tick=False):
        save_titles(editor_client, post, post_change_data, "Second title")
    older, newer = sorted(Version.objects.get_for_object(post).values_list("revision", flat=True))
    html = editor_client.get(admin_url(post, "compare") + f"?from={older}&to={newer}")
    changed = re.findall(r'<tr class="editing-changed">\s*<th[^>]*>([^<]+)', html.content.decode())
    assert [label.strip() for label in changed] == ["Title"]


def figure_body(image) -> str:
    return (
        f'<p>Rangers set out at dawn.</p><figure data-image="{image.pk}"><img src="/media/x.jpg" '
        f'width="160" height="90" alt="{image.alt_text}"></figure><p>They came back at noon.</p>'
    )


def test_compare_shows_a_figure_whose_image_changed(
    editor_client, make_post, make_image, post_change_data
):
    boat = make_image(alt_text="A patrol boat on a brown river")
    trunk = make_image(alt_text="Two rangers measure a felled trunk")
    post = make_post(status=Post.Status.DRAFT, body=figure_body(boat))
    save_titles(editor_client, post, post_change_data, "Rangers", body=figure_body(boat))
    save_titles(editor_client, post, post_change_data, "Rangers", body=figure_body(trunk))
    newer, older = Version.objects.get_for_object(post)
    url = admin_url(post, "compare") + f"?from={older.revision_id}&to={newer.revision_id}"
    html = editor_client.get(url).content.decode()
    # A figure without a caption is its image alone: the swap must show, word by word.
    assert "[Image: <del>A</del> <del>patrol</del> <del>boat on</del> a <del>brown</del>" in html
    assert "[Image: <ins>Two</ins> <ins>rangers</ins> <ins>measure</ins> a <ins>felled" in html
    assert html.count("They came back at noon.") == 2  # unchanged, on both sides


def test_compare_refuses_revisions_of_another_object(editor_client, two_revisions, make_post):
    post, older, newer = two_revisions
    other = make_post()
    url = admin_url(other, "compare") + f"?from={older}&to={newer}"
    assert editor_client.get(url).status_code == 404
    bad = editor_client.get(admin_url(post, "compare") + "?from=x&to=<script>")
    assert bad.status_code == 302


def test_restore_keeps_the_live_post_and_public_page_until_saved(
    editor_client, two_revisions, post_change_data
):
    post, older, _newer = two_revisions
    client = Client()  # a visitor
    public_before = client.get(post.get_absolute_url()).content
    response = editor_client.post(admin_url(post, "restore", older))
    assert response.status_code == 302
    assert "editing_draft=" in response["Location"]

    live = Post.objects.get(pk=post.pk)
    assert (live.title, live.body, live.edit_version) == (post.title, post.body, post.edit_version)
    assert client.get(post.get_absolute_url()).content == public_before

    form_page = editor_client.get(response["Location"])
    html = form_page.content.decode()
    assert "You are editing the revision of" in html and "restored" in html
    form = form_page.context["adminform"].form
    assert form["title"].value() == "Peru joins"
    assert "The forest is big." in form["body"].value()
    assert client.get(post.get_absolute_url()).content == public_before

    # Saving the form, by whatever button, makes the restored text live and records it.
    data = post_change_data(post, title=form["title"].value(), body=form["body"].value())
    data["status"] = "published"
    data["_continue"] = "1"
    saved = editor_client.post(response["Location"], data)
    assert saved.status_code == 302
    live.refresh_from_db()
    assert live.title == "Peru joins" and "The forest is big." in live.body
    latest = Version.objects.get_for_object(live).first()
    assert latest.revision.get_comment().startswith("Restored the revision of")
    assert b"The forest is big." in client.get(live.get_absolute_url()).content


def test_restored_draft_survives_closing_the_tab(editor_client, two_revisions):
    post, older, _newer = two_revisions
    location = editor_client.post(admin_url(post, "restore", older))["Location"]
    again = editor_client.get(location)
    assert again.context["adminform"].form["title"].value() == "Peru joins"


def test_someone_elses_draft_is_not_loaded(editor_client, two_revisions, make_user):
    post, older, _newer = two_revisions
    location = editor_client.post(admin_url(post, "restore", older))["Location"]
    client = Client()
    client.force_login(make_user("other-editor", group="Editors"))
    form = client.get(location).context["adminform"].form
    assert form["title"].value() == post.title


def test_restore_of_an_issue_brings_back_its_stories(editor_client, make_post):
    first, second, third = make_post(), make_post(), make_post()
    add = editor_client.post(
        "/admin/newsletter/issue/add/", issue_data(stories=[(first, 1), (second, 2)])
    )
    assert add.status_code == 302
    issue = Issue.objects.get()
    old_revision = Version.objects.get_for_object(issue).first().revision_id
    # Replace the stories: drop the first, add a third.
    IssueItem.objects.filter(issue=issue, post=first).delete()
    IssueItem.objects.create(issue=issue, post=third, position=3)

    location = editor_client.post(admin_url(issue, "restore", old_revision))["Location"]
    html = editor_client.get(location).content.decode()
    formset = re.findall(r'name="items-(\d+)-post"', html)
    assert len(formset) >= 3
    assert sorted(IssueItem.objects.values_list("post", flat=True)) == [second.pk, third.pk]
    page = editor_client.get(location)
    [inline] = page.context["inline_admin_formsets"]
    forms = inline.formset.forms
    deleted = [f.instance.post_id for f in forms if f.instance.pk and f["DELETE"].value()]
    assert deleted == [third.pk]
    new_rows = [f["post"].value() for f in forms if f.instance.pk is None and f["post"].value()]
    assert new_rows == [first.pk]


def test_compare_of_an_issue_lists_its_stories(editor_client, make_post):
    first, second = make_post(title="Rangers share data"), make_post(title="Gold mining")
    editor_client.post("/admin/newsletter/issue/add/", issue_data(stories=[(first, 1)]))
    issue = Issue.objects.get()
    item = issue.items.get()
    data = issue_data(issue, stories=[(second, 2)], subject="June news")
    data |= {
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "1",
        "items-0-id": item.pk,
        "items-0-issue": issue.pk,
        "items-0-post": first.pk,
        "items-0-position": 1,
        "items-1-post": second.pk,
        "items-1-position": 2,
    }
    assert editor_client.post(change_url(issue), data).status_code == 302
    newer, older = Version.objects.get_for_object(issue)
    url = admin_url(issue, "compare") + f"?from={older.revision_id}&to={newer.revision_id}"
    html = editor_client.get(url).content.decode()
    assert "<ins>Gold mining · 2</ins>" in html
    assert "<del>May</del>" in html and "<ins>June</ins>" in html
