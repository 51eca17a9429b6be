from django.conf import settings
from django.core.checks import Tags, Warning, register

REDIS_BACKEND = "django_redis.cache.RedisCache"


@register(Tags.caches, deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    """Each process has its own local-memory cache: a save would show in one process only."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend == REDIS_BACKEND:
        return []
    return [
        Warning(
            "The default cache is not Redis: every web process keeps its own page cache, so "
            "an editor's save shows only in the process that made it.",
            hint="Set REDIS_URL to a Redis server every web process shares.",
            id="core.W001",
        )
    ]
