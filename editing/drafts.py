"""Form content as a draft keeps it, and back: one shape for autosaves and restored revisions.

A draft's `data` is {"fields": {name: value}, "inlines": {prefix: [row, ...]}}: values as a
form's `initial` takes them, each inline row with its "pk" (None for a new row) and "DELETE".
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

from .revisions import RevisionContent, form_value

MAX_KEYS = 5000
MAX_VALUES = 2000


class BadFormData(ValueError):
    pass


def query_dict(fields) -> QueryDict:
    """The browser's form content ({name: [values]}) as a QueryDict, or BadFormData."""
    if not isinstance(fields, dict) or len(fields) > MAX_KEYS:
        raise BadFormData(f"fields must be an object of at most {MAX_KEYS} names")
    data = QueryDict(mutable=True)
    for name, values in fields.items():
        if not isinstance(values, list) or len(values) > MAX_VALUES:
            raise BadFormData(f"{name!r} must be a list of strings")
        if not all(isinstance(value, str) for value in values) or len(name) > 200:
            raise BadFormData(f"{name!r} must be a list of strings")
        data.setlist(name, values)
    return data


def submitted_values(form) -> dict:
    """What a bound form was sent, field by field, without files (an autosave keeps none)."""
    values = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        if field.widget.value_omitted_from_data(form.data, form.files, form.add_prefix(name)):
            continue
        values[name] = form[name].data
    return values


def submitted_rows(formset) -> list[dict]:
    rows = []
    for form in formset.forms:
        if form.instance.pk is None and not form.has_changed():
            continue  # an empty extra row
        row = submitted_values(form)
        row["pk"] = str(form.instance.pk) if form.instance.pk is not None else None
        row["DELETE"] = bool(row.get("DELETE"))
        rows.append(row)
    return rows


def from_revision(content: RevisionContent, form_class, formsets: dict) -> dict:
    """A revision's content in a draft's shape, for the fields the form has."""
    model = content.version.content_type.model_class()
    fields = {}
    for name in form_class.base_fields:
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if model_field.attname in content.fields:
            fields[name] = form_value(model_field, content.fields[model_field.attname])
    inlines = {}
    for relation, rows in content.related.items():
        if relation not in formsets:
            continue
        prefix, formset_class = formsets[relation]
        row_model = formset_class.model
        inlines[prefix] = [
            {
                **{
                    name: form_value(row_model._meta.get_field(name), row[attname])
                    for name, attname in row_fields(row_model, formset_class.form.base_fields)
                    if attname in row
                },
                "pk": row["pk"],
                "DELETE": False,
            }
            for row in rows
        ]
    return {"fields": fields, "inlines": inlines}


def row_fields(model, form_fields):
    for name in form_fields:
        try:
            yield name, model._meta.get_field(name).attname
        except FieldDoesNotExist:
            continue


def initial_values(model, values: dict) -> dict:
    """A draft's values as a form's initial: dates parsed, file names as files."""
    initial = {}
    for name, value in values.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            initial[name] = value
            continue
        if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
            value = parse_datetime(value)
        elif isinstance(model_field, models.FileField) and isinstance(value, str):
            # Assigning a name gives the model's own file object, which the widget shows.
            holder = model()
            setattr(holder, name, value)
            value = getattr(holder, name)
        initial[name] = value
    return initial


def restoring_formset(formset_class, rows: list[dict]):
    """The formset class, its rows set as the draft has them: changed, deleted or new."""
    model = formset_class.model
    by_pk = {str(row["pk"]): row for row in rows if row.get("pk")}

    class RestoringFormSet(formset_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            existing = {str(obj.pk) for obj in self.get_queryset()}
            new = [r for r in rows if not r.get("DELETE") and str(r.get("pk")) not in existing]
            self.initial_extra = [row_initial(model, row) for row in new]
            self.extra = max(self.extra, len(new))
            self.draft_existing = existing

        def get_form_kwargs(self, index):
            kwargs = super().get_form_kwargs(index)
            if index is not None and index < self.initial_form_count():
                row = by_pk.get(str(self.get_queryset()[index].pk))
                kwargs["initial"] = row_initial(model, row) if row else {"DELETE": True}
            return kwargs

    return RestoringFormSet


def row_initial(model, row: dict) -> dict:
    values = {name: value for name, value in row.items() if name not in {"pk", "id"}}
    return initial_values(model, values)
