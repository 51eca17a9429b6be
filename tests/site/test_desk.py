"""The editors' desk on the admin's start page, and the query counts of the admin's lists."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from news.models import Category, Post
from newsletter.models import Issue, SubscriberEmail

pytestmark = pytest.mark.django_db

DESK_URL = "/admin/"


def section(html, key):
    """The HTML of one desk section, or None when the desk leaves it out."""
    found = re.search(rf'<section class="desk-section desk-section--{key}.*?</section>', html, re.S)
    return found.group(0) if found else None


def titles(fragment):
    found = re.findall(r'<a href="/admin/news/post/\d+/change/">([^<]+)</a>', fragment)
    return [html.unescape(title) for title in found]


@pytest.fixture
def newsroom(make_post, editor, contributor, make_user):
    """One post in every state, by the editor, the contributor and someone else."""
    now = timezone.now()
    other = make_user("someone-else", group="Contributors", first_name="Ana")
    return {
        "editor_draft": make_post(
            title="Editor's draft", status=Post.Status.DRAFT, published_at=None, author=editor
        ),
        "contributor_draft": make_post(
            title="Contributor's draft",
            status=Post.Status.DRAFT,
            published_at=None,
            author=contributor,
        ),
        "submitted": make_post(
            title="Contributor's submission",
            status=Post.Status.REVIEW,
            published_at=None,
            author=contributor,
            submitted_by=contributor,
            submitted_at=now - timedelta(hours=3),
        ),
        "others_submission": make_post(
            title="Ana's submission",
            status=Post.Status.REVIEW,
            published_at=None,
            author=other,
            submitted_by=other,
            submitted_at=now - timedelta(hours=5),
        ),
        "scheduled": make_post(title="Tomorrow's post", published_at=now + timedelta(days=1)),
        "live": make_post(title="Live post", published_at=now - timedelta(hours=1)),
        "overdue": make_post(
            title="Forgotten post", status=Post.Status.DRAFT, published_at=now - timedelta(hours=2)
        ),
    }


def test_editor_desk_shows_each_section(editor_client, newsroom):
    html = editor_client.get(DESK_URL).content.decode()
    assert titles(section(html, "my-drafts")) == ["Editor's draft"]
    review = section(html, "review")
    assert titles(review) == ["Ana's submission", "Contributor's submission"]  # longest first
    assert "submitted by Ana on" in review
    assert titles(section(html, "scheduled")) == ["Tomorrow's post"]
    assert titles(section(html, "published"))[0] == "Live post"
    overdue = section(html, "overdue")
    assert "desk-section--warning" in overdue
    assert titles(overdue) == ["Forgotten post"]
    assert "still Draft" in overdue
    assert 'id="content-main"' in html  # the app list stays below


def test_overdue_box_is_left_out_when_nothing_is_overdue(editor_client, make_post):
    make_post(status=Post.Status.DRAFT, published_at=None)
    html = editor_client.get(DESK_URL).content.decode()
    assert section(html, "overdue") is None
    assert section(html, "review") is not None


def test_unpublished_scheduled_post_becomes_overdue_when_its_time_passes(editor_client, make_post):
    post = make_post(title="Planned", published_at=timezone.now() + timedelta(hours=1))
    editor_client.post(
        "/admin/news/post/", {"action": "unpublish_selected", "_selected_action": [post.pk]}
    )
    assert section(editor_client.get(DESK_URL).content.decode(), "overdue") is None
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        overdue = section(editor_client.get(DESK_URL).content.decode(), "overdue")
    assert titles(overdue) == ["Planned"]


def test_contributor_desk_shows_own_drafts_and_submissions_only(contributor_client, newsroom):
    html = contributor_client.get(DESK_URL).content.decode()
    assert titles(section(html, "my-drafts")) == ["Contributor's draft"]
    assert titles(section(html, "my-submitted")) == ["Contributor's submission"]
    for hidden in ["review", "scheduled", "published", "overdue", "newsletter", "emails"]:
        assert section(html, hidden) is None, hidden
    assert "Ana's submission" not in html and "Forgotten post" not in html


def test_staff_without_permissions_sees_no_sections(client, make_user, newsroom):
    client.force_login(make_user("intern"))
    html = client.get(DESK_URL).content.decode()
    assert "desk-section" not in html
    assert "Editor's draft" not in html


def test_scheduled_times_are_in_the_editors_time_zone(editor_client, make_post, settings):
    settings.TIME_ZONE = "Asia/Jakarta"  # UTC+7
    make_post(title="Jakarta morning", published_at=datetime(2030, 1, 5, 2, 0, tzinfo=UTC))
    html = editor_client.get(DESK_URL).content.decode()
    assert "Times are in your time zone, Asia/Jakarta." in html
    assert "goes live 5 Jan 2030, 09:00 (Asia/Jakarta)" in section(html, "scheduled")


def test_lists_are_short_with_a_count_and_a_link_to_all(editor_client, make_post):
    for n in range(9):
        make_post(title=f"Queued {n}", status=Post.Status.REVIEW, published_at=None)
    review = section(editor_client.get(DESK_URL).content.decode(), "review")
    assert len(titles(review)) == 6
    assert '<span class="desk-count">(9)</span>' in review
    link = re.search(r'<a href="([^"]+)">See all', review).group(1).replace("&amp;", "&")
    listed = editor_client.get(link).context["cl"].result_list
    assert len(listed) == 9


@pytest.mark.parametrize(
    "key,expected",
    [("my-drafts", {"Editor's draft"}), ("scheduled", {"Tomorrow's post"})],
)
def test_see_all_links_lead_to_matching_filtered_lists(editor_client, newsroom, key, expected):
    fragment = section(editor_client.get(DESK_URL).content.decode(), key)
    link = re.search(r'<a href="([^"]+)">See all', fragment).group(1).replace("&amp;", "&")
    listed = {post.title for post in editor_client.get(link).context["cl"].result_list}
    assert listed == expected


def test_contributor_see_all_submitted_link_lists_own_submissions(contributor_client, newsroom):
    fragment = section(contributor_client.get(DESK_URL).content.decode(), "my-submitted")
    link = re.search(r'<a href="([^"]+)">See all', fragment).group(1).replace("&amp;", "&")
    listed = contributor_client.get(link).context["cl"].result_list
    assert [post.title for post in listed] == ["Contributor's submission"]


def test_last_issue_shows_its_counts_and_links(editor_client):
    Issue.objects.create(subject="Older", slug="older", status=Issue.Status.SENT,
                         started_at=timezone.now() - timedelta(days=30))  # fmt: skip
    issue = Issue.objects.create(
        subject="December news",
        slug="december-news",
        status=Issue.Status.SENT,
        started_at=timezone.now() - timedelta(days=1),
        recipient_count=970,
        sent_count=950,
        failed_count=8,
        skipped_count=12,
    )
    Issue.objects.create(subject="Next one", slug="next-one")  # a draft: not "last sent"
    newsletter = section(editor_client.get(DESK_URL).content.decode(), "newsletter")
    assert "December news" in newsletter and "Older" not in newsletter
    for label, figure in [("Sent", 950), ("Failed", 8), ("Skipped", 12), ("Recipients", 970)]:
        assert f"<dt>{label}</dt><dd>{figure}</dd>" in newsletter
    assert f"/admin/newsletter/issue/{issue.pk}/change/" in newsletter


def test_no_issue_yet_says_so(editor_client):
    newsletter = section(editor_client.get(DESK_URL).content.decode(), "newsletter")
    assert "No issue has gone out yet." in newsletter


def test_failing_signup_emails_are_counted_and_linked(editor_client, make_subscriber):
    for n, (status, attempts) in enumerate(
        [("failed", 5), ("failed", 5), ("queued", 2), ("queued", 0), ("sent", 1)]
    ):
        SubscriberEmail.objects.create(
            subscriber=make_subscriber(email=f"reader{n}@example.org"),
            kind=SubscriberEmail.Kind.CONFIRM,
            status=status,
            attempts=attempts,
            last_error="550 mailbox unavailable" if attempts else "",
        )
    emails = section(editor_client.get(DESK_URL).content.decode(), "emails")
    assert "desk-section--warning" in emails
    assert "2 failed for good, 1 failing and being retried." in emails
    assert "550 mailbox unavailable" in emails
    assert "reader3@example.org" not in emails and "reader4@example.org" not in emails
    link = re.search(r'<a href="([^"]+)">See the failed ones', emails).group(1)
    listed = editor_client.get(link).context["cl"].result_list
    assert {e.subscriber.email for e in listed} == {"reader0@example.org", "reader1@example.org"}


def test_no_failing_emails_says_all_went_out(editor_client):
    emails = section(editor_client.get(DESK_URL).content.decode(), "emails")
    assert "Every confirmation and welcome email went out." in emails


def test_contributor_cannot_open_the_subscriber_email_list(contributor_client):
    response = contributor_client.get("/admin/newsletter/subscriberemail/")
    assert response.status_code == 403


def test_desk_loads_its_stylesheet_and_no_inline_script(editor_client):
    html = editor_client.get(DESK_URL).content.decode()
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/desk[^"]*\.css">', html)
    desk = html[html.index('<div class="desk"') : html.index('<div id="content-main"')]
    assert "<script" not in desk and "onclick" not in desk and "style=" not in desk


# --- Query counts at two sizes ------------------------------------------------------------


def build_posts(n, *, editor, contributor):
    """`n` posts over every state, written the fast way."""
    now = timezone.now()
    categories = [Category.objects.create(name=f"Cat {i}", slug=f"cat-{i}") for i in range(3)]
    states = [
        {"status": Post.Status.PUBLISHED, "published_at": now - timedelta(hours=1)},
        {"status": Post.Status.DRAFT, "author": editor},
        {"status": Post.Status.REVIEW, "submitted_by": contributor, "submitted_at": now},
        {"status": Post.Status.PUBLISHED, "published_at": now + timedelta(days=1)},
        {"status": Post.Status.DRAFT, "published_at": now - timedelta(days=1)},
    ]
    Post.objects.bulk_create(
        Post(
            title=f"Bulk post {i}",
            slug=f"bulk-post-{i}",
            standfirst="Summary.",
            category=categories[i % 3],
            **states[i % len(states)],
        )
        for i in range(n)
    )


DESK_QUERIES = {"editor": 15, "contributor": 9}
POST_LIST_QUERIES = 10


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_desk_queries_do_not_grow_with_posts(
    client, editor, contributor, django_assert_num_queries, size, role
):
    build_posts(size, editor=editor, contributor=contributor)
    client.force_login(editor if role == "editor" else contributor)
    with django_assert_num_queries(DESK_QUERIES[role]):
        response = client.get(DESK_URL)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [10, 1000])
def test_post_change_list_queries_do_not_grow_with_posts(
    editor_client, editor, contributor, django_assert_num_queries, size
):
    build_posts(size, editor=editor, contributor=contributor)
    with django_assert_num_queries(POST_LIST_QUERIES):
        response = editor_client.get("/admin/news/post/")
    assert len(response.context["cl"].result_list) == min(size, 100)


@pytest.mark.parametrize("size", [3, 60])
def test_category_list_counts_posts_in_one_query(
    editor_client, editor, contributor, django_assert_num_queries, size
):
    for i in range(size):
        category = Category.objects.create(name=f"Topic {i}", slug=f"topic-{i}")
        Post.objects.bulk_create(
            Post(title=f"T{i}-{k}", slug=f"t{i}-{k}", standfirst=".", category=category)
            for k in range(i % 4)
        )
    with django_assert_num_queries(8):
        html = editor_client.get("/admin/news/category/").content.decode()
    assert '<td class="field-post_count">2</td>' in html
