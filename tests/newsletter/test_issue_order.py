"""Newsletter stories in the editor's order: the issue form's inline, saved and emailed."""

import pytest
from django.urls import reverse

from newsletter.issue_emails import IssueContent
from newsletter.models import Issue, IssueItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(make_post):
    issue = Issue.objects.create(subject="March news", slug="march-news")
    for position, title in enumerate(["Peru joins", "Rangers meet", "Gold report"], start=1):
        IssueItem.objects.create(issue=issue, post=make_post(title=title), position=position)
    return issue


def form_data(issue, positions: dict[str, str]) -> dict:
    """Make the issue form's POST data, each story with the position given for its title."""
    items = list(issue.items.select_related("post"))
    data = {
        "subject": issue.subject,
        "slug": issue.slug,
        "preheader": issue.preheader,
        "intro": issue.intro,
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for n, item in enumerate(items):
        data |= {
            f"items-{n}-id": str(item.pk),
            f"items-{n}-issue": str(issue.pk),
            f"items-{n}-post": str(item.post_id),
            f"items-{n}-position": positions[item.post.title],
        }
    return data


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def titles(issue):
    return [post.title for post in issue.ordered_posts()]


def test_saving_reordered_stories_stores_their_positions(editor_client, issue):
    reordered = {"Gold report": "1", "Peru joins": "2", "Rangers meet": "3"}
    response = editor_client.post(change_url(issue), form_data(issue, reordered))
    assert response.status_code == 302, response.content.decode()
    assert titles(issue) == ["Gold report", "Peru joins", "Rangers meet"]
    assert sorted(issue.items.values_list("position", flat=True)) == [1, 2, 3]


def test_the_issue_email_lists_the_stories_in_the_new_order(editor_client, issue):
    reordered = {"Rangers meet": "1", "Gold report": "2", "Peru joins": "3"}
    editor_client.post(change_url(issue), form_data(issue, reordered))
    _subject, text, html = IssueContent(issue).render("en", name="", unsubscribe_url="#")
    for body in (text, html):
        found = [body.index(title) for title in ("Rangers meet", "Gold report", "Peru joins")]
        assert found == sorted(found), body
    preview = editor_client.get(reverse("admin:newsletter_issue_preview", args=[issue.pk]))
    page = preview.content.decode()
    assert page.index("Rangers meet") < page.index("Gold report") < page.index("Peru joins")


def test_positions_typed_without_javascript_still_work(editor_client, issue):
    """Gaps and any numbers are fine: the order is what counts."""
    typed = {"Peru joins": "30", "Rangers meet": "10", "Gold report": "20"}
    editor_client.post(change_url(issue), form_data(issue, typed))
    assert titles(issue) == ["Rangers meet", "Gold report", "Peru joins"]


@pytest.mark.parametrize("bad", ["-1", "first", "99999999", ""])
def test_a_position_that_is_not_a_small_whole_number_is_refused(editor_client, issue, bad):
    data = form_data(issue, {"Peru joins": bad, "Rangers meet": "2", "Gold report": "3"})
    response = editor_client.post(change_url(issue), data)
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert titles(issue) == ["Peru joins", "Rangers meet", "Gold report"]


def test_contributor_cannot_reorder_an_issue_by_crafted_post(contributor_client, issue):
    reordered = {"Gold report": "1", "Peru joins": "2", "Rangers meet": "3"}
    response = contributor_client.post(change_url(issue), form_data(issue, reordered))
    assert response.status_code == 403
    assert titles(issue) == ["Peru joins", "Rangers meet", "Gold report"]


def test_sent_issue_cannot_be_reordered(editor_client, issue):
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT)
    reordered = {"Gold report": "1", "Peru joins": "2", "Rangers meet": "3"}
    editor_client.post(change_url(issue), form_data(issue, reordered))
    assert titles(issue) == ["Peru joins", "Rangers meet", "Gold report"]


def test_issue_form_loads_the_reordering_script_and_its_messages(editor_client, issue):
    page = editor_client.get(change_url(issue)).content.decode()
    assert 'src="/static/js/sortable-inline.js"' in page
    assert 'class="sortable-inline" hidden' in page
    assert 'data-prefix="items"' in page
    assert 'role="status"' in page
    # Without JavaScript the positions are plain number inputs.
    assert 'name="items-0-position" value="1"' in page
