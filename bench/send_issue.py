#!/usr/bin/env python3
"""Send a newsletter issue to N subscribers through a local SMTP sink, with one then two workers.

Run: .venv/bin/python bench/send_issue.py [--subscribers N]   (DATABASE_URL: PostgreSQL, please)

Prints messages per second for one and two worker processes, each worker's peak memory, and
the number of duplicate messages the sink received (which must be 0).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library's http package: keep this folder off sys.path.
if Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import logging  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncasite.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

DOMAIN = "send-bench.invalid"
SLUG_PREFIX = "send-bench-"
CHUNK = 5000


class CountingSink:
    """An SMTP message handler that only counts messages and their recipients."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.messages = 0
            self.recipients = Counter()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def start_sink():
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = CountingSink()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, server_hostname="sink.localhost"
    )
    controller.start()
    return controller, handler


def use_sink(port: int) -> None:
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_worker(issue_id, worker_id, port, barrier, results) -> None:
    """One worker process: set Django up, wait for the others, send, report time and memory."""
    import django

    django.setup()
    use_sink(port)
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # as in production: no log of every query

    from newsletter.issue_sending import send_issue

    try:
        barrier.wait(timeout=120)
        started, cpu_before = time.time(), cpu_seconds()
        send_issue(issue_id, worker_id=worker_id)
        ended, cpu = time.time(), cpu_seconds() - cpu_before
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.put(
            {"worker": worker_id, "start": started, "end": ended, "cpu": cpu, "peak_mb": peak_mb}
        )
    except Exception as error:
        results.put({"worker": worker_id, "error": f"{type(error).__name__}: {error}"})
    finally:
        connection.close()


def create_subscribers(number: int) -> None:
    from django.utils import timezone

    from newsletter.models import Delivery, Issue, Subscriber

    Issue.objects.filter(slug__startswith=SLUG_PREFIX).delete()
    Delivery.objects.filter(subscriber__email__endswith=f"@{DOMAIN}").delete()
    Subscriber.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    now = timezone.now()
    for start in range(0, number, CHUNK):
        Subscriber.objects.bulk_create(
            Subscriber(
                email=f"reader{i:07d}@{DOMAIN}",
                name=f"Reader {i}" if i % 2 else "",
                status=Subscriber.Status.CONFIRMED,
                consent_text="Benchmark subscriber.",
                consent_at=now,
                confirmed_at=now,
            )
            for i in range(start, min(start + CHUNK, number))
        )
        print(f"  subscribers: {min(start + CHUNK, number):,}/{number:,}", end="\r", flush=True)
    print()


def create_issue(label: str, *, deliveries: bool = True) -> int:
    """A sending issue with its deliveries made (timed separately from the send)."""
    from django.utils import timezone

    from news.models import Post
    from newsletter.issue_sending import begin
    from newsletter.models import Issue, IssueItem

    if Post.objects.published().count() < 5:
        from django.core.management import call_command

        call_command("load_demo", verbosity=0)  # posts with pictures: a full-size issue
    stamp = f"{time.time():.0f}"
    issue = Issue.objects.create(
        subject=f"Benchmark issue ({label})",
        slug=f"{SLUG_PREFIX}{label}-{stamp}",
        intro="<p>Rangers, prosecutors and customs officers met in Lima this week.</p>",
        status=Issue.Status.SENDING,
        started_at=timezone.now(),
    )
    for position, post in enumerate(Post.objects.published().order_by("-published_at")[:5]):
        IssueItem.objects.create(issue=issue, post=post, position=position)
    if not deliveries:
        return issue.pk
    started = time.monotonic()
    begin(issue.pk)
    issue.refresh_from_db()
    print(f"  {issue.recipient_count:,} deliveries made in {time.monotonic() - started:.1f} s")
    return issue.pk


def sink_capacity(port: int, issue_id: int, count: int = 300) -> tuple[float, float, int]:
    """Messages per second the sink takes from one client: over one connection, and one each."""
    import smtplib

    from django.conf import settings

    from newsletter.issue_emails import IssueContent
    from newsletter.models import Issue, Subscriber

    subscriber = Subscriber.objects.filter(email__endswith=f"@{DOMAIN}").first()
    content = IssueContent(Issue.objects.get(pk=issue_id))
    data = content.message_for(subscriber).message().as_bytes(linesep="\r\n")
    rates = []
    for per_message in (False, True):
        started = time.monotonic()
        client = None
        for i in range(count):
            if client is None:
                client = smtplib.SMTP("127.0.0.1", port, local_hostname="bench.localhost")
            client.sendmail(settings.DEFAULT_FROM_EMAIL, [f"probe{i}@{DOMAIN}"], data)
            if per_message:
                client.quit()
                client = None
        if client is not None:
            client.quit()
        rates.append(count / (time.monotonic() - started))
    return rates[0], rates[1], len(data)


