"""Issues sent through Django's SMTP backend to a real SMTP server on the loopback interface."""

import asyncio
import email
import email.policy
import re
import socket
from collections import Counter
from datetime import timedelta
from itertools import count

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from newsletter.issue_sending import send_issue
from newsletter.models import Delivery, Issue, IssueItem, Subscriber

pytestmark = pytest.mark.django_db

UNSUBSCRIBE_URL = re.compile(r"https?://[^\s\"'<>]+/newsletter/unsubscribe/[^/\s\"'<>]+/")
_numbers = count(1)


class Sink:
    """An SMTP server's message handler: keeps every message, refuses addresses it is told to."""

    def __init__(self):
        self.envelopes = []
        self.sessions = []
        self.replies = {}  # address -> the reply to its RCPT TO, e.g. "550 5.1.1 No such user"
        self.pause = 0.0  # seconds each DATA takes, to see how many arrive at once
        self.in_flight = self.most_in_flight = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.replies.get(address)
        if reply:
            if reply.startswith("4"):
                del self.replies[address]  # a greylisting server accepts the second attempt
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.pause)
        self.in_flight -= 1
        self.envelopes.append(envelope)
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        return "250 OK"

    def recipients(self) -> Counter:
        return Counter(address for envelope in self.envelopes for address in envelope.rcpt_tos)

    def messages(self):
        return [
            email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink(settings):
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


@pytest.fixture
def issue(make_post):
    issue = Issue.objects.create(
        subject=f"Over the wire {next(_numbers)}",
        slug=f"over-the-wire-{next(_numbers)}",
        status=Issue.Status.SENDING,
        started_at=timezone.now(),
    )
    for position in range(2):
        IssueItem.objects.create(issue=issue, post=make_post(), position=position)
    return issue


def add_subscribers(number, *, status=Subscriber.Status.CONFIRMED, prefix="wire"):
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"{prefix}{i}@example.org",
            name=f"Wire Reader {i}" if i % 2 else "",
            status=status,
            consent_at=now,
            confirmed_at=now,
        )
        for i in range(number)
    )
    return list(Subscriber.objects.filter(email__startswith=prefix).order_by("pk"))


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_smtp_server_receives_one_message_per_confirmed_subscriber(sink, issue, settings):
    readers = add_subscribers(30)
    add_subscribers(5, status=Subscriber.Status.PENDING, prefix="pending")
    add_subscribers(5, status=Subscriber.Status.UNSUBSCRIBED, prefix="gone")

    send_issue(issue.pk)

    assert sink.recipients() == Counter(reader.email for reader in readers)
    assert {envelope.mail_from for envelope in sink.envelopes} == {settings.DEFAULT_FROM_EMAIL}
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.recipient_count) == (Issue.Status.SENT, 30, 30)


def test_messages_over_smtp_carry_list_headers_and_both_parts(sink, issue):
    readers = {reader.email: reader for reader in add_subscribers(30)}

    send_issue(issue.pk)

    messages = sink.messages()
    assert len({message["Message-ID"] for message in messages}) == len(messages) == 30
    for message in messages:
        reader = readers[message["To"]]
        assert message["Subject"] == issue.subject
        assert message.get_content_type() == "multipart/alternative"
        url, mailto = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
        token = url.rstrip("/").rsplit("/", 1)[1]
        assert Subscriber.from_unsubscribe_token(token) == reader
        assert mailto.startswith("mailto:")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(message["List-Id"]).endswith(">")
        text = parts(message)["text/plain"]
        assert (f"Hello {reader.name}," if reader.name else "Hello,") in text
        assert UNSUBSCRIBE_URL.findall(text) == [url]
        assert issue.subject in parts(message)["text/html"]


def test_address_refused_by_the_smtp_server_is_failed_and_the_rest_delivered(sink, issue):
    readers = add_subscribers(6)
    sink.replies[readers[2].email] = "550 5.1.1 No such user here"

    send_issue(issue.pk)

    delivery = Delivery.objects.get(issue=issue, subscriber=readers[2])
    assert delivery.status == Delivery.Status.FAILED
    assert "550" in delivery.last_error
    assert sink.recipients() == Counter(r.email for r in readers if r != readers[2])
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count, issue.failed_count) == (Issue.Status.SENT, 5, 1)


