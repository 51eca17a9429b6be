import csv

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.forms import RefusesMalformedChoices
from editing.admin import EditingAdmin

from .issue_emails import IssueContent, send_test
from .issue_sending import cancel_schedule, progress
from .models import Issue, IssueItem, Subscriber, SubscriberEmail
from .tasks import start_sending

EXPORT_COLUMNS = [
    "email",
    "name",
    "status",
    "language",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
    "consent_at",
    "consent_source",
]


class Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer rows."""

    def write(self, value):
        return value


def stream_csv(queryset):
    writer = csv.writer(Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    rows = queryset.order_by("pk").values_list(*EXPORT_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow(["" if value is None else value for value in row])


def csv_response(queryset) -> StreamingHttpResponse:
    filename = f"subscribers-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(stream_csv(queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class SubscriberEmailInline(admin.TabularInline):
    model = SubscriberEmail
    fields = ["kind", "status", "attempts", "last_error", "created_at", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status", "created_at", "confirmed_at", "language"]
    search_fields = ["email", "name"]
    date_hierarchy = "created_at"
    actions = ["export_selected"]
    inlines = [SubscriberEmailInline]
    list_per_page = 100
    show_full_result_count = False
    fields = [
        "email",
        "name",
        "language",
        "status",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "consent_text",
        "consent_at",
        "consent_source",
        "consent_client_hash",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # people subscribe themselves, with their consent

    def has_change_permission(self, request, obj=None):
        return False  # addresses are the subscribers' to change, not the editors'

    def has_export_permission(self, request):
        return request.user.has_perm("newsletter.export_subscriber")

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="newsletter_subscriber_export"), *super().get_urls()]

    def export_view(self, request):
        """Export what the change list shows, with its filters and search applied."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:newsletter_subscriber_changelist") + "?e=1")
        return csv_response(changelist.get_queryset(request))

    @admin.action(description=_("Export selected subscribers to CSV"), permissions=["export"])
    def export_selected(self, request, queryset):
        return csv_response(queryset)

    def changelist_view(self, request, extra_context=None):
        counts = dict(Subscriber.objects.order_by().values_list("status").annotate(n=Count("pk")))
        status_counts = [
            (label, counts.get(value, 0)) for value, label in Subscriber.Status.choices
        ]
        extra_context = {
            **(extra_context or {}),
            "status_counts": status_counts,
            "can_export": self.has_export_permission(request),
        }
        return super().changelist_view(request, extra_context)


@admin.register(SubscriberEmail)
class SubscriberEmailAdmin(admin.ModelAdmin):
    """Read-only list of the confirmation and welcome emails, to see which ones fail."""

    list_display = ["subscriber", "kind", "status", "attempts", "last_error", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["subscriber"]
    search_fields = ["subscriber__email"]
    show_full_result_count = False
    actions = None
    fields = list_display + ["next_attempt_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # the sign-up creates them

    def has_change_permission(self, request, obj=None):
        return False  # the sending task is the only writer

    def has_delete_permission(self, request, obj=None):
        # The admin asks this when a subscriber is deleted: their emails go with them.
        return request.user.has_perm("newsletter.delete_subscriber")


class SendIssueForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("now", _("Send now")), ("schedule", _("Schedule")), ("cancel", _("Cancel"))]
    )
    scheduled_for = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In the site's time zone."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "schedule":
            when = cleaned.get("scheduled_for")
            if not when or when <= timezone.now():
                self.add_error("scheduled_for", _("Choose a time in the future."))
        else:
            cleaned["scheduled_for"] = None
        return cleaned


class IssueItemForm(RefusesMalformedChoices, forms.ModelForm):
    pass


