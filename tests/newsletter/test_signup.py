import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone

from newsletter.forms import RENDERED_AT_SALT
from newsletter.models import Subscriber, SubscriberEmail
from tests.newsletter.conftest import (
    CHECK_INBOX,
    confirm_path,
    parse_html,
    path_of,
    signed_rendered_at,
    signup_data,
)

pytestmark = pytest.mark.django_db


def assert_field_error(response, field_name, message):
    """A 400 page whose error text is tied to its field by aria-describedby."""
    assert response.status_code == 400
    page = parse_html(response.content)
    field = page.find("input", name=field_name)
    assert field.attrs.get("aria-invalid") == "true"
    error = page.find(id=field.attrs["aria-describedby"])
    assert message in error.text
    assert page.find_all(role="alert"), "the page announces that something needs fixing"


def assert_nothing_stored(mailoutbox):
    assert not Subscriber.objects.exists()
    assert not SubscriberEmail.objects.exists()
    assert mailoutbox == []


# --- A sign-up that works -----------------------------------------------------------------


def test_signup_stores_pending_subscriber_and_sends_one_confirmation(sign_up, mailoutbox):
    response = sign_up("ana@example.org", name="  Ana   Lima ", source="/members/")

    assert response.status_code == 302
    assert response["Location"] == CHECK_INBOX
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ana@example.org"
    assert subscriber.name == "Ana Lima"
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.confirmed_at is None
    assert subscriber.consent_text == settings.NEWSLETTER_CONSENT_TEXT
    assert subscriber.consent_at is not None
    assert subscriber.consent_source == "/members/"
    assert [m.to for m in mailoutbox] == [["ana@example.org"]]
    assert subscriber.emails.get().status == SubscriberEmail.Status.SENT


def test_signup_keeps_a_hash_of_the_client_address_not_the_address(sign_up):
    sign_up(remote_addr="203.0.113.77")

    subscriber = Subscriber.objects.get()
    assert subscriber.consent_client_hash
    stored = [str(value) for value in Subscriber.objects.values_list().get()]
    assert not any("203.0.113.77" in value for value in stored)


def test_signup_with_the_footer_form_of_a_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    page = parse_html(client.get("/news/").content)
    form = page.find("form", action="/newsletter/")
    hidden = {
        i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input", type="hidden")
    }
    assert hidden["source"] == "/news/"
    assert hidden["rendered_at"] == ""  # the page may be cached: no stamp in it
    hidden["rendered_at"] = client.get(form.attrs["data-stamp-url"]).json()["stamp"]

    later = time.time() + settings.NEWSLETTER_MIN_SUBMIT_SECONDS + 1
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/newsletter/", hidden | {"email": "ana@example.org", "consent": "on", "homepage": ""}
        )

    assert response.status_code == 302
    assert response["Location"] == CHECK_INBOX
    assert Subscriber.objects.get().consent_source == "/news/"
    assert len(mailoutbox) == 1


def test_check_inbox_page_tells_what_happens_next(client):
    response = client.get(CHECK_INBOX)
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


# --- Input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "Please enter a valid email address"),
        ("ana@example", "Please enter a valid email address"),
        ("", "Please enter your email address."),
        ("   ", "Please enter your email address."),
        ("a" * 288 + "@example.org", "at most 254 characters (it has 300)"),
        ("josé@exämple.org", "Please enter a valid email address"),
    ],
)
def test_signup_rejects_unusable_email_address(sign_up, mailoutbox, email, message):
    response = sign_up(email)
    assert_field_error(response, "email", message)
    assert_nothing_stored(mailoutbox)


def test_signup_without_consent_is_rejected(sign_up, mailoutbox):
    response = sign_up(consent="")
    assert_field_error(response, "consent", "Please tick the box")
    assert_nothing_stored(mailoutbox)


def test_signup_with_name_over_100_characters_is_rejected(sign_up, mailoutbox):
    response = sign_up(name="N" * 101)
    assert_field_error(response, "name", "at most 100 characters")
    assert_nothing_stored(mailoutbox)


def test_rejected_signup_keeps_what_was_typed_and_is_not_cached(sign_up):
    response = sign_up("ana@example", name="Ana Lima")
    page = parse_html(response.content)
    assert page.find("input", name="email").attrs["value"] == "ana@example"
    assert page.find("input", name="name").attrs["value"] == "Ana Lima"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("jose@EXÄMPLE.org", "jose@exämple.org"),
        ("ana@例え.JP", "ana@例え.jp"),
        ("Ana.Lima@Example.ORG", "Ana.Lima@example.org"),
    ],
)
def test_signup_accepts_international_domains_and_lower_cases_the_domain(
    sign_up, mailoutbox, typed, stored
):
    # Django's EmailValidator takes Unicode domains (IDNA) but only ASCII local parts.
    response = sign_up(typed)
    assert response["Location"] == CHECK_INBOX
    assert Subscriber.objects.get().email == stored
    assert [m.to for m in mailoutbox] == [[stored]]


