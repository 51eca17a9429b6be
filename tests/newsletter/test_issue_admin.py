import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from news.models import Post
from newsletter.models import Delivery, Issue, Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(make_subscriber):
    """Three confirmed subscribers, and one pending and one unsubscribed who get nothing."""
    make_subscriber(status=Subscriber.Status.PENDING)
    make_subscriber(status=Subscriber.Status.UNSUBSCRIBED)
    return [make_subscriber(status=Subscriber.Status.CONFIRMED) for _ in range(3)]


@pytest.fixture
def sender_client(client, make_user):
    """An editor with an email address, logged in."""
    client.force_login(make_user("sender", group="Editors", email="sender@example.org"))
    return client


@pytest.fixture
def changer_client(client, make_user):
    """A staff user who may add and change issues but not send them."""
    user = make_user("changer", email="changer@example.org")
    codenames = ["add_issue", "change_issue", "view_issue"]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="newsletter", codename__in=codenames)
    )
    client.force_login(user)
    return client


def url(name, issue):
    return reverse(f"admin:newsletter_issue_{name}", args=[issue.pk])


def local_input(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def change_form_data(issue, **overrides) -> dict:
    return {
        "subject": issue.subject,
        "slug": issue.slug,
        "preheader": issue.preheader,
        "intro": issue.intro,
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    } | overrides


# --- Sending and scheduling ---------------------------------------------------------------


def test_send_page_states_the_number_of_confirmed_recipients(sender_client, make_issue, readers):
    issue = make_issue()

    response = sender_client.get(url("send", issue))

    assert response.status_code == 200
    assert "This issue will go to 3 confirmed subscribers." in response.text
    assert "Send now to 3 subscribers" in response.text


def test_editor_sends_issue_now_from_the_send_page(
    sender_client, make_issue, readers, mailoutbox, django_capture_on_commit_callbacks
):
    issue = make_issue()

    with django_capture_on_commit_callbacks(execute=True):
        response = sender_client.post(url("send", issue), {"action": "now"})

    assert response.status_code == 302
    assert response["Location"] == url("progress", issue)
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count) == (Issue.Status.SENT, 3)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.email for r in readers)


def test_editor_schedules_issue_for_a_future_time(
    sender_client, make_issue, readers, mailoutbox, django_capture_on_commit_callbacks
):
    issue = make_issue()
    when = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)

    with django_capture_on_commit_callbacks(execute=True):
        response = sender_client.post(
            url("send", issue), {"action": "schedule", "scheduled_for": local_input(when)}
        )

    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for) == (Issue.Status.SCHEDULED, when)
    assert mailoutbox == []
    assert not Delivery.objects.filter(issue=issue).exists()


def test_scheduling_for_a_past_time_is_refused_with_an_error(sender_client, make_issue, readers):
    issue = make_issue()
    past = timezone.now() - timedelta(hours=1)

    response = sender_client.post(
        url("send", issue), {"action": "schedule", "scheduled_for": local_input(past)}
    )

    assert response.status_code == 200
    assert "Choose a time in the future." in response.text
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_editor_cancels_a_schedule_and_the_issue_is_a_draft_again(sender_client, make_issue):
    issue = make_issue(status=Issue.Status.SCHEDULED, scheduled_for=timezone.now() + timedelta(1))

    response = sender_client.post(url("send", issue), {"action": "cancel"})

    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for) == (Issue.Status.DRAFT, None)


def test_send_page_of_a_sent_issue_does_not_send_it_again(
    sender_client, make_issue, readers, mailoutbox, django_capture_on_commit_callbacks
):
    issue = make_issue(status=Issue.Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = sender_client.post(url("send", issue), {"action": "now"})

    assert response.status_code == 200
    assert "This issue is Sent." in response.text
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_contributor_cannot_send_an_issue(
    contributor_client, make_issue, readers, mailoutbox, django_capture_on_commit_callbacks, method
):
    issue = make_issue()

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(contributor_client, method)(url("send", issue), {"action": "now"})

    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert mailoutbox == []


@pytest.mark.parametrize(
    "data",
    [{"action": "now"}, {"action": "schedule", "scheduled_for": "2100-01-01T09:00"}],
    ids=["now", "schedule"],
)
def test_user_who_may_change_issues_but_not_send_them_is_refused(
    changer_client, make_issue, readers, mailoutbox, django_capture_on_commit_callbacks, data
):
    issue = make_issue()

    assert changer_client.get(url("send", issue)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = changer_client.post(url("send", issue), data)

    assert response.status_code == 403
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for) == (Issue.Status.DRAFT, None)
    assert mailoutbox == []


def test_user_without_send_permission_cannot_cancel_a_schedule(changer_client, make_issue):
    when = timezone.now() + timedelta(days=1)
    issue = make_issue(status=Issue.Status.SCHEDULED, scheduled_for=when)

    response = changer_client.post(url("send", issue), {"action": "cancel"})

    assert response.status_code == 403
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for) == (Issue.Status.SCHEDULED, when)


