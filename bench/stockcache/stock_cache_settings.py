"""The site's production settings with Django's stock per-site cache middleware instead of
ours: a second reference for bench/http.py's warm pages."""

from ncasite.settings import *  # noqa: F403
from ncasite.settings import MIDDLEWARE, PAGE_CACHE_SECONDS

MIDDLEWARE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    *(name for name in MIDDLEWARE if name != "core.page_cache.PageCacheMiddleware"),
    "django.middleware.cache.FetchFromCacheMiddleware",
]
CACHE_MIDDLEWARE_SECONDS = PAGE_CACHE_SECONDS
