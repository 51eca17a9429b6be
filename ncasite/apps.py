from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class NcasiteConfig(AppConfig):
    name = "ncasite"
    verbose_name = _("Site")

    def ready(self):
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="ncasite-ensure-roles")
        self.connect_page_cache_invalidation()

    def connect_page_cache_invalidation(self):
        from members.models import Organisation
        from news.models import Category, Post, SlugRedirect
        from newsletter.models import Issue, IssueItem

        from .models import Page
        from .page_cache import bump_content_version

        for model in (Post, Category, SlugRedirect, Organisation, Page, IssueItem):
            post_save.connect(
                bump_content_version, sender=model, dispatch_uid=f"page-cache-{model}"
            )
            post_delete.connect(
                bump_content_version, sender=model, dispatch_uid=f"page-cache-del-{model}"
            )
        m2m_changed.connect(
            bump_content_version,
            sender=Post.organisations.through,
            dispatch_uid="page-cache-post-organisations",
        )
        post_save.connect(bump_for_issue, sender=Issue, dispatch_uid="page-cache-issue")
        post_delete.connect(bump_for_issue, sender=Issue, dispatch_uid="page-cache-issue-del")


def bump_for_issue(sender, instance, **kwargs):
    """Only sent issues are public (in the archive)."""
    from .page_cache import bump_content_version

    if instance.status == instance.Status.SENT:
        bump_content_version()
