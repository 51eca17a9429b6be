import email
import email.policy
import re
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core import mail
from django.utils import timezone

from newsletter.models import Subscriber, SubscriberEmail
from newsletter.tasks import deliver_subscriber_email, retry_due_subscriber_emails
from tests.newsletter.conftest import (
    CHECK_INBOX,
    CONFIRM_URL,
    UNSUBSCRIBE_URL,
    confirm_path,
    html_part,
    list_unsubscribe_urls,
    parse_html,
    unsubscribe_url_in,
    unsubscribes,
)

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def emails(sign_up, client, mailoutbox, django_capture_on_commit_callbacks):
    """The confirmation and welcome emails of a sign-up by 'Ana Lima', by kind."""
    sign_up("ana@example.org", name="Ana Lima")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_path(mailoutbox[0]))
    confirmation, welcome = mailoutbox
    return {"confirm": confirmation, "welcome": welcome}


# --- Content ------------------------------------------------------------------------------


def test_confirmation_email_content(emails):
    message = emails["confirm"]
    subscriber = Subscriber.objects.get()
    assert message.subject == f"Confirm your subscription to {settings.SITE_NAME}"
    assert message.to == ["ana@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Hello Ana Lima," in message.body
    assert f"{settings.NEWSLETTER_CONFIRMATION_DAYS} days" in message.body
    assert CONFIRM_URL.search(message.body)
    assert unsubscribes(unsubscribe_url_in(message.body)) == subscriber
    html = html_part(message)
    assert "Confirm my subscription" in html
    assert unsubscribes(unsubscribe_url_in(html)) == subscriber


def test_welcome_email_content(emails):
    message = emails["welcome"]
    subscriber = Subscriber.objects.get()
    assert message.subject == f"Welcome to the {settings.SITE_NAME} newsletter"
    assert message.to == ["ana@example.org"]
    assert "Hello Ana Lima," in message.body
    assert f"{settings.NCASITE_BASE_URL}/news/" in message.body
    assert unsubscribes(unsubscribe_url_in(message.body)) == subscriber
    assert not CONFIRM_URL.search(message.body)
    html = html_part(message)
    assert f'href="{settings.NCASITE_BASE_URL}/news/"' in html
    assert unsubscribes(unsubscribe_url_in(html)) == subscriber


@pytest.mark.parametrize("kind", ["confirm", "welcome"])
def test_email_has_one_text_and_one_html_part(emails, kind):
    message = emails[kind].message()
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.get_payload()]
    assert parts == ["text/plain", "text/html"]


@pytest.mark.parametrize("kind", ["confirm", "welcome"])
def test_email_html_has_its_css_inlined(emails, kind):
    page = parse_html(html_part(emails[kind]))
    button = page.find("a", **{"class": "button"})
    assert "background" in button.attrs.get("style", "")
    masthead = page.find("td", **{"class": "masthead"})
    assert "background" in masthead.attrs.get("style", "")
    assert "font-family" in page.find("body").attrs.get("style", "")
    assert not page.find_all("style"), "mail clients that drop <style> still see the design"


@pytest.mark.parametrize("kind", ["confirm", "welcome"])
def test_every_link_in_the_email_is_absolute(emails, kind):
    page = parse_html(html_part(emails[kind]))
    hrefs = [element.attrs["href"] for element in page.iter() if "href" in element.attrs]
    srcs = [element.attrs["src"] for element in page.iter() if "src" in element.attrs]
    assert hrefs
    for url in hrefs + srcs:
        assert re.match(r"(https?://[^/]+/|mailto:)", url), url
    for url in re.findall(r"https?://\S+", emails[kind].body):
        assert url.startswith(settings.NCASITE_BASE_URL), url


@pytest.mark.parametrize("kind", ["confirm", "welcome"])
def test_email_offers_list_unsubscribe_and_one_click(emails, kind):
    message = emails[kind]
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [url, mailto] = list_unsubscribe_urls(message)
    assert re.fullmatch(r"https?://.+", url)
    assert UNSUBSCRIBE_URL.fullmatch(url)
    assert unsubscribes(url) == Subscriber.objects.get()
    assert mailto == f"mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe"
    assert headers["List-Unsubscribe"] == f"<{url}>, <{mailto}>"


def test_html_in_the_name_is_escaped_in_the_html_email(sign_up, client, mailoutbox):
    sign_up(name="<script>alert(1)</script>")
    html = html_part(mailoutbox[0])
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_name_appears_as_typed_in_the_plain_text_email(sign_up, mailoutbox):
    sign_up(name="Seán O'Brien & Co")
    assert "Hello Seán O'Brien & Co," in mailoutbox[0].body


def test_site_name_with_ampersand_appears_as_typed_in_the_subject(sign_up, mailoutbox, settings):
    settings.SITE_NAME = "Forests & Rivers Alliance"
    sign_up()
    assert mailoutbox[0].subject == "Confirm your subscription to Forests & Rivers Alliance"


def test_email_is_sent_to_an_international_domain(sign_up, mailoutbox):
    sign_up("jose@exämple.org")
    message = mailoutbox[0].message()
    assert message["To"] == "jose@xn--exmple-cua.org"


