"""The page cache on Redis, as in production: shared counters, and an outage degrades."""

import os
import socket
import threading
import time
import uuid

import pytest

from core import page_cache

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def redis_cache(location: str) -> dict:
    """The production cache settings (ncasite/settings.py) against `location`."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"ncasite-test-{uuid.uuid4().hex}",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_bumps_from_many_processes_at_once_all_count(settings):
    settings.CACHES = redis_cache(REDIS_URL)
    start = page_cache.content_version()

    def bump_many():
        for _ in range(25):
            page_cache.bump_content_version()

    threads = [threading.Thread(target=bump_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert page_cache.content_version() == start + 200


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_pages_are_cached_in_redis_and_turn_over_after_a_save(settings, client, make_post):
    settings.CACHES = redis_cache(REDIS_URL)
    settings.PAGE_CACHE_SECONDS = 600
    post = make_post(title="Forest news")
    client.get("/news/")
    assert client.get("/news/")["X-Page-Cache"] == "hit"
    post.title = "River news"
    post.save()
    response = client.get("/news/")
    assert "X-Page-Cache" not in response and "River news" in response.text


def test_an_unreachable_cache_serves_pages_uncached_and_quickly(settings, client, make_post):
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{port}/0")
    settings.PAGE_CACHE_SECONDS = 600
    make_post(title="Forest news")
    started = time.monotonic()
    for _ in range(3):
        response = client.get("/news/")
        assert response.status_code == 200 and "Forest news" in response.text
        assert "X-Page-Cache" not in response
    assert time.monotonic() - started < 5  # refused connections fail at once
