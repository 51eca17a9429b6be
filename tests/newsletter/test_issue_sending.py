import io
import re
import smtplib
import threading
from collections import Counter, defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from newsletter.issue_sending import (
    CLAIM_LEASE,
    begin,
    cancel_schedule,
    claim_batch,
    record,
    send_issue,
)
from newsletter.models import Delivery, Issue, IssueItem, Subscriber
from newsletter.sending import retry_delay
from newsletter.tasks import send_issue_now, send_issue_task, start_sending

pytestmark = pytest.mark.django_db

FAKE_BACKEND = f"{__name__}.FakeServerBackend"
UNSUBSCRIBE_URL = re.compile(r"https?://[^\s\"'<>]+/newsletter/unsubscribe/[^/\s\"'<>]+/")


class FakeMailServer:
    """What a mail server does with each message: accept it, or fail the way real ones do."""

    def __init__(self):
        self.down_after = None  # accept this many messages, then drop every connection
        self.failures = {}  # address -> errors to raise, one per attempt, then accept
        self.refused = {}  # address -> error raised on every attempt
        self.accepted = 0
        self.on_accept = None

    def receive(self, message):
        [address] = message.to
        if self.down_after is not None and self.accepted >= self.down_after:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if address in self.refused:
            raise self.refused[address]
        if self.failures.get(address):
            raise self.failures[address].pop(0)
        self.accepted += 1
        if self.on_accept:
            self.on_accept(message)


class FakeServerBackend(LocmemBackend):
    """The test email backend, with a fake server in front of mail.outbox."""

    server = FakeMailServer()

    def send_messages(self, messages):
        for message in messages:
            self.server.receive(message)
        return super().send_messages(messages)


@pytest.fixture
def mail_server(settings, monkeypatch):
    server = FakeMailServer()
    monkeypatch.setattr(FakeServerBackend, "server", server)
    settings.EMAIL_BACKEND = FAKE_BACKEND
    return server


def add_subscribers(number, *, status=Subscriber.Status.CONFIRMED, prefix="reader", name=None):
    """Bulk-create subscribers; every third one has no name unless `name` is given."""
    now = timezone.now()
    subscribers = [
        Subscriber(
            email=f"{prefix}{i}@example.org",
            name=(f"Reader {i}" if i % 3 else "") if name is None else name,
            status=status,
            consent_at=now,
            confirmed_at=now if status != Subscriber.Status.PENDING else None,
            unsubscribed_at=now if status == Subscriber.Status.UNSUBSCRIBED else None,
        )
        for i in range(number)
    ]
    Subscriber.objects.bulk_create(subscribers)
    return list(Subscriber.objects.filter(email__startswith=prefix).order_by("pk"))


def mark_sending(issue):
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENDING, started_at=timezone.now())


def recipients(outbox) -> Counter:
    return Counter(address for message in outbox for address in message.to)


def subscriber_of(unsubscribe_url: str) -> Subscriber | None:
    token = urlsplit(unsubscribe_url).path.rstrip("/").rsplit("/", 1)[-1]
    return Subscriber.from_unsubscribe_token(token)


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


