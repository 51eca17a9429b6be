"""Sending a newsletter issue to every confirmed subscriber, exactly once each.

Deliveries are rows. A worker claims a batch (row locks with SKIP LOCKED on PostgreSQL; SQLite
serialises writers), sends it over one SMTP connection and records each message as soon as it
is sent. A claim expires after a lease, so a batch held by a worker that died is taken over.
"""

import smtplib
import uuid
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from .models import Delivery, Issue, Subscriber
from .sending import SEND_ERRORS, retry_delay, subscriber_headers

CLAIM_LEASE = timedelta(minutes=10)
# Placeholders in private-use characters, which CSS inlining keeps intact.
NAME = "\ue000NAME\ue000"
UNSUBSCRIBE = "\ue000UNSUBSCRIBE\ue000"


class RejectedRecipient(Exception):
    """The mail server refused this address for good (5xx)."""


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


def start_sending(issue: Issue, *, when=None) -> Issue:
    """Send an issue now, or at `when`; the work happens in a background task."""
    from .tasks import send_issue_task

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
        run_after = issue.scheduled_for
        transaction.on_commit(lambda: enqueue(send_issue_task, issue.pk, run_after=run_after))
    return issue


def cancel_schedule(issue: Issue) -> None:
    Issue.objects.filter(pk=issue.pk, status=Issue.Status.SCHEDULED).update(
        status=Issue.Status.DRAFT, scheduled_for=None
    )


def enqueue(task, *args, run_after=None) -> None:
    if run_after and run_after > timezone.now():
        if not task.get_backend().supports_defer:
            return  # this backend cannot wait; `manage.py send_due_issues` catches up
        task = task.using(run_after=run_after)
    task.enqueue(*args)


def send_issue(issue_id: int, *, worker_id: str = "") -> None:
    """Claim and send batches until none is due; then record the outcome."""
    issue = begin(issue_id)
    if issue is None:
        return
    worker_id = worker_id or uuid.uuid4().hex
    content = IssueContent(issue)
    with fast_commits():
        while batch := claim_batch(issue, worker_id):
            send_batch(content, batch, worker_id)
    finish(issue)


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
    """Send a claimed batch over one SMTP connection, reopened only after a failure."""
    connection = get_connection()
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
                send_one(content, delivery, connection)
            except RejectedRecipient as error:
                record(delivery, worker_id, status=Delivery.Status.FAILED, error=error)
            except SEND_ERRORS as error:
                record_transient_failure(delivery, worker_id, error)
                connection.close()  # the connection may be broken: open a new one
                is_open = False
            else:
                record(delivery, worker_id, status=Delivery.Status.SENT)
    finally:
        connection.close()


def send_one(content: IssueContent, delivery: Delivery, connection) -> None:
    message = content.message_for(delivery.subscriber, connection)
    try:
        message.send()
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
    fields = {"status": status, "attempts": delivery.attempts + 1, "claimed_by": ""}
    if status == Delivery.Status.SENT:
        fields["sent_at"] = timezone.now()
    if error is not None:
        fields["last_error"] = f"{type(error).__name__}: {error}"[:300]
    if status == Delivery.Status.SKIPPED:
        fields["attempts"] = delivery.attempts
    Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(**fields)


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


def finish(issue: Issue) -> None:
    """Record the counts; close the issue when nothing is left, else come back later."""
    from .tasks import send_issue_task

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
            run_after = max(min(filter(None, candidates)), timezone.now() + timedelta(seconds=1))
            transaction.on_commit(lambda: enqueue(send_issue_task, issue.pk, run_after=run_after))
        issue.save()
