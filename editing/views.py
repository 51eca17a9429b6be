"""The admin views EditingAdmin adds; each takes the ModelAdmin it serves as its first argument."""

import json

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.forms import is_model_id

from . import presence
from .compare import compare_rows
from .drafts import BadFormData, from_revision, query_dict, submitted_rows, submitted_values
from .models import Draft
from .revisions import content_of, version_in_revision, versions_of


def max_autosave_bytes() -> int:
    return getattr(settings, "EDITING_AUTOSAVE_MAX_BYTES", 1024 * 1024)


def object_or_404(model_admin, request, object_id, *, change=True):
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    allowed = (
        model_admin.has_change_permission if change else model_admin.has_view_or_change_permission
    )
    if not allowed(request, obj):
        raise PermissionDenied
    return obj


def page_context(model_admin, request, obj, title):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": obj,
        "title": title,
        "subtitle": None,
        "has_change_permission": model_admin.has_change_permission(request, obj),
    }


def templates(model_admin, name):
    opts = model_admin.opts
    return [
        f"admin/{opts.app_label}/{opts.model_name}/{name}",
        f"admin/{opts.app_label}/{name}",
        f"admin/editing/{name}",
    ]


def history(model_admin, request, object_id, extra_context=None):
    obj = object_or_404(model_admin, request, object_id, change=False)
    versions = list(versions_of(obj))
    context = {
        **page_context(model_admin, request, obj, _("History: %s") % obj),
        "versions": versions,
        "compare_url": model_admin.editing_url("compare", obj.pk),
        **(extra_context or {}),
    }
    return TemplateResponse(request, templates(model_admin, "revisions.html"), context)


def compare(model_admin, request, object_id):
    obj = object_or_404(model_admin, request, object_id)
    ids = [request.GET.get("from", ""), request.GET.get("to", "")]
    if not all(is_model_id(value) for value in ids):
        return HttpResponseRedirect(model_admin.editing_url("history", obj.pk))
    older, newer = (version_in_revision(obj, int(value)) for value in ids)
    if older is None or newer is None:
        raise Http404
    if older.revision.date_created > newer.revision.date_created:
        older, newer = newer, older
    follow = model_admin.revision_follow
    rows = compare_rows(
        model_admin.model,
        model_admin.get_fields(request, obj),
        content_of(older, follow=follow),
        content_of(newer, follow=follow),
    )
    context = {
        **page_context(model_admin, request, obj, _("Compare revisions: %s") % obj),
        "older": older,
        "newer": newer,
        "rows": rows,
    }
    return TemplateResponse(request, templates(model_admin, "compare.html"), context)


def restore(model_admin, request, object_id, revision_id):
    """Keep a revision's content as the requester's draft and open it in the form.

    The live object is not touched: it changes when the editor saves the form.
    """
    obj = object_or_404(model_admin, request, object_id)
    version = version_in_revision(obj, revision_id)
    if version is None:
        raise Http404
    form_class = model_admin.get_form(request, obj, change=True)
    formsets = inline_formsets(model_admin, request, obj)
    content = content_of(version, follow=model_admin.revision_follow)
    data = from_revision(content, form_class, formsets)
    draft, _created = Draft.objects.update_or_create(
        content_type=version.content_type,
        object_id=str(obj.pk),
        author=request.user,
        kind=Draft.Kind.RESTORED,
        defaults={"data": data, "base_version": obj.edit_version, "revision_id": revision_id},
    )
    url = model_admin.editing_url("change", obj.pk)
    return HttpResponseRedirect(f"{url}?editing_draft={draft.pk}")


def inline_formsets(model_admin, request, obj) -> dict:
    """Relation name -> (prefix, formset class), for the relations revisions follow."""
    models = {
        model_admin.model._meta.get_field(name).related_model: name
        for name in model_admin.revision_follow
    }
    found = {}
    for formset_class, _inline in model_admin.get_formsets_with_inlines(request, obj):
        if formset_class.model in models:
            found[models[formset_class.model]] = (
                formset_class.get_default_prefix(),
                formset_class,
            )
    return found


