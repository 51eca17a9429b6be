"""Building and sending the emails a subscriber receives."""

import logging
import smtplib
from datetime import timedelta

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Subscriber, SubscriberEmail

logger = logging.getLogger(__name__)

SEND_ERRORS = (smtplib.SMTPException, OSError)


def subscriber_headers(subscriber: Subscriber, *, unsubscribe_url: str = "") -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button."""
    mailto = f"mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe"
    url = unsubscribe_url or subscriber.unsubscribe_url()
    return {
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML (with its CSS inlined) from emails/<template>_*."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = css_inline.inline(render_to_string(f"emails/{template}.html", context))
    return subject, text, html


def build_subscriber_message(subscriber: Subscriber, kind: str, connection=None):
    context = {
        "subscriber": subscriber,
        "site_name": settings.SITE_NAME,
        "base_url": settings.NCASITE_BASE_URL,
        "confirm_url": subscriber.confirmation_url(),
        "unsubscribe_url": subscriber.unsubscribe_url(),
        "confirmation_days": settings.NEWSLETTER_CONFIRMATION_DAYS,
    }
    with translation.override(subscriber.language):
        subject, text, html = render_email(kind, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[subscriber.email],
        headers=subscriber_headers(subscriber),
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def is_still_wanted(owed: SubscriberEmail) -> bool:
    status = owed.subscriber.status
    if owed.kind == SubscriberEmail.Kind.CONFIRM:
        return status == Subscriber.Status.PENDING
    return status == Subscriber.Status.CONFIRMED


def deliver_subscriber_email(email_id: int) -> None:
    """Send an owed email once; on failure record it and schedule a retry with backoff."""
    with transaction.atomic():
        owed = (
            SubscriberEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscriber")
            .filter(pk=email_id, status=SubscriberEmail.Status.QUEUED)
            .first()
        )
        if owed is None:
            return
        if not is_still_wanted(owed):
            owed.status = SubscriberEmail.Status.SKIPPED
            owed.save(update_fields=["status"])
            return
        owed.attempts += 1
        try:
            build_subscriber_message(owed.subscriber, owed.kind).send()
        except SEND_ERRORS as error:
            record_failure(owed, error)
        else:
            owed.status = SubscriberEmail.Status.SENT
            owed.sent_at = timezone.now()
            owed.last_error = ""
            owed.save(update_fields=["status", "sent_at", "attempts", "last_error"])


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def record_failure(owed: SubscriberEmail, error: Exception) -> None:
    owed.last_error = f"{type(error).__name__}: {error}"[:300]
    if owed.attempts >= settings.NEWSLETTER_EMAIL_MAX_ATTEMPTS:
        owed.status = SubscriberEmail.Status.FAILED
        logger.error("Giving up on subscriber email %s: %s", owed.pk, type(error).__name__)
    else:
        owed.next_attempt_at = timezone.now() + retry_delay(owed.attempts)
        logger.warning("Subscriber email %s failed; retrying later", owed.pk)
        transaction.on_commit(lambda: schedule_retry(owed))
    owed.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def schedule_retry(owed: SubscriberEmail) -> None:
    from .tasks import deliver_subscriber_email as task

    if task.get_backend().supports_defer:
        task.using(run_after=owed.next_attempt_at).enqueue(owed.pk)


def retry_due_subscriber_emails() -> int:
    """Hand every queued email whose time has come to a worker; return how many."""
    from .tasks import deliver_subscriber_email as task

    due = SubscriberEmail.objects.filter(
        status=SubscriberEmail.Status.QUEUED, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    count = 0
    for pk in due.iterator():
        task.enqueue(pk)
        count += 1
    return count
