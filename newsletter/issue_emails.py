"""An issue's emails: rendered once per language, personalised per subscriber, sent as bytes.

Django builds and serialises a tree of email.message objects for every message, which costs
about 1.5 ms: more than all the rest of sending an issue. Issue emails are always the same
shape (a plain-text body and one HTML alternative, no attachments), so `message_bytes` writes
that shape directly. tests/newsletter/test_issue_emails.py checks that the result reads exactly
as Django's own message does, headers and decoded bodies, for non-ASCII text and long lines.
"""

import binascii
import functools
import secrets
from email.header import Header
from email.utils import formatdate
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.message import make_msgid, sanitize_address
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from .models import Issue, Subscriber
from .sending import subscriber_headers

# Placeholders in private-use characters, which CSS inlining keeps intact.
NAME = "\ue000NAME\ue000"
UNSUBSCRIBE = "\ue000UNSUBSCRIBE\ue000"
LINE_LIMIT = 998  # octets per line, RFC 5322
ADDRESS_HEADERS = ("from", "to", "cc", "reply-to")


class IssueContent:
    """An issue rendered once per language, personalised per message by substitution."""

    def __init__(self, issue: Issue):
        self.issue = issue
        self.posts = list(issue.ordered_posts())
        self.rendered: dict[str, tuple[str, str, str]] = {}
        self.domain = urlsplit(settings.NCASITE_BASE_URL).hostname or "localhost"

    def render(self, language: str, *, name=NAME, unsubscribe_url=UNSUBSCRIBE):
        context = {
            "issue": self.issue,
            "posts": self.posts,
            "site_name": settings.SITE_NAME,
            "base_url": settings.NCASITE_BASE_URL,
            "name": name,
            "unsubscribe_url": unsubscribe_url,
        }
        with translation.override(language):
            text = render_to_string("emails/issue.txt", context)
            html = css_inline.inline(render_to_string("emails/issue.html", context))
        return self.issue.subject, text, html

    def message_for(self, subscriber: Subscriber, connection) -> EmailMultiAlternatives:
        language = subscriber.language or settings.LANGUAGE_CODE
        if language not in self.rendered:
            self.rendered[language] = self.render(language)
        subject, text, html = self.rendered[language]
        url = subscriber.unsubscribe_url()
        name = f" {subscriber.name}" if subscriber.name else ""
        text = text.replace(NAME, name).replace(UNSUBSCRIBE, url)
        html = html.replace(NAME, escape(name)).replace(UNSUBSCRIBE, escape(url))
        headers = {
            **subscriber_headers(subscriber, unsubscribe_url=url),
            "List-Id": f"{settings.SITE_NAME} newsletter <newsletter.{self.domain}>",
            "Message-ID": make_msgid(f"issue{self.issue.pk}", domain=self.domain),
            "Precedence": "bulk",
        }
        message = EmailMultiAlternatives(
            subject, text, to=[subscriber.email], headers=headers, connection=connection
        )
        message.attach_alternative(html, "text/html")
        return message


def send_test(issue: Issue, *, to: str) -> None:
    """Send the issue to one address (an editor's), marked as a test, now."""
    subject, text, html = IssueContent(issue).render(
        settings.LANGUAGE_CODE, name="", unsubscribe_url=settings.NCASITE_BASE_URL + "/newsletter/"
    )
    message = EmailMultiAlternatives(f"[TEST] {subject}", text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def envelope_address(address: str) -> str:
    """The address as SMTP takes it (IDN domains in punycode), as Django's backend sends it."""
    if address.isascii() and "<" not in address:
        return address
    return _sanitized(address)


@functools.lru_cache(maxsize=64)  # the sender's address, mostly
def _sanitized(address: str) -> str:
    return sanitize_address(address, settings.DEFAULT_CHARSET)


def header_line(name: str, value: str) -> bytes:
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r} for {name!r})")
    if value.isascii() and len(name) + len(value) + 2 <= LINE_LIMIT:
        return f"{name}: {value}\r\n".encode("ascii")
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode("ascii")


def body_part(content_type: str, text: str) -> bytes:
    """One text part: 7bit or 8bit UTF-8, or quoted-printable when a line is too long."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoding = "7bit" if data.isascii() else "8bit"
    if any(len(line) > LINE_LIMIT for line in data.split(b"\n")):
        data, encoding = binascii.b2a_qp(data, istext=True), "quoted-printable"
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode("ascii")
        + data.replace(b"\n", b"\r\n")
    )


def message_bytes(message: EmailMultiAlternatives) -> bytes:
    """The wire form of a plain-text email with one HTML alternative, as Django would write it."""
    [(html, mimetype)] = message.alternatives
    if mimetype != "text/html" or message.attachments or message.cc or message.bcc:
        raise ValueError("Only a text body with one HTML alternative is supported.")
    text_part = body_part("text/plain", message.body)
    html_part = body_part("text/html", html)
    boundary = secrets.token_hex(16)
    while boundary.encode() in text_part or boundary.encode() in html_part:
        boundary = secrets.token_hex(16)
    headers = {
        "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        "MIME-Version": "1.0",
        "Subject": message.subject,
        "From": message.extra_headers.get("From", message.from_email),
        "To": ", ".join(envelope_address(address) for address in message.to),
    }
    headers["From"] = envelope_address(headers["From"])
    if message.reply_to:
        headers["Reply-To"] = ", ".join(envelope_address(a) for a in message.reply_to)
    extra = {name.lower() for name in message.extra_headers}
    if "date" not in extra:
        headers["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    if "message-id" not in extra:
        headers["Message-ID"] = make_msgid(domain=DNS_NAME)
    for name, value in message.extra_headers.items():
        if name.lower() not in ADDRESS_HEADERS:
            headers[name] = value
    separator = f"\r\n--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            *(header_line(name, value) for name, value in headers.items()),
            b"\r\n",
            separator.lstrip(b"\r\n"),
            text_part,
            separator,
            html_part,
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )
