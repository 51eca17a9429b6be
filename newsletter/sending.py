"""Sending the emails about a subscription, once each, retried with backoff."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .emails import build_subscriber_message
from .models import Subscriber, SubscriberEmail

logger = logging.getLogger(__name__)

SEND_ERRORS = (smtplib.SMTPException, OSError)


def is_still_wanted(owed: SubscriberEmail) -> bool:
    status = owed.subscriber.status
    if owed.kind == SubscriberEmail.Kind.CONFIRM:
        return status == Subscriber.Status.PENDING
    return status == Subscriber.Status.CONFIRMED


def deliver_subscriber_email(email_id: int) -> datetime | None:
    """Send an owed email once; on failure record it and return when to try again, if ever."""
    with transaction.atomic():
        owed = (
            SubscriberEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscriber")
            .filter(pk=email_id, status=SubscriberEmail.Status.QUEUED)
            .first()
        )
        if owed is None:
            return None
        if not is_still_wanted(owed):
            owed.status = SubscriberEmail.Status.SKIPPED
            owed.save(update_fields=["status"])
            return None
        owed.attempts += 1
        try:
            build_subscriber_message(owed.subscriber, owed.kind).send()
        except SEND_ERRORS as error:
            return record_failure(owed, error)
        owed.status = SubscriberEmail.Status.SENT
        owed.sent_at = timezone.now()
        owed.last_error = ""
        owed.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return None


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def record_failure(owed: SubscriberEmail, error: Exception) -> datetime | None:
    """Record a failed attempt; return when to try again, or None once it is given up."""
    owed.last_error = f"{type(error).__name__}: {error}"[:300]
    if owed.attempts >= settings.NEWSLETTER_EMAIL_MAX_ATTEMPTS:
        owed.status = SubscriberEmail.Status.FAILED
        logger.error("Giving up on subscriber email %s: %s", owed.pk, type(error).__name__)
    else:
        owed.next_attempt_at = timezone.now() + retry_delay(owed.attempts)
        logger.warning("Subscriber email %s failed; retrying later", owed.pk)
    owed.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    return None if owed.status == SubscriberEmail.Status.FAILED else owed.next_attempt_at
