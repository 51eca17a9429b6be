"""Background tasks, and the steps that hand work to them.

The work itself (sending.py, issue_sending.py) says when it wants to run again; the tasks
here enqueue that follow-up, so the work modules never import this one.
"""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import issue_sending, sending
from .models import Issue, SubscriberEmail


@task()
def deliver_subscriber_email(email_id: int) -> None:
    retry_at = sending.deliver_subscriber_email(email_id)
    if retry_at is not None:
        enqueue_after_commit(deliver_subscriber_email, email_id, run_after=retry_at)


def retry_due_subscriber_emails() -> int:
    """Hand every queued email whose time has come to a worker; return how many."""
    due = SubscriberEmail.objects.filter(
        status=SubscriberEmail.Status.QUEUED, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    count = 0
    for pk in due.iterator():
        deliver_subscriber_email.enqueue(pk)
        count += 1
    return count


@task()
def send_issue_task(issue_id: int) -> None:
    send_issue_now(issue_id)


def send_issue_now(issue_id: int) -> None:
    """Send what is due of an issue in this process; its task comes back for the rest."""
    come_back_at = issue_sending.send_issue(issue_id)
    if come_back_at is not None:
        enqueue_after_commit(send_issue_task, issue_id, run_after=come_back_at)


def start_sending(issue: Issue, *, when: datetime | None = None) -> Issue:
    """Send an issue now, or at `when`; the work happens in a background task."""
    issue = issue_sending.mark_for_sending(issue, when=when)
    enqueue_after_commit(send_issue_task, issue.pk, run_after=issue.scheduled_for)
    return issue


def enqueue_after_commit(task, *args, run_after: datetime | None = None) -> None:
    transaction.on_commit(partial(enqueue, task, *args, run_after=run_after))


def enqueue(task, *args, run_after: datetime | None = None) -> None:
    if run_after and run_after > timezone.now():
        if not task.get_backend().supports_defer:
            return  # this backend cannot wait; the management commands catch up
        task = task.using(run_after=run_after)
    task.enqueue(*args)
