"""Whole-page cache for anonymous visitors, and HTTP caching headers for browsers and CDNs.

Every cached page's key holds a content version. Saving or deleting public content bumps the
version, so the next request renders afresh. The version also turns over when the next
scheduled post's time comes, so a scheduled post appears on time even with a warm cache.
"""

import hashlib
from datetime import datetime
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.middleware.http import ConditionalGetMiddleware
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language_from_request

STATE_KEY = "page-cache:state"
PRIVATE_PREFIXES = ("/admin/", "/news/preview/", "/newsletter/confirm/", "/newsletter/unsubscribe/")
UNCACHED_PATHS = {"/healthz"}
# Added to shared links by social networks, ad and mail tools; no page reads them. A link shared
# widely carries a different one per click, so keying pages on them would make every such
# visit a cache miss just when traffic peaks.
TRACKING_PARAMETERS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "igshid", "yclid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src",
}  # fmt: skip
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
    "Referrer-Policy",
    "Vary",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Strict-Transport-Security",
    "Cache-Control",
    "ETag",
    "Last-Modified",
)


def next_publication_time() -> datetime | None:
    from news.models import Post

    return (
        Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def known_version() -> int | None:
    """The content version if the cache holds a current one, without asking the database."""
    state = cache.get(STATE_KEY)
    if state is None or (state[1] is not None and state[1] <= timezone.now().timestamp()):
        return None
    return state[0]


def current_state() -> tuple[int, float | None]:
    """The content version, and when it expires because a scheduled post goes live."""
    state = cache.get(STATE_KEY)
    now = timezone.now().timestamp()
    if state is None or (state[1] is not None and state[1] <= now):
        version = (state[0] + 1) if state else int(now)
        upcoming = next_publication_time()
        state = (version, upcoming.timestamp() if upcoming else None)
        cache.set(STATE_KEY, state, None)
    return state


def kept(name: str, compute):
    """compute()'s answer, kept in the cache until public content changes.

    For small answers that many renders ask for, such as counts. `name` must hold everything
    the answer depends on besides public content (a date, a category). Like the card cache,
    it lasts NCASITE_FRAGMENT_CACHE_SECONDS at most; 0 computes every time.
    """
    if settings.FRAGMENT_CACHE_SECONDS <= 0:
        return compute()
    version, _expires = current_state()
    key = f"kept:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.FRAGMENT_CACHE_SECONDS)
    return value


def bump_content_version(**kwargs) -> None:
    """Make every cached page stale. Connected to saves and deletes of public content."""
    state = cache.get(STATE_KEY)
    version = (state[0] + 1) if state else int(timezone.now().timestamp())
    upcoming = next_publication_time()
    cache.set(STATE_KEY, (version, upcoming.timestamp() if upcoming else None), None)


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
    response["Cache-Control"] = "private, no-cache, no-store, must-revalidate, max-age=0"
    response["X-Robots-Tag"] = "noindex"
    return response


def is_anonymous(request) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def is_cacheable_request(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and is_anonymous(request)
        and request.path not in UNCACHED_PATHS
        and not request.path.startswith(PRIVATE_PREFIXES)
        and not request.path.startswith(static_prefixes())
        and (request.is_secure() or not settings.SECURE_SSL_REDIRECT)
    )


def static_prefixes() -> tuple[str, str]:
    """Static files and uploads: served by WhiteNoise or the web server, never from here."""
    return (settings.STATIC_URL, settings.MEDIA_URL)


def is_cacheable_response(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code in (200, 404)
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
        and "Cookie" not in response.get("Vary", "")
    )


class PageCacheFront:
    """Serve cached pages in front of Django: a hit needs no middleware, URL resolving, request
    signals or database, and costs about what a hello-world view does.

    Everything else (misses, logged-in editors, POSTs, an unknown host, plain http that must
    be redirected, an expired content version) goes on to Django, where PageCacheMiddleware
    renders and stores the page. Hits are the same response the middleware would give:
    same key, same stored headers, same conditional-request handling.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if settings.PAGE_CACHE_SECONDS > 0 and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            request = WSGIRequest(environ)
            cached = self.lookup(request)
            if cached is not None:
                response = self.respond(request, cached)
                start_response(response[0], response[1])
                return [] if request.method == "HEAD" else [response[2]]
        return self.app(environ, start_response)

    @staticmethod
    def lookup(request):
        try:
            if not is_cacheable_request(request) or (version := known_version()) is None:
                return None
            return cache.get(PageCacheMiddleware.key(request, version))
        except DisallowedHost:
            return None

    @staticmethod
    def respond(request, cached) -> tuple[str, list, bytes]:
        """WSGI status, headers and body: straight from the cache, or through Django's
        conditional-request handling when the request is conditional."""
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            response = PageCacheMiddleware.rebuild(cached, request)
            response = ConditionalGetMiddleware(lambda request: response)(request)
            status = f"{response.status_code} {response.reason_phrase}"
            return status, [*response.items()], response.content
        status, headers, content = cached
        extra = [("Content-Length", str(len(content))), ("X-Page-Cache", "hit")]
        return f"{status} {HTTPStatus(status).phrase}", [*headers.items(), *extra], content


class PageCacheMiddleware:
    """Serve anonymous GET and HEAD requests from the cache; never store a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        version, expires_at = current_state()
        key = self.key(request, version)
        cached = cache.get(key)
        if cached is not None:
            return self.rebuild(cached, request)
        response = self.get_response(request)
        if is_cacheable_response(response):
            self.mark_public(response)
            timeout = settings.PAGE_CACHE_SECONDS
            if expires_at is not None:
                timeout = max(1, min(timeout, int(expires_at - timezone.now().timestamp())))
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            cache.set(key, (response.status_code, headers, response.content), timeout)
        return response

    @staticmethod
    def key(request, version: int) -> str:
        language = get_language_from_request(request)
        raw = f"{request.get_host()}|{page_path(request)}|{language}"
        return f"page:{version}:{hashlib.sha256(raw.encode()).hexdigest()}"

    @staticmethod
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

    @staticmethod
    def rebuild(cached, request):
        """A response from the cache; ConditionalGetMiddleware turns it into a 304 if it can."""
        from django.http import HttpResponse

        status, headers, content = cached
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        response["Content-Length"] = str(len(content))
        response["X-Page-Cache"] = "hit"
        return response
