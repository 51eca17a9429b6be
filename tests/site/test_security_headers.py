"""Permissions-Policy, Cross-Origin-Resource-Policy and security.txt, through the page cache too."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

pytestmark = pytest.mark.django_db

DENIED = ["camera", "microphone", "geolocation", "payment", "usb"]


def assert_page_headers(response):
    policy = response["Permissions-Policy"]
    for feature in DENIED:
        assert f"{feature}=()" in policy
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_pages_deny_unused_browser_features_and_cross_origin_loads(client, make_post):
    post = make_post()
    for url in ["/", "/news/", post.get_absolute_url(), "/members/", "/admin/login/"]:
        assert_page_headers(client.get(url))


def test_cached_pages_keep_the_headers(page_cache, client, make_post):
    make_post()
    first = client.get("/news/")
    again = client.get("/news/")
    assert again.content == first.content  # served from the page cache
    assert_page_headers(again)


def test_feeds_and_text_files_are_not_marked_same_origin_only(client, make_post):
    make_post()
    assert "Cross-Origin-Resource-Policy" not in client.get("/news/feed/")
    assert "Cross-Origin-Resource-Policy" not in client.get("/robots.txt")


@time_machine.travel(datetime(2026, 12, 2, 10, 30, tzinfo=UTC), tick=False)
def test_security_txt_names_the_contact_and_expires_a_year_ahead(client, settings):
    settings.NCASITE_SECURITY_CONTACT = "mailto:security@alliance.example"
    settings.NCASITE_BASE_URL = "https://alliance.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Contact: mailto:security@alliance.example\n" in text
    assert "Canonical: https://alliance.example/.well-known/security.txt\n" in text
    expires = re.search(r"^Expires: (\S+)$", text, re.M).group(1)
    assert datetime.fromisoformat(expires) == datetime(2026, 12, 2, 10, 30, tzinfo=UTC) + timedelta(
        days=365
    )
    assert "Set-Cookie" not in response


def test_security_txt_refuses_writes(client):
    assert client.post("/.well-known/security.txt").status_code == 405
