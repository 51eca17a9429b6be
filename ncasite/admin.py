from django.contrib import admin

from editing.admin import EditingAdmin

from .models import Page


@admin.register(Page)
class PageAdmin(EditingAdmin, admin.ModelAdmin):
    list_display = ["title", "slug", "ordering", "updated_at"]
    list_editable = ["ordering"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "intro", "body"]
