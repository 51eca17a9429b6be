"""Whole-page cache for anonymous visitors, and the caching headers browsers and CDNs see.

Pages are stored under a content version. Saving public content bumps the version once the
transaction has committed (`content_changed`), so a page rendered from data that a commit
is about to change is stored under the old version, which no reader trusts any more. Bumps
use the cache's atomic `incr`; a version lost from the cache (eviction, Redis restart)
starts again from the clock in microseconds, above every number handed out before.

Content can also change without a save: a scheduled post goes live at its time. The function
named by settings.PAGE_CACHE_NEXT_CHANGE tells when that happens next, and no page is kept
past it.
"""

import hashlib
import time
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.module_loading import import_string
from django.utils.translation import get_language_from_request

VERSION_KEY = "page-cache:version"
PRIVATE_PREFIXES = ("/admin/", "/news/preview/", "/newsletter/confirm/", "/newsletter/unsubscribe/")
UNCACHED_PATHS = {"/healthz"}
# Added to shared links by social networks, ad and mail tools; no page reads them. A link shared
# widely carries a different one per click, so keying pages on them would make every such
# visit a cache miss just when traffic peaks.
TRACKING_PARAMETERS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "igshid", "yclid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src",
}  # fmt: skip


# --- The content version ------------------------------------------------------------------


def fresh_version() -> int:
    return time.time_ns() // 1000


def content_version() -> int | None:
    """The current content version, or None when the cache cannot keep one (it is down)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, fresh_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_content_version() -> None:
    """Retire every cached page, at once and for every process sharing the cache."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version kept: any new one is above all earlier ones
        cache.add(VERSION_KEY, fresh_version(), timeout=None)


def content_changed(*, using=None, **kwargs) -> None:
    """Bump the content version when the current transaction commits (now, outside one).

    Takes signal arguments, so it can be connected to post_save, post_delete and m2m_changed.
    """
    transaction.on_commit(bump_content_version, using=using)


class PublicContentQuerySet(models.QuerySet):
    """A QuerySet whose bulk writes, which send no signals, retire cached pages too."""

    def update(self, **kwargs):
        changed = super().update(**kwargs)
        content_changed(using=self.db)
        return changed

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        content_changed(using=self.db)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        changed = super().bulk_update(objs, fields, *args, **kwargs)
        content_changed(using=self.db)
        return changed


def next_change(version: int) -> float | None:
    """When public content next changes by itself (a timestamp), as known for `version`."""
    key = f"page-cache:next-change:{version}"
    known = cache.get(key)
    if known is None or (known and known <= time.time()):
        upcoming: datetime | None = import_string(settings.PAGE_CACHE_NEXT_CHANGE)()
        known = upcoming.timestamp() if upcoming else 0
        cache.set(key, known, settings.PAGE_CACHE_SECONDS)
    return known or None


# --- Requests and responses -------------------------------------------------------------


def is_tracking_parameter(name: str) -> bool:
    return name in TRACKING_PARAMETERS or name.startswith("utm_")


def page_path(request) -> str:
    """The path and query string, without tracking parameters: what the page depends on."""
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return request.path
    meaningful = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not is_tracking_parameter(name)
    ]
    return f"{request.path}?{urlencode(meaningful)}" if meaningful else request.path


def mark_private(response):
    """Keep a page about one person or an unpublished post out of every cache and index."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def is_public_request(request) -> bool:
    """An anonymous GET or HEAD of a public page: the same answer for every visitor."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and request.path not in UNCACHED_PATHS
        and not request.path.startswith(PRIVATE_PREFIXES)
        and not request.path.startswith((settings.STATIC_URL, settings.MEDIA_URL))
    )


def is_cacheable_response(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
        and "Cookie" not in response.get("Vary", "")
    )


def page_key(request, version: int) -> str:
    language = get_language_from_request(request)
    raw = f"{request.scheme}|{request.get_host()}|{page_path(request)}|{language}"
    return f"page:{version}:{hashlib.sha256(raw.encode()).hexdigest()}"


def mark_public(response) -> None:
    patch_cache_control(
        response,
        public=True,
        max_age=settings.PAGE_BROWSER_MAX_AGE,
        stale_while_revalidate=settings.PAGE_STALE_WHILE_REVALIDATE,
    )
    if "ETag" not in response:
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        response["ETag"] = f'"{digest}"'


class PageCacheMiddleware:
    """Serve anonymous GET and HEAD requests from the cache, and say how others may cache them.

    A page is served from the cache only as it was stored for the same scheme, host, path,
    language and content version. Error pages are never publicly cacheable: the address of a
    scheduled post must answer the moment the post goes live.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public_request(request) or (
            settings.SECURE_SSL_REDIRECT and not request.is_secure()  # redirected to https
        ):
            return self.get_response(request)
        version = content_version() if settings.PAGE_CACHE_SECONDS > 0 else None
        key = page_key(request, version) if version is not None else None
        cached = cache.get(key) if key else None
        if cached is not None:
            return self.rebuild(cached)
        expires_at = next_change(version) if key else None
        response = self.get_response(request)
        if not is_cacheable_response(response):
            if response.status_code >= 400 and "Cache-Control" not in response:
                add_never_cache_headers(response)
            return response
        mark_public(response)
        if key:
            timeout = settings.PAGE_CACHE_SECONDS
            if expires_at is not None:
                timeout = min(timeout, int(expires_at - time.time()))
            if timeout > 0:
                stored = (response.status_code, dict(response.items()), response.content)
                cache.set(key, stored, timeout)
        return response

    @staticmethod
    def rebuild(cached) -> HttpResponse:
        status, headers, content = cached
        response = HttpResponse(content, status=status, headers=headers)
        response["X-Page-Cache"] = "hit"
        return response
