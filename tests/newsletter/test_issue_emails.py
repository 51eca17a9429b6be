"""Issue emails as sent over SMTP read exactly as Django's own messages would."""

import email
import email.policy

import pytest
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.utils import timezone

from newsletter.issue_emails import IssueContent, message_bytes
from newsletter.models import Issue, IssueItem, Subscriber

pytestmark = pytest.mark.django_db

LONG_LINE = "Rangers logged every truck that crossed the river that season. " * 60


def parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def django_form(message) -> bytes:
    return message.message().as_bytes(linesep="\r\n")


def assert_reads_the_same(message):
    ours, django = parsed(message_bytes(message)), parsed(django_form(message))
    assert list(ours.keys()) == list(django.keys())
    for name in ours.keys():
        if name not in ("Date", "Content-Type"):
            assert str(ours[name]).strip() == str(django[name]).strip(), name
    assert ours.get_content_type() == django.get_content_type() == "multipart/alternative"
    ours_parts, django_parts = list(ours.iter_parts()), list(django.iter_parts())
    assert [p.get_content_type() for p in ours_parts] == ["text/plain", "text/html"]
    assert [p.get_content_type() for p in django_parts] == ["text/plain", "text/html"]
    for mine, theirs in zip(ours_parts, django_parts, strict=True):
        assert mine.get_content_charset() == theirs.get_content_charset() == "utf-8"
        assert mine["Content-Transfer-Encoding"] == theirs["Content-Transfer-Encoding"]
        assert mine.get_content() == theirs.get_content()
    return ours


def assert_fit_for_smtp(data: bytes):
    lines = data.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 998


def make_message(*, subject="Forest news", to="ana@example.org", body="Hello,\n", html=None):
    message = EmailMultiAlternatives(
        subject,
        body,
        to=[to],
        headers={"Message-ID": "<1@example.org>", "List-Id": "News <news.example.org>"},
    )
    message.attach_alternative(html or f"<p>{body}</p>", "text/html")
    return message


def test_plain_ascii_message_reads_as_djangos():
    message = make_message()

    ours = assert_reads_the_same(message)

    assert ours["To"] == "ana@example.org"
    assert_fit_for_smtp(message_bytes(message))


def test_non_ascii_subject_body_and_domain_read_as_djangos():
    message = make_message(
        subject="Édition spéciale : la forêt amazonienne, ses gardiens et leurs alliés cette année",
        to="zoé@bücher.example",
        body="Bonjour Zoë Ñandú,\nLes gardes forestiers ont saisi 40 m³ de bois.\n",
    )

    ours = assert_reads_the_same(message)

    assert ours["To"] == "zoé@xn--bcher-kva.example"
    assert_fit_for_smtp(message_bytes(message))


def test_lines_too_long_for_smtp_go_quoted_printable():
    message = make_message(body=f"Hello,\n{LONG_LINE}\nBye.\n", html=f"<p>{LONG_LINE}é</p>")

    ours = assert_reads_the_same(message)

    assert {part["Content-Transfer-Encoding"] for part in ours.iter_parts()} == {"quoted-printable"}
    assert_fit_for_smtp(message_bytes(message))


@pytest.mark.parametrize("subject", ["News\r\nBcc: everyone@example.org", "News\nX-Evil: 1"])
def test_header_injection_is_refused_as_django_refuses_it(subject):
    message = make_message(subject=subject)

    with pytest.raises(BadHeaderError):
        message_bytes(message)
    with pytest.raises(BadHeaderError):
        django_form(message)


def test_issue_email_for_a_subscriber_reads_as_djangos(make_post):
    issue = Issue.objects.create(
        subject="Saisies record : bois, or et ivoire",
        slug="record-seizures",
        intro=f"<p>{LONG_LINE}</p>",
        status=Issue.Status.SENDING,
        started_at=timezone.now(),
    )
    for position in range(3):
        IssueItem.objects.create(issue=issue, post=make_post(), position=position)
    subscriber = Subscriber.objects.create(
        email="renée@example.org",
        name="Renée Ñandú",
        status=Subscriber.Status.CONFIRMED,
        consent_at=timezone.now(),
    )

    message = IssueContent(issue).message_for(subscriber, None)
    ours = assert_reads_the_same(message)

    assert ours["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Renée Ñandú" in ours.get_body(("plain",)).get_content()
    assert_fit_for_smtp(message_bytes(message))
