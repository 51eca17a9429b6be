from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import workflow
from .models import Post


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            (workflow.State.DRAFT, _("Draft")),
            (workflow.State.REVIEW, _("In review")),
            (workflow.State.SCHEDULED, _("Scheduled")),
            (workflow.State.LIVE, _("Published")),
            ("overdue", _("Overdue: not public, time passed")),
        ]

    def queryset(self, request, queryset):
        by_state = {
            workflow.State.DRAFT: lambda: queryset.filter(status=Post.Status.DRAFT),
            workflow.State.REVIEW: lambda: queryset.filter(status=Post.Status.REVIEW),
            workflow.State.SCHEDULED: queryset.scheduled,
            workflow.State.LIVE: queryset.published,
            "overdue": queryset.overdue,
        }
        chosen = by_state.get(self.value())
        return chosen() if chosen else queryset


class MineFilter(admin.SimpleListFilter):
    title = _("whose")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("author", _("Written by me")), ("submitted", _("Submitted by me"))]

    def queryset(self, request, queryset):
        if self.value() == "author":
            return queryset.filter(author=request.user)
        if self.value() == "submitted":
            return queryset.filter(submitted_by=request.user)
        return queryset
