import base64
import hashlib
import re
import zoneinfo

from csp.decorators import csp_update
from django.urls import reverse
from django.utils import timezone

from .models import EditorProfile

IMPORT_MAP = re.compile(rb'<script type="importmap"[^>]*>(.*?)</script>', re.S)


class AdminCSPMiddleware:
    """Relax the Content Security Policy in the admin just enough for its widgets.

    The rich-text editor's import map is an inline script: allow exactly it, by hash. The
    editor and admin widgets set inline styles, which only staff pages need. Listed after
    CSPMiddleware so that it runs first on the response; the hash needs the rendered page,
    so django-csp's documented `csp_update` decorator is applied to the finished response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if not (request.path.startswith("/admin/") and is_html and not response.streaming):
            return response
        update = {"style-src": ["'unsafe-inline'"]}
        hashes = [
            f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
            for body in IMPORT_MAP.findall(response.content)
        ]
        if hashes:
            update["script-src"] = hashes
        return csp_update(update)(lambda request: response)(request)


class EditorTimeZoneMiddleware:
    """Show and read the admin's dates and times in the staff user's own time zone.

    Only admin requests look at the user: on public pages this middleware reads neither the
    session nor the database, so they stay cookie-free, cacheable and in the site's zone.
    The zone is a per-thread setting, so it is switched back after every admin response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        if request.path.startswith(reverse("admin:index")):
            zone = editor_time_zone(request.user)
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def editor_time_zone(user) -> zoneinfo.ZoneInfo | None:
    if not (user.is_authenticated and user.is_staff):
        return None
    name = EditorProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # a zone the machine's tzdata no longer has: the site's zone


class CrossOriginResourcePolicyMiddleware:
    """Pages may not be loaded by other sites (`Cross-Origin-Resource-Policy: same-origin`).

    Only HTML: images stay loadable by the mail clients that show the newsletter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
