from datetime import timedelta

import pytest
from django.utils import timezone

from news.models import Post
from newsletter.issue_sending import send_issue
from newsletter.models import Issue, IssueItem, Subscriber

pytestmark = pytest.mark.django_db

ARCHIVE = "/newsletter/archive/"


def test_archive_lists_only_sent_issues(client, make_issue):
    make_issue(subject="Sent in spring", status=Issue.Status.SENT)
    make_issue(subject="Still a draft")
    make_issue(
        subject="Goes out tomorrow",
        status=Issue.Status.SCHEDULED,
        scheduled_for=timezone.now() + timedelta(days=1),
    )
    make_issue(subject="Going out now", status=Issue.Status.SENDING)
    make_issue(subject="Never went out", status=Issue.Status.FAILED)

    response = client.get(ARCHIVE)

    assert response.status_code == 200
    assert "Sent in spring" in response.text
    for subject in ["Still a draft", "Goes out tomorrow", "Going out now", "Never went out"]:
        assert subject not in response.text


def test_archive_lists_newest_issue_first(client, make_issue):
    now = timezone.now()
    make_issue(subject="January issue", status=Issue.Status.SENT, started_at=now - timedelta(60))
    make_issue(subject="March issue", status=Issue.Status.SENT, started_at=now - timedelta(2))

    text = client.get(ARCHIVE).text

    assert text.index("March issue") < text.index("January issue")


def test_archive_issue_page_shows_its_published_posts(client, make_issue, make_post):
    issue = make_issue(
        subject="Wildlife trafficking special",
        preheader="Three arrests in a week",
        status=Issue.Status.SENT,
        posts=0,
    )
    shown = make_post(title="Pangolin scales seized")
    withdrawn = make_post(title="Withdrawn story")
    IssueItem.objects.create(issue=issue, post=shown, position=1)
    IssueItem.objects.create(issue=issue, post=withdrawn, position=2)
    Post.objects.filter(pk=withdrawn.pk).update(status=Post.Status.DRAFT)

    response = client.get(f"{ARCHIVE}{issue.slug}/")

    assert response.status_code == 200
    assert "Wildlife trafficking special" in response.text
    assert "Three arrests in a week" in response.text
    assert "Pangolin scales seized" in response.text
    assert shown.get_absolute_url() in response.text
    assert "Withdrawn story" not in response.text


def test_archive_issue_page_reveals_nothing_about_subscribers(
    client, make_issue, make_subscriber, mailoutbox
):
    subscriber = make_subscriber(
        email="private.reader@example.org", name="Private Reader", status="confirmed"
    )
    issue = make_issue(status=Issue.Status.SENDING, started_at=timezone.now())
    send_issue(issue.pk)
    [message] = mailoutbox

    response = client.get(f"{ARCHIVE}{issue.slug}/")

    assert response.status_code == 200
    assert "private.reader" not in response.text
    assert "Private Reader" not in response.text
    assert subscriber.unsubscribe_token() not in response.text
    assert "/newsletter/unsubscribe/" not in response.text
    assert "/newsletter/unsubscribe/" in message.body
    assert not response.cookies


@pytest.mark.parametrize(
    "status", [Issue.Status.DRAFT, Issue.Status.SCHEDULED, Issue.Status.SENDING]
)
def test_archive_page_of_an_issue_not_yet_sent_is_not_found(client, make_issue, status):
    issue = make_issue(status=status)

    assert client.get(f"{ARCHIVE}{issue.slug}/").status_code == 404


def test_archive_page_of_an_unknown_issue_is_not_found(client):
    assert client.get(f"{ARCHIVE}no-such-issue/").status_code == 404


def test_issue_appears_in_cached_archive_as_soon_as_it_is_sent(
    client, make_issue, make_subscriber, page_cache, mailoutbox
):
    make_subscriber(status=Subscriber.Status.CONFIRMED)
    issue = make_issue(subject="Fresh off the press", status=Issue.Status.SENDING)
    page = f"{ARCHIVE}{issue.slug}/"
    assert client.get(page).status_code == 404
    assert "Fresh off the press" not in client.get(ARCHIVE).text
    assert client.get(ARCHIVE).get("X-Page-Cache") == "hit"

    send_issue(issue.pk)

    assert "Fresh off the press" in client.get(ARCHIVE).text
    assert client.get(page).status_code == 200
    assert len(mailoutbox) == 1
