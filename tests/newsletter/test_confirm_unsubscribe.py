from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from newsletter.models import Subscriber, SubscriberEmail
from tests.newsletter.conftest import (
    confirm_path,
    html_part,
    list_unsubscribe_urls,
    parse_html,
    path_of,
    unsubscribe_url_in,
    unsubscribes,
)

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def welcome_emails(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Welcome")]


def one_click_unsubscribe(url):
    """POST as a mail client does for RFC 8058: no cookie, no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    return client.post(
        path_of(url), data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )


def assert_invalid_link_page(response):
    assert response.status_code == 400
    page = parse_html(response.content)
    assert "This link does not work" in page.find("h1").text
    hrefs = {a.attrs.get("href") for a in page.find("main").find_all("a")}
    assert "/newsletter/" in hrefs
    assert f"mailto:{settings.CONTACT_EMAIL}" in hrefs
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


@pytest.fixture
def confirmed(sign_up, client, mailoutbox, django_capture_on_commit_callbacks):
    """Sign ana@example.org up and confirm through the link in the email."""
    sign_up("ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_path(mailoutbox[0]))
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    return subscriber


# --- Double opt-in, end to end ------------------------------------------------------------


def test_double_opt_in_from_signup_to_unsubscribe(
    sign_up, client, mailoutbox, django_capture_on_commit_callbacks
):
    assert sign_up("ana@example.org").status_code == 302
    [confirmation] = mailoutbox
    link = confirm_path(confirmation)

    page = client.get(link)
    assert page.status_code == 200
    assert parse_html(page.content).find("main").find("button").text == "Confirm my subscription"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        thanks = client.post(link)
    assert thanks.status_code == 200
    assert "Thank you for subscribing" in thanks.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at is not None
    assert len(welcome_emails(mailoutbox)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(link)
    assert again.status_code == 200
    assert len(welcome_emails(mailoutbox)) == 1
    assert subscriber.emails.filter(kind=SubscriberEmail.Kind.WELCOME).count() == 1

    [welcome] = welcome_emails(mailoutbox)
    [unsubscribe_url, _mailto] = list_unsubscribe_urls(welcome)
    for url in [
        unsubscribe_url,
        unsubscribe_url_in(welcome.body),
        unsubscribe_url_in(html_part(welcome)),
    ]:
        assert unsubscribes(url) == subscriber
    page = client.get(path_of(unsubscribe_url))
    assert parse_html(page.content).find("main").find("button").text == "Unsubscribe me"
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED

    goodbye = client.post(path_of(unsubscribe_url))
    assert goodbye.status_code == 200
    assert "You are unsubscribed" in goodbye.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_confirmation_link_does_not_confirm(sign_up, client, mailoutbox, method):
    sign_up()
    response = getattr(client, method)(confirm_path(mailoutbox[0]))
    assert response.status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert len(mailoutbox) == 1


def test_confirmation_page_of_a_confirmed_address_has_no_button(confirmed, client, mailoutbox):
    response = client.get(confirm_path(mailoutbox[0]))
    assert "already subscribed" in response.content.decode()
    assert not parse_html(response.content).find("main").find_all("button")


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_unsubscribe_link_does_not_unsubscribe(confirmed, client, method):
    response = getattr(client, method)(path_of(confirmed.unsubscribe_url()))
    assert response.status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.CONFIRMED


def test_pages_about_one_subscriber_are_private(sign_up, client, mailoutbox):
    sign_up()
    unsubscribe_url = Subscriber.objects.get().unsubscribe_url()
    for url in [confirm_path(mailoutbox[0]), path_of(unsubscribe_url)]:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
        assert response["X-Robots-Tag"] == "noindex", url


def test_confirm_and_unsubscribe_pages_are_never_served_from_the_page_cache(
    sign_up, client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    sign_up()
    link = confirm_path(mailoutbox[0])
    unsubscribe = path_of(Subscriber.objects.get().unsubscribe_url())
    for url in [link, unsubscribe]:
        client.get(url)
        assert "X-Page-Cache" not in client.get(url), url

    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    assert "already subscribed" in client.get(link).content.decode()
    client.post(unsubscribe)
    assert "already unsubscribed" in client.get(unsubscribe).content.decode()


# --- One-click unsubscribe (RFC 8058) -----------------------------------------------------


@pytest.mark.parametrize("which", ["confirmation", "welcome"])
def test_one_click_unsubscribe_with_the_list_unsubscribe_header(confirmed, mailoutbox, which):
    message = mailoutbox[0] if which == "confirmation" else welcome_emails(mailoutbox)[0]
    [url, mailto] = list_unsubscribe_urls(message)
    assert mailto.startswith("mailto:")

    response = one_click_unsubscribe(url)

    assert response.status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.UNSUBSCRIBED
    assert not response.cookies


def test_one_click_unsubscribe_works_for_a_pending_address(sign_up, mailoutbox):
    sign_up()
    [url, _] = list_unsubscribe_urls(mailoutbox[0])
    assert one_click_unsubscribe(url).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


def test_one_click_unsubscribe_twice_is_harmless(confirmed):
    url = confirmed.unsubscribe_url()
    assert one_click_unsubscribe(url).status_code == 200
    confirmed.refresh_from_db()
    unsubscribed_at = confirmed.unsubscribed_at
    assert one_click_unsubscribe(url).status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.UNSUBSCRIBED
    assert confirmed.unsubscribed_at == unsubscribed_at


def test_unsubscribe_link_keeps_working_for_years(confirmed):
    url = confirmed.unsubscribe_url()
    with time_machine.travel(timezone.now() + timedelta(days=3 * 365)):
        assert one_click_unsubscribe(url).status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.UNSUBSCRIBED


# --- Subscribing again --------------------------------------------------------------------


def test_resubscribing_after_unsubscribing_needs_a_new_confirmation(
    confirmed, sign_up, client, mailoutbox, django_capture_on_commit_callbacks
):
    old_link = confirm_path(mailoutbox[0])
    one_click_unsubscribe(confirmed.unsubscribe_url())
    sent_before = len(mailoutbox)

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert sign_up("ana@example.org").status_code == 302
        confirmed.refresh_from_db()
        assert confirmed.status == Subscriber.Status.PENDING
        assert confirmed.confirmed_at is None and confirmed.unsubscribed_at is None
        [new_confirmation] = mailoutbox[sent_before:]
        new_link = confirm_path(new_confirmation)
        assert new_link != old_link

        with django_capture_on_commit_callbacks(execute=True):
            stale = client.post(old_link)
        assert_invalid_link_page(stale)
        confirmed.refresh_from_db()
        assert confirmed.status == Subscriber.Status.PENDING

        with django_capture_on_commit_callbacks(execute=True):
            client.post(new_link)
    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.CONFIRMED
    assert len(welcome_emails(mailoutbox)) == 2


def test_resubscribing_right_after_unsubscribing_sends_a_new_confirmation(
    confirmed, sign_up, mailoutbox
):
    one_click_unsubscribe(confirmed.unsubscribe_url())
    sent_before = len(mailoutbox)

    sign_up("ana@example.org")

    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.PENDING
    [new_confirmation] = mailoutbox[sent_before:]
    assert confirm_path(new_confirmation)


def test_old_confirmation_link_does_not_resubscribe_an_unsubscribed_address(
    confirmed, client, mailoutbox, django_capture_on_commit_callbacks
):
    old_link = confirm_path(mailoutbox[0])
    one_click_unsubscribe(confirmed.unsubscribe_url())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(old_link)

    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.UNSUBSCRIBED
    assert len(welcome_emails(mailoutbox)) == 1


def test_old_confirmation_link_of_an_unsubscribed_address_does_not_claim_success(
    confirmed, client, mailoutbox
):
    old_link = confirm_path(mailoutbox[0])
    one_click_unsubscribe(confirmed.unsubscribe_url())

    page = client.get(old_link).content.decode()
    answer = client.post(old_link).content.decode()

    assert "Confirm my subscription" not in page
    assert "Your subscription is confirmed" not in answer


# --- Links that do not work ---------------------------------------------------------------


def tampered(token: str) -> list[str]:
    payload, timestamp, signature = token.rsplit(":", 2)
    flipped = "A" if signature[-1] != "A" else "B"
    return [
        token[:-1] + flipped,
        ("e" if payload[0] != "e" else "f") + token[1:],
        token[: len(token) // 2],
        f"{payload}:{timestamp}:",
        "not-a-token",
        "a:b:c",
        "%C3%A9:%00",
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_confirm_token_gives_the_invalid_link_page(make_subscriber, client, method):
    subscriber = make_subscriber()
    for token in tampered(subscriber.confirmation_token()):
        response = getattr(client, method)(f"/newsletter/confirm/{token}/")
        assert_invalid_link_page(response)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_unsubscribe_token_gives_the_invalid_link_page(make_subscriber, client, method):
    subscriber = make_subscriber(status=Subscriber.Status.CONFIRMED)
    for token in tampered(subscriber.unsubscribe_token()):
        response = getattr(client, method)(f"/newsletter/unsubscribe/{token}/")
        assert_invalid_link_page(response)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_confirm_and_unsubscribe_tokens_are_not_interchangeable(make_subscriber, client):
    subscriber = make_subscriber()
    confirm_token = subscriber.confirmation_token()
    unsubscribe_token = subscriber.unsubscribe_token()

    assert_invalid_link_page(client.post(f"/newsletter/unsubscribe/{confirm_token}/"))
    assert_invalid_link_page(client.post(f"/newsletter/confirm/{unsubscribe_token}/"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_another_subscribers_token_does_not_fit(make_subscriber, client):
    ana = make_subscriber(email="ana@example.org")
    ben = make_subscriber(email="ben@example.org")
    assert ana.pk != ben.pk
    ana.email = ben.email  # a token made for Ben's address, carrying Ana's id
    token = ana.confirmation_token()
    assert_invalid_link_page(client.post(f"/newsletter/confirm/{token}/"))


def test_expired_confirmation_link_gives_the_invalid_link_page(sign_up, client, mailoutbox):
    sign_up()
    link = confirm_path(mailoutbox[0])
    days = settings.NEWSLETTER_CONFIRMATION_DAYS

    with time_machine.travel(timezone.now() + timedelta(days=days, minutes=1)):
        assert_invalid_link_page(client.get(link))
        assert_invalid_link_page(client.post(link))
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_confirmation_link_works_until_it_expires(sign_up, client, mailoutbox):
    sign_up()
    link = confirm_path(mailoutbox[0])
    days = settings.NEWSLETTER_CONFIRMATION_DAYS

    with time_machine.travel(timezone.now() + timedelta(days=days, minutes=-1)):
        assert client.post(link).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_links_of_a_deleted_subscriber_give_the_invalid_link_page(make_subscriber, client):
    subscriber = make_subscriber()
    confirm_url, unsubscribe_url = subscriber.confirmation_url(), subscriber.unsubscribe_url()
    subscriber.delete()

    for url in [confirm_url, unsubscribe_url]:
        assert_invalid_link_page(client.get(path_of(url)))
        assert_invalid_link_page(client.post(path_of(url)))
    assert_invalid_link_page(one_click_unsubscribe(unsubscribe_url))


def test_tokens_are_not_stored_in_the_database(confirmed, mailoutbox):
    tokens = {
        path_of(confirmed.confirmation_url()).split("/")[-2],
        path_of(confirmed.unsubscribe_url()).split("/")[-2],
        confirm_path(mailoutbox[0]).split("/")[-2],
    }
    signatures = {token.rsplit(":", 1)[1] for token in tokens}
    stored = [
        str(value)
        for model in (Subscriber, SubscriberEmail)
        for row in model.objects.values_list()
        for value in row
    ]
    assert stored
    for secret in tokens | signatures:
        assert not any(secret in value for value in stored), secret