# --- A mail server that is down -----------------------------------------------------------


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mail_server_down(settings, closed_port, mailoutbox):
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_TIMEOUT = 5
    return settings


def test_signup_succeeds_while_the_mail_server_is_down(sign_up, mail_server_down, mailoutbox):
    response = sign_up("ana@example.org")

    assert response.status_code == 302
    assert response["Location"] == CHECK_INBOX
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    owed = subscriber.emails.get()
    assert owed.kind == SubscriberEmail.Kind.CONFIRM
    assert owed.status == SubscriberEmail.Status.QUEUED
    assert owed.attempts == 1
    assert "ConnectionRefusedError" in owed.last_error
    assert owed.next_attempt_at > timezone.now()
    assert mailoutbox == []


def test_owed_email_is_sent_when_the_mail_server_is_back(sign_up, mail_server_down, mailoutbox):
    sign_up("ana@example.org")
    owed = SubscriberEmail.objects.get()
    mail_server_down.EMAIL_BACKEND = LOCMEM

    assert retry_due_subscriber_emails() == 0, "not before its retry time"
    assert mail.outbox == []
    with time_machine.travel(owed.next_attempt_at + timedelta(seconds=1)):
        assert retry_due_subscriber_emails() == 1

    owed.refresh_from_db()
    assert owed.status == SubscriberEmail.Status.SENT
    assert owed.sent_at is not None
    assert owed.attempts == 2
    assert owed.last_error == ""
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert CONFIRM_URL.search(message.body)
    assert retry_due_subscriber_emails() == 0


def test_owed_email_fails_for_good_after_the_last_attempt(sign_up, mail_server_down):
    mail_server_down.NEWSLETTER_EMAIL_MAX_ATTEMPTS = 3
    sign_up("ana@example.org")
    owed = SubscriberEmail.objects.get()
    waits = []

    with time_machine.travel(timezone.now(), tick=False) as clock:
        while owed.status == SubscriberEmail.Status.QUEUED and len(waits) < 10:
            waits.append(owed.next_attempt_at - timezone.now())
            clock.move_to(owed.next_attempt_at + timedelta(seconds=1))
            retry_due_subscriber_emails()
            owed.refresh_from_db()
        clock.shift(timedelta(days=1))
        assert retry_due_subscriber_emails() == 0

    assert owed.status == SubscriberEmail.Status.FAILED
    assert owed.attempts == 3
    assert "ConnectionRefusedError" in owed.last_error
    assert waits[1] > waits[0], "each retry waits longer"


def test_owed_email_task_comes_back_at_its_retry_time(
    mail_server_down, make_subscriber, django_capture_on_commit_callbacks
):
    mail_server_down.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = deliver_subscriber_email.get_backend()  # django_tasks' or, on Django 6, django's
    backend.clear()
    owed = SubscriberEmail.objects.create(
        subscriber=make_subscriber(),
        kind=SubscriberEmail.Kind.CONFIRM,
    )

    with django_capture_on_commit_callbacks(execute=True):
        deliver_subscriber_email.call(owed.pk)

    owed.refresh_from_db()
    assert (owed.status, owed.attempts) == (SubscriberEmail.Status.QUEUED, 1)
    [task] = backend.results
    assert task.task.name == "deliver_subscriber_email"
    assert (task.args, task.task.run_after) == ([owed.pk], owed.next_attempt_at)


def test_owed_confirmation_is_skipped_once_the_address_is_confirmed(
    sign_up, mail_server_down, client, django_capture_on_commit_callbacks
):
    sign_up("ana@example.org")
    subscriber = Subscriber.objects.get()
    owed = subscriber.emails.get()
    mail_server_down.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/newsletter/confirm/{subscriber.confirmation_token()}/")

    with time_machine.travel(owed.next_attempt_at + timedelta(seconds=1)):
        retry_due_subscriber_emails()

    owed.refresh_from_db()
    assert owed.status == SubscriberEmail.Status.SKIPPED
    assert [m.subject.split()[0] for m in mail.outbox] == ["Welcome"]


# --- A real SMTP server -------------------------------------------------------------------


class Collector:
    def __init__(self):
        self.envelopes = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.received.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings, closed_port):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=closed_port)
    controller.start()
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 5
    yield collector
    controller.stop()


def test_confirmation_email_reaches_an_smtp_server_with_its_headers(sign_up, smtp_sink):
    assert sign_up("ana@example.org")["Location"] == CHECK_INBOX

    assert smtp_sink.received.wait(timeout=5)
    [envelope] = smtp_sink.envelopes
    assert envelope.mail_from == settings.DEFAULT_FROM_EMAIL
    assert envelope.rcpt_tos == ["ana@example.org"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    subscriber = Subscriber.objects.get()
    assert message["Subject"] == f"Confirm your subscription to {settings.SITE_NAME}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto = f"mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe"
    header = " ".join(str(message["List-Unsubscribe"]).split())
    url, found_mailto = re.fullmatch(r"<(.+)>, <(.+)>", header).groups()
    assert unsubscribes(url) == subscriber
    assert found_mailto == mailto
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert CONFIRM_URL.search(text)
    assert subscriber.emails.get().status == SubscriberEmail.Status.SENT
