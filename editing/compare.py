"""Two revisions of one object, field by field, as editors read them."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .diff import side_by_side
from .revisions import RevisionContent


@dataclass
class CompareRow:
    label: str
    lines: list  # (older HTML, newer HTML, changed)
    changed: bool


def compare_rows(model, field_names, older: RevisionContent, newer: RevisionContent):
    rows = []
    for name in field_names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # a computed, read-only line of the form
        if field.attname not in older.fields and field.attname not in newer.fields:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue  # each revision's own time heads its column
        old = display(field, older.fields.get(field.attname))
        new = display(field, newer.fields.get(field.attname))
        rows.append(row(str(field.verbose_name), old, new))
    for relation in older.related.keys() | newer.related.keys():
        related_field = model._meta.get_field(relation)
        row_model = related_field.related_model
        old = related_lines(row_model, related_field, older.related.get(relation, []))
        new = related_lines(row_model, related_field, newer.related.get(relation, []))
        rows.append(row(str(row_model._meta.verbose_name_plural), old, new))
    return rows


def row(label, old, new) -> CompareRow:
    lines = side_by_side(old, new)
    return CompareRow(label=label[:1].upper() + label[1:], lines=lines, changed=old != new)


def display(field, value):
    """A stored value as the editor knows it: names for relations, labels for choices."""
    if value is None or value == "":
        return ""
    if isinstance(field, models.ManyToManyField):
        related = field.related_model._default_manager.filter(pk__in=value)
        return sorted(str(obj) for obj in related)
    if isinstance(field, models.ForeignKey):
        obj = field.related_model._default_manager.filter(pk=value).first()
        return str(obj) if obj else _("(deleted, #%s)") % value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "j M Y, H:i")
    return value


def related_lines(row_model, related_field, rows) -> list[str]:
    parent = related_field.remote_field.name
    names = [
        f.name
        for f in row_model._meta.get_fields()
        if f.concrete and f.editable and not f.primary_key and f.name != parent
    ]
    ordering = [name.lstrip("-") for name in row_model._meta.ordering if name.lstrip("-") != "pk"]

    def key(row):
        return [str(row.get(row_model._meta.get_field(n).attname, "")).zfill(12) for n in ordering]

    lines = []
    for values in sorted(rows, key=key):
        shown = [
            display(row_model._meta.get_field(n), values.get(row_model._meta.get_field(n).attname))
            for n in names
        ]
        lines.append(" · ".join(str(part) for part in shown if part != ""))
    return lines
