import csv
import io
import tracemalloc

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Subscriber, SubscriberEmail
from tests.newsletter.conftest import parse_html

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/newsletter/subscriber/"
HEADER = [
    "email",
    "name",
    "status",
    "language",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
    "consent_at",
    "consent_source",
]


def export_url(query=""):
    return reverse("admin:newsletter_subscriber_export") + query


def read_csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="subscribers-')
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def subscribers(make_subscriber):
    """Two confirmed, one pending and one unsubscribed subscriber, by email."""
    rows = [
        make_subscriber(email="ana@example.org", name="Ana", status=Subscriber.Status.CONFIRMED),
        make_subscriber(email="ben@example.org", name="Ben", status=Subscriber.Status.CONFIRMED),
        make_subscriber(email="cleo@example.org", name="Cleo"),
        make_subscriber(email="dan@example.org", name="Dan", status=Subscriber.Status.UNSUBSCRIBED),
    ]
    return {subscriber.email: subscriber for subscriber in rows}


# --- The editors' list --------------------------------------------------------------------


def test_editor_sees_subscribers_with_counts_by_status(editor_client, subscribers):
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for email in subscribers:
        assert email in html
    assert "Pending confirmation: <strong>1</strong>" in html
    assert "Confirmed: <strong>2</strong>" in html
    assert "Unsubscribed: <strong>1</strong>" in html


def test_editor_filters_subscribers_by_status(editor_client, subscribers):
    html = editor_client.get(CHANGELIST + "?status__exact=confirmed").content.decode()
    assert "ana@example.org" in html and "ben@example.org" in html
    assert "cleo@example.org" not in html and "dan@example.org" not in html


def test_editor_searches_subscribers_by_email_and_name(editor_client, subscribers):
    by_email = editor_client.get(CHANGELIST + "?q=cleo@").content.decode()
    assert "cleo@example.org" in by_email and "ana@example.org" not in by_email
    by_name = editor_client.get(CHANGELIST + "?q=Dan").content.decode()
    assert "dan@example.org" in by_name and "ben@example.org" not in by_name


def test_editor_cannot_add_subscribers(editor_client):
    assert editor_client.get(CHANGELIST + "add/").status_code == 403
    response = editor_client.post(
        CHANGELIST + "add/", {"email": "new@example.org", "status": "confirmed"}
    )
    assert response.status_code == 403
    assert not Subscriber.objects.exists()
    assert CHANGELIST + "add/" not in editor_client.get(CHANGELIST).content.decode()