class IssueItemInline(admin.TabularInline):
    """The issue's stories, reordered by drag and drop or Move up / Move down.

    A small script of our own (static/js/sortable-inline.js) rather than
    django-admin-sortable2, whose drag and drop has no keyboard alternative; without
    JavaScript the positions stay editable numbers.
    """

    model = IssueItem
    form = IssueItemForm
    fields = ["post", "position"]
    autocomplete_fields = ["post"]
    extra = 1
    template = "admin/newsletter/issue/items_inline.html"
    # The column's range on every database (SQLite enforces none), as a form error.
    formfield_overrides = {models.PositiveSmallIntegerField: {"max_value": 32767}}

    class Media:
        js = ["js/sortable-inline.js"]

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_editable()

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Issue)
class IssueAdmin(EditingAdmin, admin.ModelAdmin):
    list_display = ["subject", "status", "scheduled_for", "started_at", "sent_of_recipients"]
    list_filter = ["status"]
    search_fields = ["subject", "preheader"]
    prepopulated_fields = {"slug": ["subject"]}
    inlines = [IssueItemInline]
    revision_follow = ("items",)
    fields = ["subject", "slug", "preheader", "intro"]
    change_form_template = "admin/newsletter/issue/change_form.html"

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable():
            return False
        return super().has_change_permission(request, obj)

    def has_send_permission(self, request):
        return request.user.has_perm("newsletter.send_issue")

    @admin.display(description=_("sent"))
    def sent_of_recipients(self, obj):
        return f"{obj.sent_count} / {obj.recipient_count}" if obj.recipient_count else "—"

    def get_urls(self):
        def view(func, name):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(func),
                name=f"newsletter_issue_{name.replace('-', '_')}",
            )

        return [
            view(self.preview_view, "preview"),
            view(self.send_test_view, "send-test"),
            view(self.fill_view, "fill"),
            view(self.send_view, "send"),
            view(self.progress_view, "progress"),
            *super().get_urls(),
        ]

    def _issue(self, request, pk, *, change=False) -> Issue:
        issue = get_object_or_404(Issue, pk=pk)
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, issue):
            raise PermissionDenied
        return issue

    def preview_view(self, request, pk):
        issue = self._issue(request, pk)
        _subject, _text, html = IssueContent(issue).render(
            request.LANGUAGE_CODE, name="", unsubscribe_url="#unsubscribe"
        )
        return HttpResponse(html)

    @method_decorator(require_POST)
    def send_test_view(self, request, pk):
        issue = self._issue(request, pk)
        if not request.user.email:
            self.message_user(request, _("Add an email address to your account first."), "error")
        else:
            send_test(issue, to=request.user.email)
            self.message_user(request, _("A test was sent to %s.") % request.user.email)
        return redirect("admin:newsletter_issue_change", pk)

    @method_decorator(require_POST)
    def fill_view(self, request, pk):
        issue = self._issue(request, pk, change=True)
        added = issue.add_posts_since_last_issue()
        self.message_user(request, _("%d post(s) added.") % added)
        return redirect("admin:newsletter_issue_change", pk)

    def send_view(self, request, pk):
        issue = self._issue(request, pk)
        if not self.has_send_permission(request):
            raise PermissionDenied
        form = SendIssueForm(request.POST or None)
        if request.method == "POST" and issue.is_editable() and form.is_valid():
            if form.cleaned_data["action"] == "cancel":
                cancel_schedule(issue)
                self.message_user(request, _("The schedule is cancelled; the issue is a draft."))
                return redirect("admin:newsletter_issue_change", pk)
            start_sending(issue, when=form.cleaned_data.get("scheduled_for"))
            return redirect("admin:newsletter_issue_progress", pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "issue": issue,
            "form": form,
            "recipient_count": Subscriber.objects.confirmed().count(),
            "post_count": issue.items.count(),
            "title": _("Send “%s”") % issue.subject,
        }
        return TemplateResponse(request, "admin/newsletter/issue/send.html", context)

    def progress_view(self, request, pk):
        issue = self._issue(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "issue": issue,
            "counts": progress(issue),
            "title": _("Sending “%s”") % issue.subject,
        }
        return TemplateResponse(request, "admin/newsletter/issue/progress.html", context)
