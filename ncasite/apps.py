from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save
from django.utils.translation import gettext_lazy as _


class NcasiteConfig(AppConfig):
    name = "ncasite"
    verbose_name = _("Site")

    def ready(self):
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="ncasite-ensure-roles")
        connect_page_cache_invalidation()
        connect_internal_links()
        connect_body_figures()


class NcasiteAdminConfig(admin_apps.AdminConfig):
    """Django's admin app with the site's own AdminSite as `admin.site`."""

    default = False  # NcasiteConfig stays this module's config for the ncasite app
    default_site = "ncasite.admin_site.NcasiteAdminSite"


def connect_page_cache_invalidation() -> None:
    """Retire cached pages after any save or delete of what public pages show."""
    from core.page_cache import content_changed
    from members.models import Organisation
    from news.models import Category, Post, SlugRedirect
    from newsletter.models import Issue, IssueItem

    from .models import Page

    for model in (Post, Category, SlugRedirect, Organisation, Page, IssueItem):
        uid = f"page-cache-{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-delete")
    m2m_changed.connect(
        content_changed,
        sender=Post.organisations.through,
        dispatch_uid="page-cache-post-organisations",
    )
    post_save.connect(issue_changed, sender=Issue, dispatch_uid="page-cache-issue-save")
    post_delete.connect(issue_changed, sender=Issue, dispatch_uid="page-cache-issue-delete")


def issue_changed(sender, instance, **kwargs):
    """Only sent issues are public (in the archive)."""
    from core.page_cache import content_changed

    if instance.status == instance.Status.SENT:
        content_changed(**kwargs)


def connect_internal_links() -> None:
    """Keep the addresses of internal links in bodies current (ncasite.internal_links)."""
    from .internal_links import (
        BODIES,
        TARGETS,
        follow_slug_change,
        resolve_links_before_save,
    )

    for model, _field in BODIES:
        uid = f"internal-links-{model._meta.label_lower}"
        pre_save.connect(resolve_links_before_save, sender=model, dispatch_uid=uid)
    for model in TARGETS.values():
        uid = f"internal-links-follow-{model._meta.label_lower}"
        post_save.connect(follow_slug_change, sender=model, dispatch_uid=uid)


def connect_body_figures() -> None:
    """Draw figures from the image library and record which images bodies show."""
    from library.models import Image

    from .body_figures import (
        FIGURE_USES,
        draw_figures_before_save,
        follow_image_change,
        record_figures,
    )

    for model in FIGURE_USES:
        uid = f"body-figures-{model._meta.label_lower}"
        # After connect_internal_links' pre_save, which cleans the body first.
        pre_save.connect(draw_figures_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(record_figures, sender=model, dispatch_uid=uid)
    post_save.connect(follow_image_change, sender=Image, dispatch_uid="body-figures-image")