def test_mixed_case_duplicates_end_as_one_subscriber(sign_up, mailoutbox):
    first = sign_up("Ana@Example.org")
    second = sign_up("ana@example.ORG")

    assert first["Location"] == second["Location"] == CHECK_INBOX
    subscriber = Subscriber.objects.get()
    assert subscriber.email.lower() == "ana@example.org"
    assert len(mailoutbox) == 1


def test_html_in_the_name_is_stored_as_plain_text(sign_up):
    sign_up(name="<script>alert(1)</script>")
    assert Subscriber.objects.get().name == "<script>alert(1)</script>"


# --- Robots and the time trap -------------------------------------------------------------


def test_filled_honeypot_gets_the_success_redirect_and_nothing_is_stored(sign_up, mailoutbox):
    response = sign_up(homepage="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == CHECK_INBOX
    assert_nothing_stored(mailoutbox)


def confirmation_step(response) -> dict:
    """The fields of the one-step "Confirm your subscription" page, after checking it."""
    assert response.status_code == 200
    assert "Confirm your subscription" in response.text
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    form = parse_html(response.content).find("form", action="/newsletter/")
    return {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param(lambda: signed_rendered_at(seconds_ago=0), id="too-fast"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: signed_rendered_at()[:-2] + "xx", id="tampered"),
        pytest.param(lambda: signing.dumps("yesterday", salt=RENDERED_AT_SALT), id="not-a-time"),
        pytest.param(
            lambda: signing.dumps(time.time() - 60, salt="another.salt"),
            id="signed-for-something-else",
        ),
        pytest.param(lambda: signed_rendered_at(seconds_ago=25 * 3600), id="older-than-a-day"),
    ],
)
def test_signup_without_a_ripe_stamp_asks_for_one_more_press(sign_up, mailoutbox, stamp):
    response = sign_up(rendered_at=stamp())
    fields = confirmation_step(response)
    assert_nothing_stored(mailoutbox)
    assert fields["email"] == "ana@example.org" and fields["source"] == "/news/"
    assert signing.loads(fields["rendered_at"], salt=RENDERED_AT_SALT) == pytest.approx(
        time.time(), abs=5
    )


def test_signup_without_any_stamp_field_asks_for_one_more_press(client, mailoutbox):
    data = signup_data()
    del data["rendered_at"]
    confirmation_step(client.post("/newsletter/", data))
    assert_nothing_stored(mailoutbox)


def test_a_person_who_presses_confirm_is_subscribed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    fields = confirmation_step(client.post("/newsletter/", signup_data(rendered_at="")))
    with time_machine.travel(time.time() + settings.NEWSLETTER_MIN_SUBMIT_SECONDS + 1):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/newsletter/", fields)
    assert response["Location"] == CHECK_INBOX
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.name, subscriber.consent_source) == (
        "ana@example.org",
        "Ana Lima",
        "/news/",
    )
    assert [message.to for message in mailoutbox] == [["ana@example.org"]]


def test_a_robot_that_presses_confirm_at_once_is_asked_again(client, mailoutbox):
    fields = confirmation_step(client.post("/newsletter/", signup_data(rendered_at="")))
    confirmation_step(client.post("/newsletter/", fields))
    assert_nothing_stored(mailoutbox)


def test_stamp_endpoint_is_fresh_private_and_sets_no_cookie(client, time_machine):
    time_machine.move_to(1_800_000_000, tick=False)
    first = client.get("/newsletter/stamp/")
    time_machine.move_to(1_800_000_004, tick=False)
    second = client.get("/newsletter/stamp/")
    stamps = [signing.loads(r.json()["stamp"], salt=RENDERED_AT_SALT) for r in (first, second)]
    assert stamps == [1_800_000_000, 1_800_000_004]
    assert "no-store" in second["Cache-Control"] and "private" in second["Cache-Control"]
    assert not second.cookies and not client.cookies


@pytest.mark.parametrize("url", ["/", "/newsletter/"])
def test_honeypot_is_hidden_from_people_screen_readers_and_autofill(client, url):
    page = parse_html(client.get(url).content)
    [honeypot] = page.find_all("input", name="homepage")
    assert honeypot.attrs.get("tabindex") == "-1"
    assert honeypot.attrs.get("autocomplete") == "off"
    wrapper = next(a for a in honeypot.ancestors() if a.attrs.get("aria-hidden") == "true")
    assert wrapper.find_all("label", **{"for": honeypot.attrs["id"]})
    assert "hp" in wrapper.attrs.get("class", "").split()


# --- Rate limit ---------------------------------------------------------------------------


def test_fourth_signup_in_a_minute_from_one_address_is_refused(sign_up, settings, mailoutbox):
    settings.NEWSLETTER_SIGNUP_RATE = "3/m"
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(3):
            assert sign_up(f"person{n}@example.org", remote_addr="203.0.113.5").status_code == 302
        refused = sign_up("person3@example.org", remote_addr="203.0.113.5")
        elsewhere = sign_up("person4@example.org", remote_addr="198.51.100.9")

    assert refused.status_code == 429
    assert "Too many sign-ups from your connection" in refused.content.decode()
    assert "try again" in refused.content.decode()
    assert "no-store" in refused["Cache-Control"]
    assert elsewhere.status_code == 302
    assert not Subscriber.objects.filter(email="person3@example.org").exists()
    assert Subscriber.objects.count() == 4