def restored_comment(draft: Draft, change_message: str) -> str:
    label = _("Restored the revision of %(time)s") % {"time": when(draft_revision_time(draft))}
    return f"{label}. {change_message}" if change_message else f"{label}."


def draft_revision_time(draft: Draft):
    from reversion.models import Revision

    revision = Revision.objects.filter(pk=draft.revision_id).first()
    return revision.date_created if revision else draft.created_at


def when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i")


def json_error(message, status):
    return JsonResponse({"error": message}, status=status)


def autosave(model_admin, request):
    """Keep the form's content as the requester's private draft; report who else is there."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return json_error(_("Bad request."), 400)
    if length > max_autosave_bytes():
        return json_error(_("The draft is too large to autosave; save the form instead."), 413)
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return json_error(_("The draft could not be read."), 400)
    if not isinstance(payload, dict):
        return json_error(_("The draft could not be read."), 400)
    object_id = str(payload.get("object_id") or "")
    obj = None
    if object_id:
        obj = model_admin.get_object(request, object_id)
        if obj is None:
            return json_error(_("Not found."), 404)
        if not model_admin.has_change_permission(request, obj):
            return json_error(_("You may not change this."), 403)
    elif not model_admin.has_add_permission(request):
        return json_error(_("You may not add this."), 403)
    if not payload.get("presence_only"):
        try:
            store_autosave(model_admin, request, obj, query_dict(payload.get("fields")))
        except BadFormData:
            return json_error(_("The draft could not be read."), 400)
    presence.touch(model_admin.model, object_id, request.user)
    return JsonResponse(autosave_answer(model_admin, request, object_id))


def store_autosave(model_admin, request, obj, data) -> Draft:
    form = model_admin.get_form(request, obj, change=obj is not None)(data=data, instance=obj)
    captured = {"fields": submitted_values(form), "inlines": {}}
    for formset_class, inline in model_admin.get_formsets_with_inlines(request, obj):
        prefix = formset_class.get_default_prefix()
        kwargs = model_admin.get_formset_kwargs(request, obj, inline, prefix)
        formset = formset_class(**{**kwargs, "data": data, "files": None})
        captured["inlines"][prefix] = submitted_rows(formset)
    seen = data.get("edit_version_seen", "")
    draft, _created = Draft.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(model_admin.model),
        object_id="" if obj is None else str(obj.pk),
        author=request.user,
        kind=Draft.Kind.AUTOSAVE,
        defaults={"data": captured, "base_version": edit_version_or_none(seen)},
    )
    return draft


def edit_version_or_none(value):
    """The edit version a form says it was opened at, if it is one a row could have."""
    if not (is_model_id(value) and int(value) < 2**31):  # PositiveIntegerField's range
        return None
    return int(value)


def autosave_answer(model_admin, request, object_id) -> dict:
    others = presence.others(model_admin.model, object_id, request.user)
    thing = model_admin.opts.verbose_name
    return {
        "saved_text": _("Draft kept at %(time)s (not published).")
        % {"time": formats.date_format(timezone.localtime(), "H:i")},
        "presence_text": " ".join(presence_sentence(other, thing) for other in others),
    }


def presence_sentence(other, thing) -> str:
    return _("%(name)s has this %(thing)s open too (last active %(time)s).") % {
        "name": other["name"],
        "thing": thing,
        "time": formats.date_format(timezone.localtime(other["last_active"]), "H:i"),
    }


def discard_draft(model_admin, request):
    """Delete the requester's own autosave of one object (or of the add form)."""
    object_id = request.POST.get("object_id", "")
    Draft.objects.for_object(model_admin.model, object_id).filter(
        author=request.user, kind=Draft.Kind.AUTOSAVE
    ).delete()
    model_admin.message_user(request, _("Your unsaved changes were discarded."))
    if object_id:
        return HttpResponseRedirect(model_admin.editing_url("change", object_id))
    return HttpResponseRedirect(model_admin.editing_url("add"))
