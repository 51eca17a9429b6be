"""What keeps an editor's typing safe: version numbers on edited objects, and drafts."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class EditVersioned(models.Model):
    """A model whose every save counts up `edit_version`, so a stale form can be refused."""

    edit_version = models.PositiveIntegerField(_("edit version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        # A partial save of other columns (a revoked preview key) is no edit of the content.
        if self.pk is not None and (update_fields is None or "edit_version" in update_fields):
            self.edit_version = (self.edit_version or 0) + 1
        super().save(*args, **kwargs)


class DraftQuerySet(models.QuerySet):
    def for_object(self, model, object_id):
        content_type = ContentType.objects.get_for_model(model)
        return self.filter(content_type=content_type, object_id=object_id)


class Draft(models.Model):
    """Form content that is not live: an editor's autosave, or a revision restored for editing."""

    class Kind(models.TextChoices):
        AUTOSAVE = "autosave", _("Autosave")
        RESTORED = "restored", _("Restored revision")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    # Empty for an object that was never saved: its autosave belongs to the add form.
    object_id = models.CharField(max_length=64, blank=True, default="")
    content_object = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editing_drafts",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    data = models.JSONField(_("form content"), default=dict)
    base_version = models.PositiveIntegerField(
        _("based on edit version"),
        null=True,
        blank=True,
        help_text=_("The object's edit version the form was opened at."),
    )
    # For a restored revision: which one, so the form can say whose text it is.
    revision_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "author", "kind"],
                name="draft_one_per_object_author_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.content_type_id}/{self.object_id or 'new'}"