class Page(HTMLParser):
    """The start tags of an HTML document and their attributes, by tag name."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = defaultdict(list)

    def handle_starttag(self, tag, attrs):
        self.tags[tag].append(dict(attrs))

    @classmethod
    def parse(cls, html):
        page = cls()
        page.feed(html)
        page.close()
        return page


@pytest.fixture
def sent_to_500(make_issue, mailoutbox, django_capture_on_commit_callbacks):
    """Send an issue to 500 confirmed subscribers among pending and unsubscribed ones."""
    confirmed = add_subscribers(500, prefix="confirmed")
    add_subscribers(30, status=Subscriber.Status.PENDING, prefix="pending")
    add_subscribers(30, status=Subscriber.Status.UNSUBSCRIBED, prefix="gone")
    issue = make_issue(subject="Rangers and police join forces")
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue)
    issue.refresh_from_db()
    return issue, confirmed, list(mailoutbox)


def test_issue_reaches_each_confirmed_subscriber_exactly_once(sent_to_500):
    issue, confirmed, outbox = sent_to_500

    assert recipients(outbox) == Counter(subscriber.email for subscriber in confirmed)
    assert all(len(message.to) == 1 for message in outbox)
    assert set(Delivery.objects.filter(issue=issue).values_list("status", flat=True)) == {"sent"}


def test_issue_records_counts_and_finish_time_when_sent(sent_to_500):
    issue, _confirmed, _outbox = sent_to_500

    assert issue.status == Issue.Status.SENT
    assert (issue.recipient_count, issue.sent_count) == (500, 500)
    assert (issue.failed_count, issue.skipped_count) == (0, 0)
    assert issue.started_at <= issue.finished_at <= timezone.now()


def test_issue_messages_carry_list_headers_and_unique_message_ids(sent_to_500):
    _issue, _confirmed, outbox = sent_to_500
    message_ids = set()

    for message in outbox:
        headers = message.message()
        url, mailto = re.findall(r"<([^>]+)>", headers["List-Unsubscribe"])
        assert UNSUBSCRIBE_URL.fullmatch(url)
        assert subscriber_of(url).email == message.to[0]
        assert mailto.startswith("mailto:") and "subject=unsubscribe" in mailto
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r".+ <newsletter\.[^<>@\s]+>", headers["List-Id"])
        message_ids.add(headers["Message-ID"])

    assert len(message_ids) == len(outbox)


def test_issue_text_part_greets_each_subscriber_by_name(sent_to_500):
    _issue, confirmed, outbox = sent_to_500
    names = {subscriber.email: subscriber.name for subscriber in confirmed}

    for message in outbox:
        name = names[message.to[0]]
        assert (f"Hello {name}," if name else "Hello,") in message.body
        assert "Hello ," not in message.body
        assert "\x00" not in message.body
        [url] = UNSUBSCRIBE_URL.findall(message.body)
        assert subscriber_of(url).email == message.to[0]
    assert any(not name for name in names.values())


def test_issue_html_part_greets_subscriber_and_links_their_unsubscribe_page(sent_to_500):
    _issue, confirmed, outbox = sent_to_500
    names = {subscriber.email: subscriber.name for subscriber in confirmed}

    for message in outbox[:20]:
        html = html_part(message)
        name = names[message.to[0]]
        assert (f"Hello {name}," if name else "Hello,") in html
        assert "NAME" not in html
        links = [a["href"] for a in Page.parse(html).tags["a"]]
        [href] = [link for link in links if "unsubscribe" in link.lower()]
        assert getattr(subscriber_of(href), "email", None) == message.to[0]


def test_unsubscribe_link_from_an_issue_unsubscribes_with_one_click(sent_to_500, client):
    _issue, _confirmed, outbox = sent_to_500
    message = outbox[7]
    url = re.findall(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"])[0]

    response = client.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    subscriber = Subscriber.objects.get(email=message.to[0])
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert Subscriber.objects.confirmed().count() == 499


def test_issue_text_part_shows_subject_and_intro_unescaped(make_issue, mailoutbox):
    add_subscribers(1)
    issue = make_issue(subject="Rangers & police: what's next", intro="<p>Fish &amp; chips</p>")
    mark_sending(issue)

    send_issue(issue.pk)

    [message] = mailoutbox
    assert message.subject == "Rangers & police: what's next"
    assert message.body.startswith("Rangers & police: what's next\n")
    assert "Fish & chips" in message.body


def test_issue_email_is_a_table_layout_with_inlined_css(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(1, name="Ana")
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue)

    html = html_part(mailoutbox[0])
    page = Page.parse(html)
    assert "<style" not in html
    assert len(page.tags["table"]) >= 2
    assert all(attrs.get("role") == "presentation" for attrs in page.tags["table"])
    assert any("background" in attrs.get("style", "") for attrs in page.tags["td"])
    assert all(attrs.get("style") for attrs in page.tags["h1"] + page.tags["h2"])


def inline_style(attrs) -> dict[str, str]:
    pairs = (rule.split(":", 1) for rule in attrs.get("style", "").split(";") if ":" in rule)
    return {name.strip(): value.strip() for name, value in pairs}


def test_issue_email_button_text_stands_out_from_its_background(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(1)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue)

    page = Page.parse(html_part(mailoutbox[0]))
    [button] = [a for a in page.tags["a"] if a.get("class") == "button"]
    style = inline_style(button)
    assert style["color"] != style["background"]


def test_issue_email_images_are_absolute_and_described(
    make_issue, make_post, make_image, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(1)
    issue = make_issue(posts=0)
    post = make_post(image=make_image(alt_text="Rangers inspect seized timber"))
    IssueItem.objects.create(issue=issue, post=post)
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue)

    [image] = Page.parse(html_part(mailoutbox[0])).tags["img"]
    assert image["src"].startswith("http://127.0.0.1:8000/media/")
    assert image["alt"] == "Rangers inspect seized timber"


def test_issue_email_story_and_site_links_are_absolute(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(1)
    issue = make_issue(posts=3)
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue)

    page = Page.parse(html_part(mailoutbox[0]))
    # The unsubscribe link is checked by the HTML personalisation test.
    links = [a["href"] for a in page.tags["a"] if "unsubscribe" not in a["href"].lower()]
    assert len(links) >= 4
    assert all(urlsplit(href).scheme in {"http", "https"} for href in links)
    for post in issue.ordered_posts():
        assert f"http://127.0.0.1:8000{post.get_absolute_url()}" in links


def test_pending_and_unsubscribed_subscribers_get_no_delivery(make_issue, mailoutbox):
    add_subscribers(3, prefix="yes")
    add_subscribers(2, status=Subscriber.Status.PENDING, prefix="maybe")
    add_subscribers(2, status=Subscriber.Status.UNSUBSCRIBED, prefix="no")
    issue = make_issue()
    mark_sending(issue)

    send_issue(issue.pk)

    assert Delivery.objects.filter(issue=issue).count() == 3
    assert sorted(recipients(mailoutbox)) == [
        "yes0@example.org",
        "yes1@example.org",
        "yes2@example.org",
    ]


def test_subscriber_unsubscribed_before_their_batch_is_skipped(make_issue, mailoutbox):
    readers = add_subscribers(5)
    issue = make_issue()
    mark_sending(issue)
    begin(issue.pk)
    readers[2].unsubscribe()

    send_issue(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber=readers[2])
    assert delivery.status == Delivery.Status.SKIPPED
    assert readers[2].email not in recipients(mailoutbox)
    assert len(mailoutbox) == 4
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.skipped_count) == ("sent", 4, 1)
    assert issue.recipient_count == 5


def test_subscriber_unsubscribing_while_an_issue_is_sending_is_skipped(
    make_issue, mail_server, mailoutbox, settings
):
    settings.NEWSLETTER_BATCH_SIZE = 3
    readers = add_subscribers(9)
    last = readers[-1]
    mail_server.on_accept = lambda message: Subscriber.objects.get(pk=last.pk).unsubscribe()
    issue = make_issue()
    mark_sending(issue)

    send_issue(issue.pk)

    assert last.email not in recipients(mailoutbox)
    assert recipients(mailoutbox) == Counter(reader.email for reader in readers[:-1])
    assert Delivery.objects.get(issue=issue, subscriber=last).status == Delivery.Status.SKIPPED


def test_send_interrupted_by_the_mail_server_resumes_without_duplicates(
    make_issue, mail_server, mailoutbox, settings
):
    settings.NEWSLETTER_BATCH_SIZE = 10
    readers = add_subscribers(50)
    mail_server.down_after = 23
    issue = make_issue()
    mark_sending(issue)

    send_issue(issue.pk)

    issue.refresh_from_db()
    assert len(mailoutbox) == 23
    assert issue.status == Issue.Status.SENDING
    mail_server.down_after = None
    send_issue(issue.pk)
    assert len(mailoutbox) == 23  # the retries wait for their backoff
    with time_machine.travel(timezone.now() + retry_delay(1) + timedelta(seconds=5)):
        send_issue(issue.pk)

    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count) == (Issue.Status.SENT, 50)


def test_batch_claimed_by_a_crashed_worker_is_sent_once_after_its_lease(
    make_issue, mailoutbox, settings
):
    settings.NEWSLETTER_BATCH_SIZE = 10
    readers = add_subscribers(30)
    issue = make_issue()
    mark_sending(issue)
    issue = begin(issue.pk)
    abandoned = claim_batch(issue, "crashed-worker")

    send_issue(issue.pk, worker_id="healthy-worker")

    abandoned_emails = {delivery.subscriber.email for delivery in abandoned}
    assert len(mailoutbox) == 20
    assert not abandoned_emails & set(recipients(mailoutbox))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    with time_machine.travel(timezone.now() + CLAIM_LEASE + timedelta(seconds=5)):
        send_issue(issue.pk, worker_id="healthy-worker")
        # The crashed worker wakes up: its claim is gone, so its records change nothing.
        for delivery in abandoned:
            record(delivery, "crashed-worker", status=Delivery.Status.FAILED)

    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)
    assert set(Delivery.objects.filter(issue=issue).values_list("status", flat=True)) == {"sent"}
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_issue_task_run_twice_sends_nothing_twice(make_issue, mailoutbox):
    readers = add_subscribers(12)
    issue = make_issue()
    mark_sending(issue)

    send_issue_task.enqueue(issue.pk)
    send_issue_task.enqueue(issue.pk)
    send_issue(issue.pk)

    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)
    assert Delivery.objects.filter(issue=issue).count() == 12


def test_starting_an_issue_that_is_already_sent_is_refused(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(2)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue)

    with pytest.raises(ValueError, match="already sent"):
        start_sending(issue)
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPResponseException(451, b"4.7.1 Greylisted, try again later"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPRecipientsRefused({"reader1@example.org": (450, b"4.2.1 Mailbox busy")}),
        smtplib.SMTPResponseException(421, b"4.3.2 Service shutting down"),
    ],
    ids=["451", "disconnected", "rcpt-450", "421"],
)
def test_transient_failure_is_retried_after_backoff_then_sent(
    make_issue, mail_server, mailoutbox, error
):
    readers = add_subscribers(4)
    mail_server.failures["reader1@example.org"] = [error]
    issue = make_issue()
    mark_sending(issue)

    send_issue(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber__email="reader1@example.org")
    assert (delivery.status, delivery.attempts) == (Delivery.Status.QUEUED, 1)
    assert delivery.last_error.startswith(type(error).__name__)
    assert delivery.next_attempt_at > timezone.now() + retry_delay(1) - timedelta(seconds=10)
    assert len(mailoutbox) == 3
    send_issue(issue.pk)
    assert len(mailoutbox) == 3
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        send_issue(issue.pk)

    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.failed_count) == ("sent", 4, 0)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            smtplib.SMTPRecipientsRefused({"reader1@example.org": (550, b"5.1.1 No such user")}),
            "550",
        ),
        (smtplib.SMTPDataError(554, b"5.7.1 Message rejected"), "554"),
    ],
    ids=["rcpt-550", "data-554"],
)
def test_permanent_refusal_is_recorded_as_failed_and_the_rest_are_sent(
    make_issue, mail_server, mailoutbox, error, code
):
    add_subscribers(4)
    mail_server.refused["reader1@example.org"] = error
    issue = make_issue()
    mark_sending(issue)

    send_issue(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber__email="reader1@example.org")
    assert delivery.status == Delivery.Status.FAILED
    assert code in delivery.last_error
    assert "reader1@example.org" not in recipients(mailoutbox)
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.failed_count) == ("sent", 3, 1)
    assert issue.finished_at is not None


def test_delivery_fails_after_the_maximum_number_of_transient_failures(
    make_issue, mail_server, mailoutbox, settings
):
    settings.NEWSLETTER_DELIVERY_MAX_ATTEMPTS = 3
    add_subscribers(3)
    mail_server.refused["reader2@example.org"] = smtplib.SMTPServerDisconnected("gone")
    issue = make_issue()
    mark_sending(issue)
    now = timezone.now()

    send_issue(issue.pk)
    for attempts in (1, 2):
        now += retry_delay(attempts) + timedelta(seconds=1)
        with time_machine.travel(now):
            send_issue(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber__email="reader2@example.org")
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert "SMTPServerDisconnected" in delivery.last_error
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.failed_count) == ("sent", 2, 1)
    assert len(mailoutbox) == 2


def test_issue_every_delivery_of_which_is_refused_ends_failed(make_issue, mail_server, mailoutbox):
    readers = add_subscribers(2)
    for reader in readers:
        mail_server.refused[reader.email] = smtplib.SMTPRecipientsRefused(
            {reader.email: (550, b"5.1.1 No such user")}
        )
    issue = make_issue()
    mark_sending(issue)

    send_issue(issue.pk)

    issue.refresh_from_db()
    assert (issue.status, issue.failed_count) == (Issue.Status.FAILED, 2)
    assert mailoutbox == []


def test_scheduled_issue_is_not_sent_before_its_time(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(3)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue, when=timezone.now() + timedelta(hours=1))

    send_issue(issue.pk)
    call_command("send_due_issues", stdout=io.StringIO())

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert mailoutbox == []
    assert not Delivery.objects.filter(issue=issue).exists()


def test_scheduled_issue_is_sent_by_its_task_once_its_time_has_come(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    readers = add_subscribers(3)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue, when=timezone.now() + timedelta(hours=1))

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        send_issue(issue.pk)

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)


def test_send_due_issues_sends_scheduled_issue_once_its_time_has_come(
    make_issue, mailoutbox, django_capture_on_commit_callbacks, capsys
):
    readers = add_subscribers(3)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue, when=timezone.now() + timedelta(hours=1))

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        call_command("send_due_issues")

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)
    assert f"{issue.subject}: Sent, 3 sent" in capsys.readouterr().out


def test_send_due_issues_finishes_an_interrupted_send(make_issue, mail_server, mailoutbox):
    readers = add_subscribers(6)
    mail_server.down_after = 2
    issue = make_issue()
    mark_sending(issue)
    send_issue(issue.pk)
    mail_server.down_after = None

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        call_command("send_due_issues", stdout=io.StringIO())

    assert recipients(mailoutbox) == Counter(reader.email for reader in readers)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_cancelled_schedule_is_not_sent_when_its_time_comes(
    make_issue, mailoutbox, django_capture_on_commit_callbacks
):
    add_subscribers(2)
    issue = make_issue()
    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue, when=timezone.now() + timedelta(hours=1))
    cancel_schedule(issue)

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        send_issue(issue.pk)
        call_command("send_due_issues", stdout=io.StringIO())

    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for) == (Issue.Status.DRAFT, None)
    assert mailoutbox == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_deliver_each_message_exactly_once(make_issue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_BATCH_SIZE = 15
    mail.outbox = []
    readers = add_subscribers(400)
    issue = make_issue()
    mark_sending(issue)
    barrier = threading.Barrier(2)
    errors = []

    def work(worker_id):
        try:
            barrier.wait(timeout=10)
            send_issue(issue.pk, worker_id=worker_id)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert recipients(mail.outbox) == Counter(reader.email for reader in readers)
    assert set(Delivery.objects.filter(issue=issue).values_list("status", flat=True)) == {"sent"}
    assert Delivery.objects.filter(issue=issue).count() == 400
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count) == (Issue.Status.SENT, 400)


@pytest.fixture
def deferred_tasks(settings):
    """A task backend that can wait, like the database queue: it keeps what is enqueued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    # The handler that owns the project's tasks: django_tasks' on Django 5.2, django.tasks'
    # on Django 6+ (django-tasks-db then builds django.tasks Task objects).
    backend = send_issue_task.get_backend()
    backend.clear()
    return backend.results


