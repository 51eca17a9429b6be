from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import RefusesMalformedChoices
from library.choosers import CHOOSER_CSS, CHOOSER_JS, chosen_image_preview, thumbnail

from .models import Organisation


class OrganisationAdminForm(RefusesMalformedChoices, forms.ModelForm):
    pass


class MembershipFilter(admin.SimpleListFilter):
    title = _("membership")
    parameter_name = "membership"

    def lookups(self, request, model_admin):
        return [("current", _("Current members")), ("former", _("Former members"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.current()
        if self.value() == "former":
            return queryset.former()
        return queryset


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationAdminForm
    list_display = [
        "logo_thumbnail",
        "name",
        "short_name",
        "kind",
        "region",
        "country",
        "joined_on",
        "membership",
    ]
    list_display_links = ["logo_thumbnail", "name"]
    list_filter = ["kind", "region", MembershipFilter, "is_featured"]
    search_fields = ["name", "short_name", "country"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["logo_preview"]
    autocomplete_fields = ["logo"]
    list_select_related = ["logo"]
    date_hierarchy = "joined_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    class Media:
        js = CHOOSER_JS
        css = CHOOSER_CSS

    fieldsets = [
        (None, {"fields": ["name", "slug", "short_name", "kind", "website", "description"]}),
        (_("Where"), {"fields": ["country", "region"]}),
        (_("Logo"), {"fields": ["logo", "logo_preview"]}),
        (_("Membership"), {"fields": ["joined_on", "left_on", "is_featured", "ordering"]}),
    ]

    @admin.display(description=_("logo"))
    def logo_thumbnail(self, obj):
        return thumbnail(obj.logo, size=48)

    @admin.display(description=_("logo preview"))
    def logo_preview(self, obj):
        return chosen_image_preview(obj.logo, field_name="logo", family="logo")

    @admin.display(description=_("status"), boolean=False)
    def membership(self, obj):
        if obj.left_on and obj.left_on <= timezone.localdate():
            return _("Former member")
        if obj.joined_on > timezone.localdate():
            return _("Joining")
        return _("Member")
