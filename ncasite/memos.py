"""Answers that lists of cards ask for once per card, worked out once per language or URLConf.

A member directory of 60 cards spent more time translating choice labels, country names and
reversing URLs than on anything else: Django's get_FOO_display() translates every choice on
each call, and reverse() walks the resolver each time. These give the same answers from memos
(translations and URL patterns don't change while a process runs).
"""

import functools
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, override

SLUG_PLACEHOLDER = "slug-placeholder-0f8e2a"


def choice_label(choices, value) -> str:
    """The translated label of `value` in a TextChoices class, or the value itself."""
    return _choice_labels(choices, get_language()).get(value, value)


@functools.lru_cache(maxsize=64)
def _choice_labels(choices, language: str | None) -> dict:
    with override(language):
        return {value: str(label) for value, label in choices.choices}


def country_name(country) -> str:
    """A django-countries Country's name in the current language."""
    return _country_names(get_language()).get(country.code) or country.name


@functools.lru_cache(maxsize=16)
def _country_names(language: str | None) -> dict[str, str]:
    from django_countries import countries

    with override(language):
        return {code: str(name) for code, name in countries}


def slug_url(viewname: str, slug: str) -> str:
    """reverse(viewname, kwargs={"slug": slug}), reversing the pattern only once."""
    pattern = _slug_pattern(viewname, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    return pattern.replace(SLUG_PLACEHOLDER, quote(slug, safe=""))


@functools.lru_cache(maxsize=64)
def _slug_pattern(viewname: str, prefix: str, urlconf, root_urlconf) -> str:
    return reverse(viewname, kwargs={"slug": SLUG_PLACEHOLDER})


def memo_reverse(viewname: str, *args) -> str:
    """reverse(viewname, args=args) for the few fixed links every page carries."""
    return _reversed(viewname, args, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _reversed(viewname: str, args: tuple, prefix: str, urlconf, root_urlconf) -> str:
    return reverse(viewname, args=args)
