import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from newsletter.models import Subscriber, SubscriberEmail
from newsletter.sending import deliver_subscriber_email
from newsletter.subscriptions import subscribe
from newsletter.tasks import retry_due_subscriber_emails
from tests.newsletter.conftest import CHECK_INBOX, path_of, signup_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections to a PostgreSQL server",
    ),
]


def run_at_once(count, request):
    """Run request(client) in `count` threads released together; return answers or errors."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            client = Client()
            barrier.wait(timeout=10)
            results[index] = request(client)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def join(threads):
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()


def test_concurrent_signups_of_one_address_make_one_subscriber(settings, mailoutbox):
    settings.NEWSLETTER_SIGNUP_RATE = "1000/m"

    def sign_up(client):
        return client.post("/newsletter/", signup_data("Ana@Example.org"))

    threads, responses = run_at_once(20, sign_up)
    join(threads)

    for response in responses:
        assert not isinstance(response, Exception), repr(response)
        assert response.status_code == 302
        assert response["Location"] == CHECK_INBOX
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Ana@example.org"
    assert subscriber.status == Subscriber.Status.PENDING
    [owed] = SubscriberEmail.objects.all()
    assert owed.kind == SubscriberEmail.Kind.CONFIRM
    # Catch up as `manage.py retry_subscriber_emails` does (see the next test for why).
    retry_due_subscriber_emails()
    owed.refresh_from_db()
    assert owed.status == SubscriberEmail.Status.SENT
    assert [m.to for m in mailoutbox] == [["Ana@example.org"]]


def test_owed_email_is_sent_while_a_repeated_signup_holds_the_subscriber(
    make_subscriber, mailoutbox
):
    subscriber = make_subscriber(email="ana@example.org")
    owed = SubscriberEmail.objects.create(subscriber=subscriber, kind=SubscriberEmail.Kind.CONFIRM)

    def deliver():
        try:
            deliver_subscriber_email(owed.pk)
        finally:
            connection.close()

    with transaction.atomic():
        subscribe(email="ana@example.org", name="", consent_text="I agree.", source="/")
        worker = threading.Thread(target=deliver)
        worker.start()
        worker.join(timeout=30)

    owed.refresh_from_db()
    assert owed.status == SubscriberEmail.Status.SENT
    assert len(mailoutbox) == 1


def wait_for_lock_waiters(count, timeout=10):
    """Wait until `count` other connections are blocked on a lock here, or give up."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps showing its first view of the statistics.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)


def test_simultaneous_confirmations_send_one_welcome_email(make_subscriber, mailoutbox):
    subscriber = make_subscriber()
    link = path_of(subscriber.confirmation_url())

    # Hold the subscriber's row so that every request reads it before any can confirm.
    with transaction.atomic():
        Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        threads, responses = run_at_once(5, lambda client: client.post(link))
        wait_for_lock_waiters(5)
    join(threads)

    assert all(getattr(response, "status_code", None) == 200 for response in responses)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert SubscriberEmail.objects.filter(kind=SubscriberEmail.Kind.WELCOME).count() == 1
    retry_due_subscriber_emails()
    assert len(mailoutbox) == 1
