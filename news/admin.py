from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from editing.admin import EditingAdmin
from library.choosers import CHOOSER_CSS, CHOOSER_JS, chosen_image_preview

from . import workflow
from .admin_filters import MineFilter, StateFilter
from .admin_forms import PostAdminForm
from .models import Category, Post, SlugRedirect
from .preview import render_unsaved_preview


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ordering", "post_count"]
    list_editable = ["ordering"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_queryset(self, request):
        # One COUNT per row was one query per category; the annotation counts in the list's query.
        return super().get_queryset(request).annotate(post_total=Count("posts"))

    @admin.display(description=_("posts"), ordering="post_total")
    def post_count(self, obj):
        return obj.post_total


@admin.register(Post)
class PostAdmin(EditingAdmin, admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "status_label", "category", "published_at", "author", "view_link"]
    list_filter = [StateFilter, MineFilter, "category", "is_featured", "published_at"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["organisations", "image"]
    actions = ["publish_selected", "unpublish_selected"]
    show_full_result_count = False  # a second COUNT over every post on each filtered page
    readonly_fields = [
        "image_preview",
        "preview_link",
        "submitted_by",
        "submitted_at",
        "created_at",
        "updated_at",
    ]

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
        (_("Sharing before publication"), {"fields": ["preview_link"]}),
        (
            _("History"),
            {
                "fields": ["author", "submitted_by", "submitted_at", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        # The list never shows the body or the search vector, the widest columns.
        return super().get_queryset(request).defer("body", "search_vector")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        requested = request.POST.get("_action") if request.method == "POST" else None

        class RequestPostForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, requested_action=requested, **kw)

        return RequestPostForm

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            fields += ["author", "is_featured"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and not workflow.may_edit(obj, request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == Post.Status.PUBLISHED:
            if not workflow.can_publish(request.user):
                return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        if form.action is not None:
            when = form.cleaned_data.get("schedule_at")
            workflow.apply_action(obj, form.action, user=request.user, when=when)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self.response_after_action(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self.response_after_action(request, obj) or super().response_change(request, obj)

    def response_after_action(self, request, obj):
        """After a publishing button: say what happened and stay on the post."""
        if "_action" not in request.POST or "_popup" in request.POST:
            return None
        message = workflow.outcome_message(request.POST["_action"], obj)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:news_post_change", args=[obj.pk]))

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled():
            return _("Scheduled")
        return obj.get_status_display()

    @admin.display(description=_("on the site"))
    def view_link(self, obj):
        label = _("View") if obj.is_published() else _("Preview")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}<span class="visually-hidden"> {}</span>'
            "</a>",
            obj.get_absolute_url(),
            label,
            _("(opens in a new tab)"),
        )

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
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/revoke-previews/", revoke, name="news_post_revoke_previews"),
            path("preview/", preview, name="news_post_preview_add"),
            path("<int:pk>/preview/", preview, name="news_post_preview"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    def preview_view(self, request, pk=None):
        """Render the form's unsaved content as the public page would; store nothing."""
        post = None
        if pk is not None:
            post = self.get_object(request, str(pk))
            if post is None:
                raise Http404
            if not self.has_change_permission(request, post):
                raise PermissionDenied
        elif not self.has_add_permission(request):
            raise PermissionDenied
        form = self.get_form(request, post, change=post is not None)(request.POST, instance=post)
        return render_unsaved_preview(request, form, upload_left_out=bool(request.FILES))

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
        unpublished = queryset.exclude(status=Post.Status.PUBLISHED)
        count = self.apply_to_each(request, unpublished, "publish")
        self.message_user(
            request,
            ngettext("%d post published.", "%d posts published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unpublish selected posts (back to draft)"), permissions=["publish"]
    )
    def unpublish_selected(self, request, queryset):
        published = queryset.filter(status=Post.Status.PUBLISHED)
        count = self.apply_to_each(request, published, "unpublish")
        self.message_user(
            request,
            ngettext("%d post unpublished.", "%d posts unpublished.", count) % count,
            messages.SUCCESS,
        )

    def apply_to_each(self, request, queryset, action: str) -> int:
        """Take `action` on each post the user may take it on; how many that was."""
        count = 0
        for post in queryset:
            if workflow.Action(action) in workflow.allowed_actions(post, request.user):
                workflow.apply_action(post, workflow.Action(action), user=request.user)
                post.save()
                count += 1
        return count


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "post", "created_at"]
    search_fields = ["old_slug", "post__title"]
    raw_id_fields = ["post"]
