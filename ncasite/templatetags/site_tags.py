import json

from django import template
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ncasite import chrome
from ncasite.memos import memo_reverse
from ncasite.page_cache import current_state, page_path
from ncasite.queries import ByIds

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


@register.simple_tag(takes_context=True)
def cards(context, objects, template_name, name, **extra):
    """Render template_name once per object (as `name`), keeping each card's HTML in the cache.

    Cards are most of every list page, and one card shows on many pages (home, news list,
    category, member page, search, newsletter archive): rendering one page warms the others.
    Keys hold the content version of ncasite.page_cache, so any save or delete of public
    content, or a scheduled post going live, retires every card at once. Given a ByIds list
    (ncasite.queries), only the objects whose cards are missing are loaded.
    """
    if not isinstance(objects, ByIds):
        objects = list(objects or ())
        objects = ByIds([obj.pk for obj in objects], None, loaded=objects)
    template = context.template.engine.get_template(template_name)
    seconds = settings.FRAGMENT_CACHE_SECONDS
    if seconds <= 0:
        return mark_safe("".join(_card(template, context, name, obj, extra) for obj in objects))
    version, _expires = current_state()
    options = ",".join(f"{key}={value}" for key, value in sorted(extra.items()))
    prefix = f"card:{version}:{get_language()}:{template_name}:{options}:"
    ids = objects.ids
    keys = {pk: f"{prefix}{pk}" for pk in ids}
    found = cache.get_many(keys.values())
    missing = [pk for pk in ids if keys[pk] not in found]
    if missing:
        by_id = objects.load(missing)
        fresh = {
            keys[pk]: _card(template, context, name, by_id[pk], extra)
            for pk in missing
            if pk in by_id  # deleted since its id was read
        }
        cache.set_many(fresh, seconds)
        found.update(fresh)
    return mark_safe("".join(found[keys[pk]] for pk in ids if keys[pk] in found))


def _card(template, context, name, obj, extra) -> str:
    with context.push(**{name: obj}, **extra):
        return template.render(context)


@register.simple_tag(takes_context=True)
def site_header(context):
    return chrome.site_header(context.get("request"), context.get("page"))


@register.simple_tag(takes_context=True)
def site_footer(context):
    return chrome.site_footer(context.get("request"))


@register.simple_tag
def link(viewname, *args):
    """{% url %} for the links on every page, reversed once per process (ncasite.memos)."""
    return memo_reverse(viewname, *args)


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
    from urllib.parse import urlsplit

    from django.conf import settings

    return url if not url or urlsplit(url).scheme else settings.NCASITE_BASE_URL + url


@register.filter
def plain_text(html: str) -> str:
    """Rich text as plain text, for the text part of emails."""
    from html import unescape

    from django.utils.html import strip_tags

    return unescape(strip_tags(html or ""))
