"""Revisions through django-reversion's documented API: register, list, read one back."""

from dataclasses import dataclass

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import models
from reversion.models import Version


def register(model, *, follow=()) -> None:
    """Record `model` in revisions, with the rows of the reverse relations named in `follow`."""
    for name in follow:
        related = model._meta.get_field(name).related_model
        if not reversion.is_registered(related):
            reversion.register(related)
    if not reversion.is_registered(model):
        reversion.register(model, follow=tuple(follow))


def versions_of(obj):
    """The object's versions, newest first, with each revision and its author."""
    return Version.objects.get_for_object(obj).select_related("revision", "revision__user")


def version_in_revision(obj, revision_id: int) -> Version | None:
    return versions_of(obj).filter(revision_id=revision_id).first()


def author_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass
class RevisionContent:
    """What one revision held of an object: its field values and its followed rows."""

    version: Version
    fields: dict
    related: dict  # relation name -> list of row field dicts, each with its "pk"


def content_of(version: Version, *, follow=()) -> RevisionContent:
    model = version.content_type.model_class()
    related = {}
    for name in follow:
        field = model._meta.get_field(name)
        row_type = ContentType.objects.get_for_model(field.related_model)
        parent_attname = field.remote_field.attname
        rows = []
        for row in version.revision.version_set.filter(content_type=row_type):
            values = row.field_dict
            if str(values.get(parent_attname)) == version.object_id:
                rows.append({**values, "pk": row.object_id})
        related[name] = rows
    return RevisionContent(version=version, fields=version.field_dict, related=related)


def form_value(model_field, value):
    """A stored value as a form's `initial` takes it, and as JSON can keep it."""
    if isinstance(model_field, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(model_field, models.DateTimeField | models.DateField) and value is not None:
        return value.isoformat()
    return value