# --- The same answer whatever the address's state -----------------------------------------


def test_every_address_state_gets_the_same_answer(sign_up, make_subscriber, settings):
    settings.NEWSLETTER_SIGNUP_RATE = "100/m"
    make_subscriber(email="pending@example.org")
    make_subscriber(email="confirmed@example.org", status=Subscriber.Status.CONFIRMED)
    make_subscriber(email="gone@example.org", status=Subscriber.Status.UNSUBSCRIBED)

    answers = {
        email: sign_up(email)
        for email in [
            "new@example.org",
            "pending@example.org",
            "confirmed@example.org",
            "gone@example.org",
        ]
    }

    def shape(response):
        headers = {k: v for k, v in response.headers.items() if k not in {"Date"}}
        return response.status_code, headers, response.content, dict(response.cookies)

    new = shape(answers.pop("new@example.org"))
    assert new[0] == 302
    assert new[1]["Location"] == CHECK_INBOX
    for email, response in answers.items():
        assert shape(response) == new, email


def test_pending_address_gets_a_fresh_confirmation_only_after_the_resend_interval(
    sign_up, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_up()
        clock.shift(timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES - 1))
        sign_up()
        assert len(mailoutbox) == 1
        clock.shift(timedelta(minutes=2))
        sign_up()

    assert len(mailoutbox) == 2
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert confirm_path(mailoutbox[1])


def test_confirmed_address_signing_up_again_gets_no_email(sign_up, make_subscriber, mailoutbox):
    subscriber = make_subscriber(email="ana@example.org", status=Subscriber.Status.CONFIRMED)
    confirmed_at = subscriber.confirmed_at

    with time_machine.travel(timezone.now() + timedelta(days=30)):
        sign_up("ana@example.org")

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at == confirmed_at
    assert mailoutbox == []
    assert not subscriber.emails.exists()


# --- Cookies ------------------------------------------------------------------------------


@pytest.fixture
def public_urls(make_post, make_organisation, make_subscriber):
    make_post()
    make_organisation()
    subscriber = make_subscriber()
    return [
        "/",
        "/news/",
        "/members/",
        "/newsletter/",
        CHECK_INBOX,
        path_of(subscriber.confirmation_url()),
        path_of(subscriber.unsubscribe_url()),
    ]


def test_public_newsletter_pages_set_no_cookie(public_urls):
    client = Client()
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert "Set-Cookie" not in response.headers, url
    assert not client.cookies


def test_signup_post_sets_no_cookie(sign_up, client):
    response = sign_up()
    assert response.status_code == 302
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert not client.cookies


def test_rejected_signup_sets_no_cookie(sign_up, client):
    response = sign_up("not-an-email")
    assert response.status_code == 400
    assert not response.cookies
    assert not client.cookies


def served_from_the_cache(client, url) -> dict:
    """The hidden fields of the footer form of `url`, as a visitor gets it from the cache."""
    cached = client.get(url)
    assert cached["X-Page-Cache"] == "hit"
    assert not cached.cookies
    form = parse_html(cached.content).find("form", action="/newsletter/")
    return {
        i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input", type="hidden")
    }


def test_a_bot_posting_the_form_of_a_cached_page_at_once_is_not_subscribed(
    page_cache, client, mailoutbox, settings
):
    settings.NEWSLETTER_SIGNUP_RATE = "100/m"  # the rate limit is tested on its own
    client.get("/news/")
    hidden = served_from_the_cache(client, "/news/")
    for delay in (0, 0.5, 0.9):  # with the page's stamp, or one it fetched just now
        stamp = client.get("/newsletter/stamp/").json()["stamp"]
        with time_machine.travel(time.time() + delay):
            for rendered_at in (hidden["rendered_at"], stamp):
                response = client.post("/newsletter/", signup_data(rendered_at=rendered_at))
                confirmation_step(response)
    assert_nothing_stored(mailoutbox)


def test_a_person_using_the_form_of_a_cached_page_is_subscribed_with_or_without_script(
    page_cache, client, mailoutbox
):
    client.get("/news/")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        hidden = served_from_the_cache(client, "/news/")
        stamp = client.get("/newsletter/stamp/").json()["stamp"]  # the script, on focus
        with time_machine.travel(time.time() + 8):  # typing
            response = client.post("/newsletter/", signup_data(rendered_at=stamp))
            assert response["Location"] == CHECK_INBOX
            # Without the script: one more press on the confirmation step.
            data = signup_data("bea@example.org", rendered_at=hidden["rendered_at"])
            fields = confirmation_step(client.post("/newsletter/", data))
            with time_machine.travel(time.time() + 3):
                assert client.post("/newsletter/", fields)["Location"] == CHECK_INBOX

    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "ana@example.org",
        "bea@example.org",
    ]
    assert sorted(message.to[0] for message in mailoutbox) == ["ana@example.org", "bea@example.org"]
    assert not client.cookies