def test_address_greylisted_by_the_smtp_server_is_delivered_on_retry(sink, issue):
    readers = add_subscribers(4)
    sink.replies[readers[1].email] = "451 4.7.1 Greylisted, try again later"

    send_issue(issue.pk)
    delivery = Delivery.objects.get(issue=issue, subscriber=readers[1])
    assert (delivery.status, delivery.attempts) == (Delivery.Status.QUEUED, 1)
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        send_issue(issue.pk)

    assert sink.recipients() == Counter(reader.email for reader in readers)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_batch_goes_out_over_one_smtp_connection(sink, issue, settings):
    settings.NEWSLETTER_BATCH_SIZE = 10
    add_subscribers(30)

    send_issue(issue.pk)

    assert len(sink.envelopes) == 30
    assert len(sink.sessions) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_one_worker_sends_over_several_connections_each_message_once(sink, issue, settings):
    settings.NEWSLETTER_SMTP_CONNECTIONS = 3
    settings.NEWSLETTER_BATCH_SIZE = 7
    sink.pause = 0.005
    readers = add_subscribers(90)
    sink.replies[readers[40].email] = "550 5.1.1 No such user here"
    sink.replies[readers[41].email] = "451 4.7.1 Greylisted, try again later"

    send_issue(issue.pk)

    delivered = Counter(r.email for r in readers if r not in (readers[40], readers[41]))
    assert sink.recipients() == delivered
    assert sink.most_in_flight == 3
    statuses = Counter(Delivery.objects.filter(issue=issue).values_list("status", flat=True))
    assert statuses == {"sent": 88, "failed": 1, "queued": 1}
    assert set(Delivery.objects.values_list("claimed_by", flat=True)) == {""}
    issue.refresh_from_db()
    assert (issue.status, issue.sent_count) == (Issue.Status.SENDING, 88)


def test_non_ascii_subject_and_names_arrive_as_written(sink, issue):
    issue.subject = "Saisies record : bois, or et ivoire — l’édition spéciale des gardes forestiers"
    issue.save()
    now = timezone.now()
    reader = Subscriber.objects.create(
        email="renee@example.org",
        name="Renée Ñandú",
        status=Subscriber.Status.CONFIRMED,
        consent_at=now,
        confirmed_at=now,
    )

    send_issue(issue.pk)

    [message] = sink.messages()
    # Django folds a long encoded subject right after "Subject:"; unfolding leaves one space.
    assert message["Subject"].strip() == issue.subject
    assert message["To"] == reader.email
    assert "Hello Renée Ñandú," in parts(message)["text/plain"]
    assert "Hello Renée Ñandú," in parts(message)["text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())


def test_subscriber_at_an_international_domain_gets_it_at_its_ascii_form(sink, issue):
    now = timezone.now()
    Subscriber.objects.create(
        email="jose@exämple.org", status=Subscriber.Status.CONFIRMED, consent_at=now
    )

    send_issue(issue.pk)

    [envelope] = sink.envelopes
    assert envelope.rcpt_tos == ["jose@xn--exmple-cua.org"]
    [message] = sink.messages()
    assert message["To"] == "jose@xn--exmple-cua.org"


def test_lines_too_long_for_smtp_arrive_whole(sink, issue):
    long_line = "Rangers logged every truck that crossed the river that season. " * 60
    issue.intro = f"<p>Before.</p><p>{long_line.strip()} Fin de la saison.</p><p>After.</p>"
    issue.save()
    add_subscribers(2)

    send_issue(issue.pk)

    for envelope in sink.envelopes:
        assert max(len(line) for line in envelope.content.split(b"\r\n")) <= 998
    for message in sink.messages():
        encodings = {part["Content-Transfer-Encoding"] for part in message.iter_parts()}
        assert encodings == {"quoted-printable"}
        text, html = parts(message)["text/plain"], parts(message)["text/html"]
        assert f"{long_line.strip()} Fin de la saison." in text
        assert f"{long_line.strip()} Fin de la saison." in html


def test_message_ids_name_the_site(sink, issue, settings):
    add_subscribers(3)

    send_issue(issue.pk)

    domain = settings.NCASITE_BASE_URL.split("//")[1].split(":")[0].split("/")[0]
    ids = [message["Message-ID"] for message in sink.messages()]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(rf"<[^<>@\s]+@{re.escape(domain)}>", str(id_)) for id_ in ids)
