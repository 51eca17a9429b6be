from django.contrib import admin

from .models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "ordering", "updated_at"]
    list_editable = ["ordering"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "intro", "body"]
