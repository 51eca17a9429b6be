import base64
import hashlib
import re

from csp.decorators import csp_update

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
