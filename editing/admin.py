"""EditingAdmin: revisions, history, compare, restore, autosave and locking for a ModelAdmin."""

import reversion
from django.conf import settings
from django.urls import path, reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_http_methods
from reversion.models import Revision

from core.forms import is_model_id

from . import presence, views
from .drafts import initial_values, restoring_formset
from .forms import VERSION_FIELD, editing_form
from .models import Draft
from .revisions import author_name, register, versions_of


def autosave_seconds() -> int:
    return getattr(settings, "EDITING_AUTOSAVE_SECONDS", 20)


def restored_from(draft) -> dict:
    """When and by whom the revision a restored draft holds was saved."""
    if draft is None or draft.kind != Draft.Kind.RESTORED:
        return {}
    revision = Revision.objects.select_related("user").filter(pk=draft.revision_id).first()
    if revision is None:
        return {}
    return {
        "restored_time": formats.date_format(timezone.localtime(revision.date_created), "H:i"),
        "restored_author": author_name(revision.user) or "—",
    }


class EditingAdmin:
    """Mix into a ModelAdmin (before admin.ModelAdmin) whose model inherits EditVersioned."""

    # Reverse relations whose rows belong to each revision (the models of inlines).
    revision_follow: tuple[str, ...] = ()

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        register(model, follow=self.revision_follow)

    # --- URLs -----------------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"

        def view(route, func, name, method):
            def bound(request, **kwargs):
                return func(self, request, **kwargs)

            wrapped = self.admin_site.admin_view(require_http_methods([method])(bound))
            return path(route, wrapped, name=f"{info}_{name}")

        return [
            view("autosave/", views.autosave, "autosave", "POST"),
            view("discard-draft/", views.discard_draft, "discard_draft", "POST"),
            view("<path:object_id>/revisions/compare/", views.compare, "compare", "GET"),
            view(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                views.restore,
                "restore",
                "POST",
            ),
            *super().get_urls(),
        ]

    def editing_url(self, name, *args):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    # --- Revisions on every save ----------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if request.method != "POST":
            return super().add_view(request, form_url, extra_context)
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "POST":
            return super().change_view(request, object_id, form_url, extra_context)
        # One transaction for the version check's row lock, the save and its revision.
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        with reversion.create_revision():
            reversion.set_user(request.user)
            action = self.get_actions(request).get(request.POST.get("action", ""))
            if action:
                reversion.set_comment(str(action[2]))
            return super().changelist_view(request, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message())
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            comment = entry.get_change_message()
            draft = self.loaded_draft(request, obj)
            if draft is not None and draft.kind == Draft.Kind.RESTORED:
                comment = views.restored_comment(draft, comment)
            reversion.set_comment(comment)
        return entry

    def save_model(self, request, obj, form, change):
        self.loaded_draft(request, obj if change else None)  # remembered for log_change
        super().save_model(request, obj, form, change)
        mine = Draft.objects.filter(author=request.user)
        mine.for_object(self.model, obj.pk).delete()
        if not change:
            mine.for_object(self.model, "").delete()

    # --- Drafts loaded into the form ------------------------------------------------------

    def loaded_draft(self, request, obj):
        """The requester's draft named by ?editing_draft= for this object, if any."""
        cache = getattr(request, "editing_drafts", None)
        if cache is None:
            cache = request.editing_drafts = {}
        object_id = "" if obj is None else str(obj.pk)
        if object_id not in cache:
            draft_id = request.GET.get("editing_draft", "")
            cache[object_id] = (
                Draft.objects.for_object(self.model, object_id)
                .filter(author=request.user, pk=draft_id)
                .first()
                if is_model_id(draft_id)
                else None
            )
        return cache[object_id]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        draft = self.loaded_draft(request, obj) if request.method != "POST" else None
        initial = initial_values(self.model, draft.data.get("fields", {})) if draft else None
        return editing_form(form_class, initial=initial)

    def get_fields(self, request, obj=None):
        # The edit version travels in a hidden input of its own, not in a fieldset.
        return [name for name in super().get_fields(request, obj) if name != VERSION_FIELD]

    def get_formsets_with_inlines(self, request, obj=None):
        draft = self.loaded_draft(request, obj)
        rows_by_prefix = draft.data.get("inlines", {}) if draft else {}
        for formset_class, inline in super().get_formsets_with_inlines(request, obj):
            rows = rows_by_prefix.get(formset_class.get_default_prefix())
            if rows is not None and request.method != "POST":
                formset_class = restoring_formset(formset_class, rows)
            yield formset_class, inline

    # --- The change form's messages -------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        object_id = "" if obj is None else str(obj.pk)
        if obj is not None:
            presence.touch(self.model, object_id, request.user)
        loaded = self.loaded_draft(request, obj)
        context["editing"] = {
            "autosave_url": self.editing_url("autosave"),
            "discard_url": self.editing_url("discard_draft"),
            "object_id": object_id,
            "interval": autosave_seconds(),
            "loaded": loaded,
            **restored_from(loaded),
            "offer": None if request.method == "POST" else self.autosave_offer(request, obj),
            "others": presence.others(self.model, object_id, request.user),
            "history_url": self.editing_url("history", obj.pk) if obj is not None else "",
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def autosave_offer(self, request, obj):
        """The requester's autosave, if it is newer than the object's last save."""
        if self.loaded_draft(request, obj) is not None:
            return None
        object_id = "" if obj is None else str(obj.pk)
        draft = (
            Draft.objects.for_object(self.model, object_id)
            .filter(author=request.user, kind=Draft.Kind.AUTOSAVE)
            .first()
        )
        if draft is None or obj is None:
            return draft
        latest = versions_of(obj).first()
        if latest and latest.revision.date_created >= draft.updated_at:
            return None
        return draft

    # --- History --------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        return views.history(self, request, object_id, extra_context)
