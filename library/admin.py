from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.forms import is_model_id

from .choosers import describe, thumbnail
from .models import Image, use_relations

SEARCH_RESULTS = 20


class UsageFilter(admin.SimpleListFilter):
    title = _("use")
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return [("used", _("In use")), ("unused", _("Not used anywhere"))]

    def queryset(self, request, queryset):
        names = [relation.name for relation in use_relations()]
        if self.value() == "used":
            used = Q()
            for name in names:
                used |= Q(**{f"{name}__isnull": False})
            return queryset.filter(used).distinct()
        if self.value() == "unused":
            return queryset.filter(**{f"{name}__isnull": True for name in names})
        return queryset


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["title", "file", "focal_x", "focal_y", "alt_text", "credit", "licence"]
        number = {"min": "0", "max": "1", "step": "any", "class": "focal-input"}
        widgets = {
            "focal_x": forms.NumberInput(attrs=number),
            "focal_y": forms.NumberInput(attrs=number),
            "alt_text": forms.TextInput(attrs={"size": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django 6.1's admin puts a replaceable file under a legend, not a label: name the
        # input itself, so screen readers announce it on every version.
        file_field = self.fields["file"]
        file_field.widget.attrs["aria-label"] = str(file_field.label)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    # The title comes first: the admin makes the first column each row's header.
    list_display = ["title", "list_thumbnail", "alt_text", "credit", "licence", "created_at"]
    list_display_links = ["title"]
    list_filter = ["licence", UsageFilter, "created_at"]
    search_fields = ["title", "alt_text", "credit"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "focal_point_picker",
        "crops",
        "where_used",
        "size",
        "uploaded_by",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "file", "alt_text", "credit", "licence"]}),
        (
            _("Focal point"),
            {"fields": ["focal_point_picker", ("focal_x", "focal_y"), "crops"]},
        ),
        (_("Where it is used"), {"fields": ["where_used"]}),
        (_("About the file"), {"fields": ["size", "uploaded_by", "created_at"]}),
    ]

    class Media:
        js = ["library/focal_point.js"]
        css = {"all": ["library/admin.css"]}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("image"))
    def list_thumbnail(self, obj):
        return thumbnail(obj, size=80)

    @admin.display(description=_("size in pixels"))
    def size(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width else "—"

    @admin.display(description=_("focal point"))
    def focal_point_picker(self, obj):
        files = obj.rendition_files("article").get("jpg") or obj.rendition_files("article").get(
            "png"
        )
        if not files:
            return _("Save the image first; then click it here to set its focal point.")
        shown = files[0]
        return format_html(
            '<div class="focal-picker" data-x-input="id_focal_x" data-y-input="id_focal_y" '
            "hidden>"
            '<button type="button" class="focal-picker__frame" aria-label="{}" '
            'aria-describedby="focal-picker-help">'
            '<img src="{}" width="{}" height="{}" alt="">'
            '<span class="focal-picker__marker" aria-hidden="true"></span></button>'
            '<p id="focal-picker-help" class="help">{}</p>'
            '<p class="focal-picker__status" role="status"></p></div>',
            _("Focal point of the image"),
            shown["url"],
            shown["width"],
            shown["height"],
            _(
                "Click the part of the image that must stay in view when it is cropped (a face, "
                "a sign, a boat). Or focus the image and move the point with the arrow keys "
                "(with Shift, in small steps). Save to rebuild the crops."
            ),
        )

    @admin.display(description=_("how it is cropped"))
    def crops(self, obj):
        shown = [
            (obj.rendition_url("card"), _("cards and lists")),
            (obj.rendition_url("social"), _("social media")),
        ]
        if not shown[0][0]:
            return "—"
        return format_html_join(
            "",
            '<figure class="library-crop"><img src="{}" alt="" height="112">'
            "<figcaption>{}</figcaption></figure>",
            shown,
        )

    @admin.display(description=_("used in"))
    def where_used(self, obj):
        uses = obj.uses() if obj.pk else []
        if not uses:
            return _("Not used anywhere yet.")
        return format_html(
            "<ul class='library-uses'>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((u._meta.verbose_name, link(u)) for u in uses)
            ),
        )

    def get_urls(self):
        search = self.admin_site.admin_view(self.search_view)
        return [path("search/", search, name="library_image_search"), *super().get_urls()]

    def search_view(self, request):
        """Images as JSON for choosers: `?q=` searches titles, alt text and credits; `?id=`."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        images = Image.objects.for_choosers()
        image_id = request.GET.get("id", "")
        if image_id:
            images = images.filter(pk=int(image_id)) if is_model_id(image_id) else images.none()
        else:
            # PostgreSQL refuses NUL characters in a query; nobody types one.
            query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
            images, _duplicates = self.get_search_results(request, images, query)
        return JsonResponse({"results": [search_result(i) for i in images[:SEARCH_RESULTS]]})


def search_result(image: Image) -> dict:
    return {
        "id": image.pk,
        "title": image.title,
        "alt": image.alt_text,
        "credit": image.credit,
        "description": describe(image),
        "thumbnail": image.rendition_url("thumb"),
        "width": image.width,
        "height": image.height,
    }


def link(obj) -> str:
    """A link to the object's admin page, or its name where it has none."""
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return format_html("{}", obj)
    return format_html('<a href="{}">{}</a>', url, obj)
