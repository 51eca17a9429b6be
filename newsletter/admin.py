import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Subscriber, SubscriberEmail

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
        changelist = self.get_changelist_instance(request)
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
