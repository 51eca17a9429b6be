"""Sending a newsletter issue to every confirmed subscriber, exactly once each.

Deliveries are rows. A worker claims a batch (row locks with SKIP LOCKED on PostgreSQL; SQLite
serialises writers), sends it over one SMTP connection and records each message as soon as it
is sent. A claim expires after a lease, so a batch held by a worker that died is taken over.
"""

import smtplib
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from .issue_emails import IssueContent
from .models import Delivery, Issue, Subscriber
from .sending import SEND_ERRORS, retry_delay

CLAIM_LEASE = timedelta(minutes=10)


class RejectedRecipient(Exception):
    """The mail server refused this address for good (5xx)."""


def mark_for_sending(issue: Issue, *, when=None) -> Issue:
    """Mark an issue to be sent now, or at `when` (its `scheduled_for`); refuse a sent one."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if not issue.is_editable():
            raise ValueError(f"Issue {issue.pk} is already {issue.status}.")
        if when and when > timezone.now():
            issue.status, issue.scheduled_for = Issue.Status.SCHEDULED, when
        else:
            issue.status, issue.scheduled_for = Issue.Status.SENDING, None
            issue.started_at = timezone.now()
        issue.save()
    return issue


def cancel_schedule(issue: Issue) -> None:
    Issue.objects.filter(pk=issue.pk, status=Issue.Status.SCHEDULED).update(
        status=Issue.Status.DRAFT, scheduled_for=None
    )


def send_issue(issue_id: int, *, worker_id: str = "") -> datetime | None:
    """Claim and send batches until none is due; record the outcome; return when to look again.

    None means there is nothing more to do: the issue is finished, or not due.
    """
    issue = begin(issue_id)
    if issue is None:
        return None
    worker_id = worker_id or uuid.uuid4().hex[:16]
    content = IssueContent(issue)
    senders = settings.NEWSLETTER_SMTP_CONNECTIONS if connection.vendor == "postgresql" else 1
    if senders > 1:
        in_threads(send_batches, [(issue, content, f"{worker_id}/{n}") for n in range(senders)])
    else:
        send_batches(issue, content, worker_id)
    return finish(issue)


def send_batches(issue: Issue, content: IssueContent, worker_id: str) -> None:
    with fast_commits():
        while batch := claim_batch(issue, worker_id):
            send_batch(content, batch, worker_id)


def in_threads(function, calls: list[tuple]) -> None:
    """Run function once per argument tuple, each in a thread with its own database connection.

    While one sender waits for the mail server or the database, another builds its next
    message: several SMTP connections keep one worker process busy. A thread's error is raised
    here once all have stopped; the batch it held is taken over when its lease ends.
    """
    errors = []

    def run(*args):
        try:
            function(*args)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@contextmanager
def fast_commits():
    """On PostgreSQL, don't wait for the disk on each delivery's commit while sending.

    A worker that dies loses nothing this way (its commits reached the server); only a crash
    of the database server itself could forget the last few "sent" marks, in under a second.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def begin(issue_id: int) -> Issue | None:
    """Start a due scheduled issue and make its deliveries, once; None if nothing to send."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None:
            return None
        if issue.status == Issue.Status.SCHEDULED and issue.scheduled_for <= timezone.now():
            issue.status, issue.started_at = Issue.Status.SENDING, timezone.now()
            issue.save(update_fields=["status", "started_at"])
        if issue.status != Issue.Status.SENDING:
            return None
        if not issue.recipients_ready:
            create_deliveries(issue)
    return issue


def create_deliveries(issue: Issue, chunk_size: int = 5000) -> None:
    recipients = Subscriber.objects.confirmed().order_by("pk").values_list("pk", flat=True)
    chunk, count = [], 0
    for subscriber_id in recipients.iterator(chunk_size=chunk_size):
        chunk.append(Delivery(issue=issue, subscriber_id=subscriber_id))
        if len(chunk) == chunk_size:
            count += len(Delivery.objects.bulk_create(chunk, ignore_conflicts=True))
            chunk = []
    count += len(Delivery.objects.bulk_create(chunk, ignore_conflicts=True))
    issue.recipients_ready, issue.recipient_count = True, count
    issue.save(update_fields=["recipients_ready", "recipient_count"])


def claim_batch(issue: Issue, worker_id: str) -> list[Delivery]:
    now = timezone.now()
    with transaction.atomic():
        due = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(issue=issue, status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.NEWSLETTER_BATCH_SIZE]
        )
        ids = list(due)
        Delivery.objects.filter(pk__in=ids).update(claimed_by=worker_id, claimed_at=now)
    return list(
        Delivery.objects.filter(pk__in=ids, claimed_by=worker_id)
        .select_related("subscriber")
        .only(
            "attempts",
            "subscriber__email",
            "subscriber__name",
            "subscriber__language",
            "subscriber__status",
        )
        .order_by("pk")
    )


def send_batch(content: IssueContent, batch: list[Delivery], worker_id: str) -> None:
    """Send a claimed batch over one connection to the mail server, reopened after a failure."""
    connection = get_connection(fail_silently=False)
    is_open = False
    try:
        for delivery in batch:
            if delivery.subscriber.status != Subscriber.Status.CONFIRMED:
                record(delivery, worker_id, status=Delivery.Status.SKIPPED)
                continue
            try:
                if not is_open:
                    connection.open()
                    is_open = True
                send_one(content.message_for(delivery.subscriber), connection)
            except RejectedRecipient as error:
                record(delivery, worker_id, status=Delivery.Status.FAILED, error=error)
            except SEND_ERRORS as error:
                record_transient_failure(delivery, worker_id, error)
                connection.close()  # the connection may be broken: open a new one
                is_open = False
            else:
                record_sent(delivery, worker_id)
    finally:
        connection.close()


def send_one(message: EmailMultiAlternatives, connection) -> None:
    """Send one message on an open connection; raise RejectedRecipient if refused for good."""
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise RejectedRecipient(f"refused: {codes[0]}") from error
        raise
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500 and error.smtp_code != 421:
            raise RejectedRecipient(f"{error.smtp_code} {error.smtp_error!r}"[:200]) from error
        raise


def record(delivery: Delivery, worker_id: str, *, status: str, error=None) -> None:
    """Record a failed or skipped delivery."""
    fields = {"status": status, "attempts": delivery.attempts + 1, "claimed_by": ""}
    if error is not None:
        fields["last_error"] = f"{type(error).__name__}: {error}"[:300]
    if status == Delivery.Status.SKIPPED:
        fields["attempts"] = delivery.attempts
    Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(**fields)


def record_sent(delivery: Delivery, worker_id: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(
        status=Delivery.Status.SENT,
        attempts=delivery.attempts + 1,
        claimed_by="",
        sent_at=timezone.now(),
    )


def record_transient_failure(delivery: Delivery, worker_id: str, error: Exception) -> None:
    attempts = delivery.attempts + 1
    if attempts >= settings.NEWSLETTER_DELIVERY_MAX_ATTEMPTS:
        record(delivery, worker_id, status=Delivery.Status.FAILED, error=error)
        return
    Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:300],
        next_attempt_at=timezone.now() + retry_delay(attempts),
        claimed_by="",
        claimed_at=None,
    )


def progress(issue: Issue) -> dict[str, int]:
    counts = dict(issue.deliveries.order_by().values_list("status").annotate(n=Count("pk")))
    return {status: counts.get(status, 0) for status in Delivery.Status.values}


def finish(issue: Issue) -> datetime | None:
    """Record the counts; close the issue when nothing is left, else return when to come back."""
    come_back_at = None
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        counts = progress(issue)
        issue.sent_count = counts[Delivery.Status.SENT]
        issue.failed_count = counts[Delivery.Status.FAILED]
        issue.skipped_count = counts[Delivery.Status.SKIPPED]
        queued = issue.deliveries.filter(status=Delivery.Status.QUEUED)
        if counts[Delivery.Status.QUEUED] == 0 and issue.status == Issue.Status.SENDING:
            everything_failed = issue.failed_count and not issue.sent_count
            issue.status = Issue.Status.FAILED if everything_failed else Issue.Status.SENT
            issue.finished_at = timezone.now()
        elif counts[Delivery.Status.QUEUED]:
            lease_start = timezone.now() - CLAIM_LEASE
            claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_start)
            earliest_retry = queued.filter(claimable).aggregate(t=Min("next_attempt_at"))["t"]
            earliest_claim = queued.exclude(claimable).aggregate(t=Min("claimed_at"))["t"]
            candidates = [earliest_retry]
            if earliest_claim:  # held by a live worker: come back when its lease ends
                candidates.append(earliest_claim + CLAIM_LEASE)
            # None left at all: another worker finished them since the count; look again soon.
            next_look = min(filter(None, candidates), default=timezone.now())
            come_back_at = max(next_look, timezone.now() + timedelta(seconds=1))
        issue.save()
    return come_back_at
