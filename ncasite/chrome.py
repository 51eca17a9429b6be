"""The header and footer of every public page, rendered once per process for each variant.

They carry no content, only links, labels and the newsletter sign-up form, so each is a
function of the language, the section of the site the page belongs to and a few settings.
Rendering them took about a third of a page's render time; now a page pays for a dict lookup
and two string replacements: the sign-up form's per-request values (the page it was sent from
and its signed render time) are written into the remembered HTML with placeholders.

Each template gets only the variables named here, so it cannot come to depend on something
the memo does not know about. DEBUG renders afresh every time, so template edits show at once.
"""

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from newsletter.forms import SubscribeForm

SOURCE_MARK = "chrome-source-5e0b2c"
STAMP_MARK = "chrome-stamp-5e0b2c"
MEMO_SIZE = 512
_memo: dict[tuple, str] = {}


def _settings() -> tuple:
    return settings.ROOT_URLCONF, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"]


def site_header(request, page=None) -> str:
    match = getattr(request, "resolver_match", None)
    variant = {
        "site_name": settings.SITE_NAME,
        "ns": match.namespace if match else "",
        "url_name": match.url_name if match else "",
        "is_about": bool(
            match and match.url_name == "page" and getattr(page, "slug", "") == "about"
        ),
    }
    return mark_safe(_render("includes/header.html", variant))


def site_footer(request) -> str:
    match = getattr(request, "resolver_match", None)
    variant = {
        "site_name": settings.SITE_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "year": timezone.localdate().year,
        "on_subscribe_page": bool(match and match.url_name == "subscribe"),
    }
    html = _render("includes/footer.html", variant, _footer_form)
    source = escape(request.path if request else "")
    stamp = escape(SubscribeForm.fresh_rendered_at())
    return mark_safe(html.replace(SOURCE_MARK, source).replace(STAMP_MARK, stamp))


def _footer_form() -> dict:
    form = SubscribeForm(auto_id="footer-%s", initial={"rendered_at": STAMP_MARK})
    return {"form": form, "source": SOURCE_MARK}


def _render(template_name: str, variant: dict, extra=dict) -> str:
    """The template rendered with `variant` and `extra()`, remembered under the variant and
    everything else that can change it."""
    if settings.DEBUG:
        return get_template(template_name).render(variant | extra())
    key = (
        template_name,
        tuple(sorted(variant.items())),
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        *_settings(),
    )
    html = _memo.get(key)
    if html is None:
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        html = _memo[key] = get_template(template_name).render(variant | extra())
    return html
