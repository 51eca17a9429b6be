import json
from html import unescape
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe

from core.page_cache import page_path

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def picture(renditions, family, alt, *, sizes="100vw", eager=False, css_class=""):
    """Render a <picture> with WebP and JPEG/PNG srcsets from stored rendition names."""
    files = (renditions or {}).get(family)
    if not files:
        return ""
    fallback_format = next(fmt for fmt in files if fmt != "webp")
    fallback = files[fallback_format]
    largest = fallback[-1]
    sources = format_html_join(
        "",
        '<source type="image/{}" srcset="{}" sizes="{}">',
        (
            (fmt, _srcset(entries), sizes)
            for fmt, entries in files.items()
            if fmt != fallback_format
        ),
    )
    loading = 'fetchpriority="high"' if eager else 'loading="lazy" decoding="async"'
    return format_html(
        '<picture class="{}">{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" '
        'alt="{}" {}></picture>',
        css_class,
        sources,
        default_storage.url(largest["name"]),
        _srcset(fallback),
        sizes,
        largest["width"],
        largest["height"],
        alt,
        mark_safe(loading),
    )


def _srcset(entries):
    return ", ".join(f"{default_storage.url(e['name'])} {e['width']}w" for e in entries)


@register.simple_tag
def rendition_url(renditions, family, fmt="jpg"):
    files = (renditions or {}).get(family, {}).get(fmt)
    return default_storage.url(files[-1]["name"]) if files else ""


@register.filter
def json_ld(data):
    """Serialise structured data for a <script type="application/ld+json"> block."""
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's address without tracking parameters (?utm_source=…, ?fbclid=…)."""
    request = context["request"]
    return request.build_absolute_uri(page_path(request))


@register.filter
def absolutise(url: str) -> str:
    """Make a site-relative URL absolute, for emails and feeds read away from the site."""
    return url if not url or urlsplit(url).scheme else settings.NCASITE_BASE_URL + url


@register.filter
def plain_text(html: str) -> str:
    """Rich text as plain text, for the text part of emails."""
    return unescape(strip_tags(html or ""))
