"""The admin form's additions: the edit version it was opened at, checked under a row lock."""

from django import forms
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .revisions import author_name, versions_of

VERSION_FIELD = "edit_version_seen"


def editing_form(form_class, *, initial=None):
    """`form_class` carrying its edit version, started from `initial` (a draft) if given."""

    class EditingForm(form_class):
        edit_version_seen = forms.IntegerField(
            widget=forms.HiddenInput, required=False, min_value=0
        )

        def __init__(self, *args, **kwargs):
            if initial:
                kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
            super().__init__(*args, **kwargs)
            if self.instance.pk is not None:
                self.fields[VERSION_FIELD].initial = self.instance.edit_version

        def clean(self):
            cleaned = super().clean()
            refuse_stale_save(self, cleaned.get(VERSION_FIELD))
            return cleaned

    return EditingForm


def refuse_stale_save(form, seen) -> None:
    """Add a form error if someone saved the object after this form was opened.

    Inside the admin's transaction the row lock holds until this save commits, so of two saves
    opened at the same version exactly one passes (SQLite serialises writers instead). Outside
    one (the unsaved preview) there is nothing to hold: the version is only compared.
    A form sent without the version (an old page, a script) is not checked.
    """
    obj = form.instance
    if obj.pk is None or seen is None:
        return
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    if not transaction.get_autocommit():
        rows = rows.select_for_update()  # a save: hold the row until it commits
    current = rows.values_list("edit_version", flat=True).first()
    if current is None or current == seen:
        return
    latest = versions_of(obj).first()
    who = author_name(latest.revision.user) if latest else ""
    when = timezone.localtime(latest.revision.date_created) if latest else timezone.localtime()
    form.add_error(
        None,
        _(
            "%(who)s saved this %(thing)s at %(time)s after you opened it. Your text is kept "
            "below: copy what you need, reload, then reapply."
        )
        % {
            "who": who or _("Someone"),
            "thing": obj._meta.verbose_name,
            "time": formats.date_format(when, "H:i"),
        },
    )
