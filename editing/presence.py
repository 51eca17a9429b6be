"""Who has an object's form open: advisory, kept in the cache, never in the way of a save."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def presence_seconds() -> int:
    return getattr(settings, "EDITING_PRESENCE_SECONDS", 90)


def key(model, object_id) -> str:
    return f"editing:presence:{model._meta.label_lower}:{object_id}"


def touch(model, object_id, user) -> None:
    """Note that `user` has the form open now."""
    if not object_id:
        return
    now = timezone.now().timestamp()
    seen = {
        user_id: entry
        for user_id, entry in (cache.get(key(model, object_id)) or {}).items()
        if now - entry["at"] < presence_seconds()
    }
    name = user.get_full_name() or user.get_username()
    seen[user.pk] = {"name": name, "at": now}
    cache.set(key(model, object_id), seen, presence_seconds() * 2)


def others(model, object_id, user) -> list[dict]:
    """The other people with the form open, each with a `name` and when they were last active."""
    if not object_id:
        return []
    now = timezone.now().timestamp()
    return [
        {"name": entry["name"], "last_active": datetime.fromtimestamp(entry["at"], tz=UTC)}
        for user_id, entry in sorted((cache.get(key(model, object_id)) or {}).items())
        if user_id != user.pk and now - entry["at"] < presence_seconds()
    ]
