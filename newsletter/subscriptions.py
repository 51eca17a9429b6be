"""Signing up, confirming and leaving: the steps with side effects (emails)."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Subscriber, SubscriberEmail, hash_client_address, normalise_email
from .tasks import deliver_subscriber_email


def subscribe(
    *,
    email: str,
    name: str,
    consent_text: str,
    source: str,
    language: str = "en",
    client_address: str = "",
) -> Subscriber:
    """Record a sign-up and owe the address a confirmation email. Safe to call concurrently."""
    email = normalise_email(email)
    now = timezone.now()
    consent = {
        "consent_text": consent_text,
        "consent_at": now,
        "consent_source": source[:200],
        "consent_client_hash": hash_client_address(client_address),
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(
                    email=email, name=name, language=language, **consent
                )
        except IntegrityError:
            subscriber = Subscriber.objects.select_for_update().with_email(email).get()
        else:
            queue_email(subscriber, SubscriberEmail.Kind.CONFIRM)
            return subscriber

        if subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber
        if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
            subscriber.status = Subscriber.Status.PENDING
            subscriber.unsubscribed_at = subscriber.confirmed_at = None
            for field, value in consent.items():
                setattr(subscriber, field, value)
            subscriber.name = name or subscriber.name
            subscriber.save()
        if not recently_asked_to_confirm(subscriber):
            queue_email(subscriber, SubscriberEmail.Kind.CONFIRM)
    return subscriber


def recently_asked_to_confirm(subscriber: Subscriber) -> bool:
    """Whether a confirmation email for the current consent went out a moment ago."""
    since = timezone.now() - timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES)
    if subscriber.consent_at:
        since = max(since, subscriber.consent_at)  # links sent before it no longer work
    return subscriber.emails.filter(
        kind=SubscriberEmail.Kind.CONFIRM, created_at__gte=since
    ).exists()


def confirm(subscriber: Subscriber) -> None:
    with transaction.atomic():
        if subscriber.confirm():
            queue_email(subscriber, SubscriberEmail.Kind.WELCOME)


def queue_email(subscriber: Subscriber, kind: str) -> SubscriberEmail:
    """Store the email we owe, then hand it to a worker once the transaction commits."""
    owed = SubscriberEmail.objects.create(subscriber=subscriber, kind=kind)
    transaction.on_commit(lambda: deliver_subscriber_email.enqueue(owed.pk))
    return owed