# --- Preview, test send, fill, progress ---------------------------------------------------


def test_preview_shows_the_issue_html_with_its_posts(sender_client, make_issue):
    issue = make_issue(subject="Timber seized in three ports", posts=3)

    response = sender_client.get(url("preview", issue))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Timber seized in three ports" in response.text
    for post in issue.ordered_posts():
        assert post.title in response.text


def test_contributor_cannot_preview_an_issue(contributor_client, make_issue):
    issue = make_issue()

    assert contributor_client.get(url("preview", issue)).status_code == 403


def test_send_test_emails_the_editor_only_and_records_no_delivery(
    sender_client, make_issue, readers, mailoutbox
):
    issue = make_issue(subject="Peru joins the alliance")

    response = sender_client.post(url("send_test", issue))

    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == ["sender@example.org"]
    assert message.subject == "[TEST] Peru joins the alliance"
    assert not Delivery.objects.exists()
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count) == (Issue.Status.DRAFT, 0)


def test_send_test_without_an_email_address_sends_nothing(editor_client, make_issue, mailoutbox):
    issue = make_issue()

    response = editor_client.post(url("send_test", issue), follow=True)

    assert "Add an email address to your account first." in response.text
    assert mailoutbox == []


def test_send_test_needs_a_post_request(sender_client, make_issue, mailoutbox):
    issue = make_issue()

    assert sender_client.get(url("send_test", issue)).status_code == 405
    assert mailoutbox == []


def test_fill_adds_only_posts_published_since_the_last_sent_issue(
    sender_client, make_issue, make_post
):
    now = timezone.now()
    make_issue(status=Issue.Status.SENT, started_at=now - timedelta(days=3), posts=0)
    make_post(title="Old news", published_at=now - timedelta(days=5))
    new = [make_post(published_at=now - timedelta(days=d)) for d in (2, 1)]
    make_post(title="A draft", status=Post.Status.DRAFT, published_at=None)
    make_post(title="In review", status=Post.Status.REVIEW, published_at=now - timedelta(days=1))
    make_post(title="Scheduled", published_at=now + timedelta(days=1))
    issue = make_issue(posts=0)

    response = sender_client.post(url("fill", issue))
    sender_client.post(url("fill", issue))

    assert response.status_code == 302
    assert list(issue.ordered_posts()) == [new[1], new[0]]
    assert issue.items.count() == 2


def test_fill_cannot_change_a_sent_issue(sender_client, make_issue, make_post):
    issue = make_issue(status=Issue.Status.SENT, posts=0)
    make_post()

    response = sender_client.post(url("fill", issue))

    assert response.status_code == 403
    assert not issue.items.exists()


def test_progress_page_shows_delivery_counts_by_status(sender_client, make_issue, make_subscriber):
    issue = make_issue(status=Issue.Status.SENDING, recipient_count=10)
    statuses = ["queued"] * 2 + ["sent"] * 3 + ["failed"] + ["skipped"] * 4
    Delivery.objects.bulk_create(
        Delivery(issue=issue, subscriber=make_subscriber(), status=status) for status in statuses
    )

    response = sender_client.get(url("progress", issue))

    assert response.status_code == 200
    cells = re.findall(r"<td>(\d+)</td>", response.text)
    assert cells == ["10", "2", "3", "1", "4"]
    assert "Sending" in response.text


# --- Editing ------------------------------------------------------------------------------


def test_editor_can_change_a_draft_issue(sender_client, make_issue):
    issue = make_issue(posts=0)

    response = sender_client.post(
        url("change", issue), change_form_data(issue, subject="A better subject")
    )

    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.subject == "A better subject"


@pytest.mark.parametrize("status", [Issue.Status.SENDING, Issue.Status.SENT])
def test_issue_that_went_out_cannot_be_changed(sender_client, make_issue, status):
    issue = make_issue(posts=0, status=status, subject="As it went out")

    response = sender_client.post(url("change", issue), change_form_data(issue, subject="Edited"))

    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.subject == "As it went out"


def test_sent_issue_page_links_to_progress_and_not_to_sending(sender_client, make_issue):
    issue = make_issue(status=Issue.Status.SENT)

    response = sender_client.get(url("change", issue))

    assert response.status_code == 200
    assert url("progress", issue) in response.text
    assert url("send", issue) not in response.text