def test_editor_can_view_but_not_change_a_subscriber(editor_client, subscribers):
    ana = subscribers["ana@example.org"]
    url = f"{CHANGELIST}{ana.pk}/change/"
    page = editor_client.get(url)
    assert page.status_code == 200
    assert not parse_html(page.content).find_all("input", name="email")

    response = editor_client.post(
        url,
        {
            "email": "mallory@example.org",
            "name": "Mallory",
            "status": "unsubscribed",
            "language": "en",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 403
    before = {f: getattr(ana, f) for f in ("email", "name", "status", "confirmed_at")}
    ana.refresh_from_db()
    assert {f: getattr(ana, f) for f in before} == before


def test_editor_sees_the_emails_owed_to_a_subscriber(editor_client, make_subscriber):
    subscriber = make_subscriber()
    SubscriberEmail.objects.create(
        subscriber=subscriber,
        kind=SubscriberEmail.Kind.CONFIRM,
        attempts=2,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    html = editor_client.get(f"{CHANGELIST}{subscriber.pk}/change/").content.decode()
    assert "Confirmation request" in html
    assert "ConnectionRefusedError" in html


# --- Export -------------------------------------------------------------------------------


def test_export_of_the_filtered_list_is_a_streamed_csv(editor_client, subscribers):
    response = editor_client.get(export_url("?status=confirmed"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    header, *rows = read_csv(response)
    assert header == HEADER
    assert sorted(row[0] for row in rows) == ["ana@example.org", "ben@example.org"]
    ana = next(row for row in rows if row[0] == "ana@example.org")
    assert ana[1:4] == ["Ana", "confirmed", "en"]
    assert ana[HEADER.index("unsubscribed_at")] == ""


def test_export_link_on_the_list_keeps_its_filter_and_search(editor_client, subscribers):
    page = parse_html(editor_client.get(CHANGELIST + "?status__exact=confirmed&q=ben").content)
    [link] = [a for a in page.find_all("a") if a.text == "Export these subscribers to CSV"]

    _, *rows = read_csv(editor_client.get(link.attrs["href"]))

    assert [row[0] for row in rows] == ["ben@example.org"]


def test_export_without_filter_has_every_subscriber(editor_client, subscribers):
    _, *rows = read_csv(editor_client.get(export_url()))
    assert sorted(row[0] for row in rows) == sorted(subscribers)


@pytest.mark.parametrize("query", ["?created_at__gte=not-a-date", "?no_such_field=1"])
def test_export_with_a_broken_filter_is_not_a_server_error(editor_client, subscribers, query):
    editor_client.raise_request_exception = False
    response = editor_client.get(export_url(query))
    assert response.status_code in (302, 400)


def test_export_selected_action_exports_the_selected_subscribers(editor_client, subscribers):
    chosen = [subscribers["cleo@example.org"].pk, subscribers["dan@example.org"].pk]
    response = editor_client.post(
        CHANGELIST, {"action": "export_selected", ACTION_CHECKBOX_NAME: chosen, "index": 0}
    )

    header, *rows = read_csv(response)
    assert header == HEADER
    assert sorted(row[0] for row in rows) == ["cleo@example.org", "dan@example.org"]


def test_contributor_can_neither_view_nor_export_subscribers(contributor_client, subscribers):
    assert contributor_client.get(CHANGELIST).status_code == 403
    assert contributor_client.get(export_url()).status_code == 403
    pks = [subscriber.pk for subscriber in subscribers.values()]
    response = contributor_client.post(
        CHANGELIST, {"action": "export_selected", ACTION_CHECKBOX_NAME: pks, "index": 0}
    )
    assert response.status_code == 403
    assert not isinstance(response, StreamingHttpResponse)


def test_staff_who_may_view_but_not_export_gets_no_export(client, make_user, subscribers):
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(viewer)

    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "Export these subscribers to CSV" not in page.content.decode()
    assert 'value="export_selected"' not in page.content.decode()
    assert client.get(export_url()).status_code == 403
    pks = [subscriber.pk for subscriber in subscribers.values()]
    response = client.post(
        CHANGELIST, {"action": "export_selected", ACTION_CHECKBOX_NAME: pks, "index": 0}
    )
    assert not isinstance(response, StreamingHttpResponse)


def test_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(export_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_export_of_many_subscribers_streams_in_bounded_memory(editor_client):
    now = timezone.now()
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"subscriber.with.a.long.address.{n:05}@ministry-of-environment.example.org",
                name=f"{n:05} {'Name ' * 19}",
                status=Subscriber.Status.CONFIRMED,
                confirmed_at=now,
                consent_at=now,
                consent_source=f"/news/{n:05}/{'article-about-illegal-logging-' * 6}",
            )
            for n in range(10_000)
        ],
        batch_size=1000,
    )

    # Warm up first, so that only what the export itself holds is measured.
    read_csv(editor_client.get(export_url("?q=nobody")))
    tracemalloc.start()
    try:
        response = editor_client.get(export_url("?status=confirmed"))
        assert isinstance(response, StreamingHttpResponse)
        lines = size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert lines == 10_001
    assert size > 1_000_000
    # Holding every row at once takes 9-13 MB here; streaming in chunks about 4 MB.
    assert peak < 6 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


# --- Delete -------------------------------------------------------------------------------


def test_editor_deletes_a_subscriber_with_its_emails(editor_client, make_subscriber):
    subscriber = make_subscriber()
    other = make_subscriber()
    for owner in (subscriber, other):
        SubscriberEmail.objects.create(subscriber=owner, kind=SubscriberEmail.Kind.CONFIRM)
    SubscriberEmail.objects.create(subscriber=subscriber, kind=SubscriberEmail.Kind.WELCOME)
    url = f"{CHANGELIST}{subscriber.pk}/delete/"

    assert editor_client.get(url).status_code == 200
    response = editor_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert not SubscriberEmail.objects.filter(subscriber_id=subscriber.pk).exists()
    assert SubscriberEmail.objects.filter(subscriber=other).count() == 1


def test_contributor_cannot_delete_a_subscriber(contributor_client, make_subscriber):
    subscriber = make_subscriber()
    response = contributor_client.post(f"{CHANGELIST}{subscriber.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