def send_with_workers(issue_id: int, workers: int, sink, port: int, limit: float) -> dict:
    from newsletter.models import Delivery, Issue

    sink.reset()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(
            target=run_worker, args=(issue_id, f"bench-{workers}-{n}", port, barrier, results)
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    reports, began = [], time.monotonic()
    while len(reports) < workers:
        try:
            reports.append(results.get(timeout=5))
        except queue.Empty:
            elapsed = time.monotonic() - began
            print(f"  {elapsed:5.0f} s: {sink.messages:,} messages received", flush=True)
            if elapsed > limit:
                for process in processes:
                    process.kill()
                raise SystemExit(f"Gave up after {limit:.0f} s.") from None
    for process in processes:
        process.join()
    errors = [report["error"] for report in reports if "error" in report]
    if errors:
        raise SystemExit(f"A worker failed: {errors}")
    seconds = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    statuses = Counter(Delivery.objects.filter(issue_id=issue_id).values_list("status", flat=True))
    return {
        "seconds": seconds,
        "messages": sink.messages,
        "rate": sink.messages / seconds,
        "cpu_busy": sum(r["cpu"] for r in reports) / (seconds * workers),
        "peak_mb": max(r["peak_mb"] for r in reports),
        "duplicates": sink.messages - len(sink.recipients),
        "statuses": dict(statuses),
        "issue_status": Issue.objects.get(pk=issue_id).status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--limit", type=float, default=600, help="give up on a send after this many seconds"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from newsletter.models import Subscriber

    print(f"Database: {connection.vendor} {settings.DATABASES['default'].get('NAME')}")
    if connection.vendor != "postgresql":
        print("  (SQLite serialises writers: two workers cannot go faster than one)")
    call_command("migrate", verbosity=0)
    print(f"Creating {args.subscribers:,} confirmed subscribers @{DOMAIN}")
    create_subscribers(args.subscribers)
    confirmed = Subscriber.objects.confirmed().count()
    if confirmed != args.subscribers:
        print(f"  note: {confirmed - args.subscribers:,} other confirmed subscribers also get it")
    controller, sink = start_sink()
    port = controller.port
    use_sink(port)
    connection.close()
    print(
        f"SMTP sink on 127.0.0.1:{port}; batch size {settings.NEWSLETTER_BATCH_SIZE}; "
        f"{settings.NEWSLETTER_SMTP_CONNECTIONS} SMTP connections per worker"
    )

    results = {}
    try:
        one_connection, connection_each, size = sink_capacity(
            port, create_issue("probe", deliveries=False)
        )
        print(
            f"Sink alone, one client, {size / 1024:.1f} KB messages: {one_connection:,.0f}/s over "
            f"one connection, {connection_each:,.0f}/s with a connection per message"
        )
        for workers in (1, 2):
            print(f"Sending with {workers} worker process(es)")
            issue_id = create_issue(f"{workers}-workers")
            connection.close()
            result = send_with_workers(issue_id, workers, sink, port, args.limit)
            results[workers] = result
            print(
                f"  {result['messages']:,} messages in {result['seconds']:.1f} s = "
                f"{result['rate']:,.0f}/s; workers busy on CPU {result['cpu_busy']:.0%}; "
                f"peak worker memory {result['peak_mb']:.0f} MB; "
                f"duplicates {result['duplicates']}; deliveries {result['statuses']}; "
                f"issue {result['issue_status']}"
            )
    finally:
        controller.stop()

    one, two = results[1], results[2]
    print()
    print(f"subscribers            {args.subscribers:,}")
    print(f"messages/s, 1 worker   {one['rate']:,.0f}")
    print(f"messages/s, 2 workers  {two['rate']:,.0f}")
    print(f"peak worker memory     {max(one['peak_mb'], two['peak_mb']):.0f} MB")
    print(f"duplicates             {one['duplicates'] + two['duplicates']}")


if __name__ == "__main__":
    main()
