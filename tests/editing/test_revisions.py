import pytest
from django.urls import reverse
from reversion.models import Version

from ncasite.models import Page
from news.models import Post
from newsletter.models import Issue

from .conftest import admin_url, change_url

pytestmark = pytest.mark.django_db


def revisions_of(obj):
    return list(Version.objects.get_for_object(obj).select_related("revision__user"))


def test_adding_a_post_in_the_admin_records_a_revision_with_its_author(
    editor_client, editor, post_form_data, make_organisation
):
    member = make_organisation(name="Andean Forest Network")
    data = post_form_data(title="Peru joins the alliance", organisations=[member.pk])
    response = editor_client.post(reverse("admin:news_post_add"), data)
    assert response.status_code == 302
    post = Post.objects.get(title="Peru joins the alliance")
    [version] = revisions_of(post)
    assert version.revision.user == editor
    assert version.field_dict["title"] == "Peru joins the alliance"
    # The many-to-many is saved after the post, and still belongs to the same revision.
    assert version.field_dict["organisations"] == [member.pk]
    assert "Added" in version.revision.get_comment()


def test_every_change_records_one_more_revision(editor_client, make_post, post_change_data):
    post = make_post(status=Post.Status.DRAFT)
    for title in ["First title", "Second title"]:
        post.refresh_from_db()
        response = editor_client.post(change_url(post), post_change_data(post, title=title))
        assert response.status_code == 302
    versions = revisions_of(post)
    assert [v.field_dict["title"] for v in versions] == ["Second title", "First title"]
    assert "Changed Title" in versions[0].revision.get_comment()


def test_page_save_records_a_revision(editor_client, editor):
    data = {
        "title": "Our story",
        "slug": "our-story",
        "intro": "",
        "body": "<p>Hi.</p>",
        "ordering": 0,
    }
    assert editor_client.post(reverse("admin:ncasite_page_add"), data).status_code == 302
    page = Page.objects.get(slug="our-story")
    assert revisions_of(page)[0].revision.user == editor


def issue_data(issue=None, stories=(), **fields):
    data = {
        "subject": "May news",
        "slug": "may-news",
        "preheader": "",
        "intro": "",
        "items-TOTAL_FORMS": str(len(stories)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    } | fields
    for n, (post, position) in enumerate(stories):
        data |= {f"items-{n}-post": post.pk, f"items-{n}-position": position}
    if issue is not None:
        data["edit_version_seen"] = issue.edit_version
    return data


def test_issue_revision_holds_its_stories(editor_client, editor, make_post):
    first, second = make_post(), make_post()
    response = editor_client.post(
        reverse("admin:newsletter_issue_add"), issue_data(stories=[(first, 1), (second, 2)])
    )
    assert response.status_code == 302
    issue = Issue.objects.get()
    [version] = revisions_of(issue)
    rows = version.revision.version_set.exclude(pk=version.pk)
    assert sorted(row.field_dict["post_id"] for row in rows) == [first.pk, second.pk]


def test_bulk_publish_records_a_revision_per_post(editor_client, editor, make_post):
    drafts = [make_post(status=Post.Status.DRAFT) for _ in range(2)]
    editor_client.post(
        reverse("admin:news_post_changelist"),
        {"action": "publish_selected", "_selected_action": [p.pk for p in drafts], "index": "0"},
    )
    for post in drafts:
        [version] = revisions_of(post)
        assert version.field_dict["status"] == "published"
        assert version.revision.user == editor
        assert version.revision.get_comment() == "Publish selected posts"


# --- History ------------------------------------------------------------------------------


def save_titles(client, post, post_change_data, *titles, **fields):
    for title in titles:
        post.refresh_from_db()
        response = client.post(change_url(post), post_change_data(post, title=title, **fields))
        assert response.status_code == 302, response.context["adminform"].form.errors


def test_history_lists_revisions_with_author_and_comment(
    editor_client, make_post, post_change_data
):
    post = make_post(status=Post.Status.DRAFT)
    save_titles(editor_client, post, post_change_data, "One", "Two")
    html = editor_client.get(admin_url(post, "history")).content.decode()
    assert html.count(">Restore as draft<") == 2
    assert "editor" in html and "Changed Title" in html
    assert 'name="from"' in html and 'name="to"' in html


@pytest.mark.parametrize("saves", [2, 12])
def test_history_queries_do_not_grow_with_revisions(
    editor_client, make_post, post_change_data, django_assert_num_queries, saves
):
    post = make_post(status=Post.Status.DRAFT)
    save_titles(editor_client, post, post_change_data, *[f"Title {n}" for n in range(saves)])
    with django_assert_num_queries(7):
        response = editor_client.get(admin_url(post, "history"))
    assert response.content.decode().count(">Restore as draft<") == saves


def test_contributor_sees_history_of_a_published_post_but_cannot_compare_or_restore(
    contributor_client, make_post
):
    post = make_post()  # published: a contributor may not change it
    html = contributor_client.get(admin_url(post, "history")).content.decode()
    assert "Restore as draft" not in html
    compare = contributor_client.get(admin_url(post, "compare") + "?from=1&to=2")
    assert compare.status_code == 403
    assert contributor_client.post(admin_url(post, "restore", 1)).status_code == 403


def test_user_without_any_post_permission_gets_403(client, make_user, make_post):
    client.force_login(make_user("outsider"))
    post = make_post()
    assert client.get(admin_url(post, "history")).status_code == 403
    assert client.get(admin_url(post, "compare") + "?from=1&to=1").status_code == 403
    assert client.post(admin_url(post, "restore", 1)).status_code == 403