def test_scheduled_issue_task_waits_for_the_scheduled_time(
    make_issue, deferred_tasks, django_capture_on_commit_callbacks
):
    issue = make_issue()
    when = timezone.now() + timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        start_sending(issue, when=when)

    [task] = deferred_tasks
    assert task.task.name == "send_issue_task"
    assert (task.args, task.task.run_after) == ([issue.pk], when)


def test_transient_failure_brings_the_task_back_at_the_retry_time(
    make_issue, mail_server, deferred_tasks, django_capture_on_commit_callbacks
):
    add_subscribers(3)
    mail_server.failures["reader1@example.org"] = [smtplib.SMTPServerDisconnected("gone")]
    issue = make_issue()
    mark_sending(issue)

    with django_capture_on_commit_callbacks(execute=True):
        send_issue_now(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber__email="reader1@example.org")
    [task] = deferred_tasks
    assert (task.args, task.task.run_after) == ([issue.pk], delivery.next_attempt_at)


def test_batch_held_by_another_worker_brings_the_task_back_when_its_lease_ends(
    make_issue, deferred_tasks, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_BATCH_SIZE = 5
    add_subscribers(10)
    issue = make_issue()
    mark_sending(issue)
    issue = begin(issue.pk)
    held = claim_batch(issue, "busy-worker")
    claimed_at = Delivery.objects.get(pk=held[0].pk).claimed_at

    with django_capture_on_commit_callbacks(execute=True):
        send_issue_now(issue.pk)

    assert len(mailoutbox) == 5
    [task] = deferred_tasks
    assert task.task.run_after >= claimed_at + CLAIM_LEASE


def test_sending_says_when_to_come_back_and_leaves_the_enqueueing_to_its_task(
    make_issue, mail_server, deferred_tasks, django_capture_on_commit_callbacks
):
    add_subscribers(3)
    mail_server.failures["reader1@example.org"] = [smtplib.SMTPServerDisconnected("gone")]
    issue = make_issue()
    mark_sending(issue)

    with django_capture_on_commit_callbacks(execute=True):
        come_back_at = send_issue(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber__email="reader1@example.org")
    assert come_back_at == delivery.next_attempt_at
    assert deferred_tasks == []
    with time_machine.travel(come_back_at + timedelta(seconds=1)):
        assert send_issue(issue.pk) is None
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
