"""Cached pages are served in front of Django by the WSGI application gunicorn runs."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from ncasite import page_cache
from ncasite.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """As Django's test client does: the handler must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def wsgi(path, method="GET", **headers):
    """Send a request through ncasite.wsgi.application; (status, headers, body)."""
    environ = RequestFactory().generic(method, path, **headers).environ
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started.update(status=status, headers=dict(response_headers))

    body = application(environ, start_response)
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return started["status"], started["headers"], content


@pytest.fixture
def served_by_django(monkeypatch):
    """Count the requests that reach Django's handler behind the front."""
    calls = []
    inner = application.app

    def counting(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(application, "app", counting)
    return calls


def test_second_request_is_answered_in_front_of_django(make_post, served_by_django):
    make_post(title="Forest news")
    status, headers, first = wsgi("/news/")
    assert status == "200 OK" and "X-Page-Cache" not in headers
    status, headers, second = wsgi("/news/?utm_source=newsletter")
    assert status == "200 OK" and headers["X-Page-Cache"] == "hit"
    assert second == first and b"Forest news" in second
    assert headers["Content-Length"] == str(len(second))
    assert headers["Cache-Control"].startswith("public")
    assert "Content-Security-Policy" in headers and "Set-Cookie" not in headers
    assert served_by_django == ["/news/"]


def test_front_and_middleware_hits_are_the_same_response(client, make_post):
    make_post()
    wsgi("/news/")
    _status, front_headers, front_body = wsgi("/news/")
    middleware_hit = client.get("/news/")  # the test client goes straight to Django
    assert middleware_hit["X-Page-Cache"] == "hit"
    assert front_body == middleware_hit.content
    assert front_headers == dict(middleware_hit.items())


def test_head_and_conditional_requests_in_front(make_post):
    make_post()
    _status, headers, _body = wsgi("/news/")
    status, head_headers, body = wsgi("/news/", method="HEAD")
    assert status == "200 OK" and head_headers["X-Page-Cache"] == "hit" and body == b""
    status, _headers, body = wsgi("/news/", HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status == "304 Not Modified" and body == b""


def test_what_the_front_never_answers(make_post, editor, served_by_django, settings):
    make_post()
    wsgi("/news/")
    session = f"{settings.SESSION_COOKIE_NAME}=abc"
    for method, path, extra in [
        ("GET", "/news/", {"HTTP_COOKIE": session}),  # someone logged in
        ("POST", "/news/", {}),
        ("GET", "/news/", {"HTTP_HOST": "evil.example"}),  # refused by Django: 400
        ("GET", "/admin/", {}),
        ("GET", "/healthz", {}),
    ]:
        served_by_django.clear()
        status, headers, _body = wsgi(path, method=method, **extra)
        assert served_by_django == [path], (method, path, extra)
        assert "X-Page-Cache" not in headers


def test_plain_http_goes_to_django_when_https_is_required(settings, make_post, served_by_django):
    make_post()
    wsgi("/news/", **{"wsgi.url_scheme": "https"})
    settings.SECURE_SSL_REDIRECT = True  # Django redirects it (test_page_cache.py checks that)
    served_by_django.clear()
    _status, headers, _body = wsgi("/news/")
    assert served_by_django == ["/news/"] and "X-Page-Cache" not in headers
    _status, headers, _body = wsgi("/news/", **{"wsgi.url_scheme": "https"})
    assert headers["X-Page-Cache"] == "hit" and served_by_django == ["/news/"]


def test_a_save_reaches_the_next_request_through_the_front(make_post, served_by_django):
    post = make_post(title="Old title")
    wsgi("/news/")
    post.title = "New title"
    post.save()
    _status, headers, body = wsgi("/news/")
    assert b"New title" in body and "X-Page-Cache" not in headers
    assert served_by_django == ["/news/", "/news/"]


def test_without_a_known_content_version_the_front_steps_aside(make_post, served_by_django):
    make_post()
    wsgi("/news/")
    from django.core.cache import cache

    cache.delete(page_cache.STATE_KEY)
    served_by_django.clear()
    wsgi("/news/")
    assert served_by_django == ["/news/"]


def test_page_cache_off_means_no_front(settings, make_post, served_by_django):
    settings.PAGE_CACHE_SECONDS = 0
    make_post()
    wsgi("/news/")
    wsgi("/news/")
    assert served_by_django == ["/news/", "/news/"]


def test_scheduled_post_appears_on_time_through_the_front(make_post, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    make_post(title="Already out")
    make_post(title="Goes out soon", published_at=timezone.now() + timedelta(minutes=5))
    wsgi("/news/")
    _status, headers, body = wsgi("/news/")
    assert headers["X-Page-Cache"] == "hit" and b"Goes out soon" not in body
    time_machine.move_to(timezone.now() + timedelta(minutes=5, seconds=1), tick=False)
    _status, headers, body = wsgi("/news/")
    assert "X-Page-Cache" not in headers and b"Goes out soon" in body
