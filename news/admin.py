from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from library.choosers import CHOOSER_CSS, CHOOSER_JS, chosen_image_preview

from .models import Category, Post, SlugRedirect


def can_publish(user) -> bool:
    return user.has_perm("news.publish_post")


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = [
            "title",
            "slug",
            "standfirst",
            "body",
            "image",
            "image_caption",
            "category",
            "organisations",
            "byline",
            "is_featured",
            "status",
            "published_at",
            "author",
        ]
        widgets = {"standfirst": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, can_publish: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_publish = can_publish
        if not can_publish and "status" in self.fields:
            self.fields["status"].choices = [
                choice for choice in Post.Status.choices if choice[0] != Post.Status.PUBLISHED
            ]
            self.fields["status"].help_text = _(
                "Save as draft, or submit for review when it is ready. An editor publishes it."
            )

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == Post.Status.PUBLISHED and not self.can_publish:
            raise forms.ValidationError(_("You do not have permission to publish posts."))
        return status


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ordering", "post_count"]
    list_editable = ["ordering"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    @admin.display(description=_("posts"))
    def post_count(self, obj):
        return obj.posts.count()


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "status_label", "category", "published_at", "author", "view_link"]
    list_filter = ["status", "category", "is_featured", "published_at"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["organisations", "image"]
    actions = ["publish_selected", "unpublish_selected"]
    readonly_fields = ["image_preview", "preview_link", "created_at", "updated_at"]

    class Media:
        js = CHOOSER_JS
        css = CHOOSER_CSS

    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        (
            _("Featured image"),
            {"fields": ["image", "image_preview", "image_caption"]},
        ),
        (
            _("Classification"),
            {"fields": ["category", "organisations", "byline", "is_featured"]},
        ),
        (_("Publishing"), {"fields": ["status", "published_at", "preview_link"]}),
        (_("History"), {"fields": ["author", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        allowed = can_publish(request.user)

        class RequestPostForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, can_publish=allowed, **kw)

        return RequestPostForm

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields += ["author", "is_featured"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == Post.Status.PUBLISHED:
            if not can_publish(request.user):
                return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == Post.Status.PUBLISHED:
            if not can_publish(request.user):
                return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled():
            return _("Scheduled")
        return obj.get_status_display()

    @admin.display(description=_("on the site"))
    def view_link(self, obj):
        label = _("View") if obj.is_published() else _("Preview")
        return format_html('<a href="{}" target="_blank">{}</a>', obj.get_absolute_url(), label)

    @admin.display(description=_("image preview"))
    def image_preview(self, obj):
        return chosen_image_preview(obj.image, field_name="image", family="card")

    @admin.display(description=_("shareable preview link"))
    def preview_link(self, obj):
        if obj.pk is None:
            return _("Save the post to get a preview link.")
        if obj.is_published():
            return _("The post is public; share its address instead.")
        url = reverse("news:post-preview", kwargs={"token": obj.preview_token()})
        expires = timezone.localtime() + timedelta(days=settings.NEWS_PREVIEW_LINK_DAYS)
        revoke = reverse("admin:news_post_revoke_previews", args=[obj.pk])
        return format_html(
            '<input type="text" readonly size="80" value="{}" aria-label="{}"> '
            "<p class='help'>{}</p>"
            '<p><button type="submit" class="button" formaction="{}" formnovalidate>'
            "{}</button></p>",
            f"{settings.NCASITE_BASE_URL}{url}",
            _("Preview link"),
            _(
                "Anyone with this link can read the post without an account until %(date)s. "
                "Revoking stops every link given out so far."
            )
            % {"date": expires.strftime("%d %B %Y")},
            revoke,
            _("Revoke preview links"),
        )

    def get_urls(self):
        revoke = self.admin_site.admin_view(self.revoke_previews_view)
        return [
            path("<int:pk>/revoke-previews/", revoke, name="news_post_revoke_previews"),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def revoke_previews_view(self, request, pk):
        post = get_object_or_404(Post, pk=pk)
        if not self.has_change_permission(request, post):
            raise PermissionDenied
        post.rotate_preview_key()
        self.message_user(request, _("Every earlier preview link of this post is revoked."))
        return HttpResponseRedirect(reverse("admin:news_post_change", args=[pk]))

    @admin.action(description=_("Publish selected posts"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = 0
        for post in queryset.exclude(status=Post.Status.PUBLISHED):
            post.status = Post.Status.PUBLISHED
            post.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d post published.", "%d posts published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unpublish selected posts (back to draft)"), permissions=["publish"]
    )
    def unpublish_selected(self, request, queryset):
        count = 0
        for post in queryset.filter(status=Post.Status.PUBLISHED):
            post.status = Post.Status.DRAFT
            post.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d post unpublished.", "%d posts unpublished.", count) % count,
            messages.SUCCESS,
        )


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "post", "created_at"]
    search_fields = ["old_slug", "post__title"]
    raw_id_fields = ["post"]
