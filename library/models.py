from django.conf import settings
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.images import RemembersLoadedValues, ValidatedImageField

from .renditions import refresh_renditions

FOCAL_RANGE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Licence(models.TextChoices):
    """What editors may do with a photo: the first question before reusing it."""

    UNKNOWN = "unknown", _("Not checked yet: do not reuse")
    OWN = "own", _("Ours (the alliance or a member made it): reuse freely")
    CC0 = "cc0", _("Public domain (CC0): reuse freely")
    CC_BY = "cc-by", _("Creative Commons BY: reuse with the credit")
    CC_BY_SA = "cc-by-sa", _("Creative Commons BY-SA: reuse with the credit, share alike")
    PERMISSION = "permission", _("Used with permission: ask the owner before reusing it")
    PRESS = "press", _("Press or handout photo: only in news about its subject")


REUSABLE_LICENCES = {Licence.OWN, Licence.CC0, Licence.CC_BY, Licence.CC_BY_SA}


class ImageQuerySet(models.QuerySet):
    def for_choosers(self):
        """What a chooser or search result shows of an image."""
        return self.only("title", "alt_text", "credit", "renditions", "width", "height").order_by(
            "-pk"
        )


class Image(RemembersLoadedValues, models.Model):
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_(
            "A name to find the image by in the library, e.g. “Rangers on the Madre de Dios "
            "river, 2024”. Visitors do not see it. Leave empty to use the file name."
        ),
    )
    file = ValidatedImageField(
        _("image file"),
        upload_to="library/%Y/%m/",
        help_text=_(
            "JPEG, PNG, WebP or GIF. At least 1200 pixels wide for a sharp featured image and "
            "social preview; a PNG with a transparent background for a logo."
        ),
    )
    alt_text = models.CharField(
        _("alt text"),
        max_length=250,
        help_text=_(
            "Describe what the image shows for people who cannot see it, in one sentence: "
            "“Two rangers measure a felled mahogany trunk”. Do not start with “Image of”. "
            "For a logo: “Logo of” and the organisation's name."
        ),
    )
    credit = models.CharField(
        _("credit"),
        max_length=150,
        blank=True,
        help_text=_("Photographer or source, shown under the image: “Ana Quispe / AFN”."),
    )
    licence = models.CharField(
        _("licence"),
        max_length=20,
        choices=Licence.choices,
        default=Licence.UNKNOWN,
        help_text=_("Whether editors may use this image again in other posts and newsletters."),
    )
    focal_x = models.FloatField(
        _("focal point, across"),
        default=0.5,
        validators=FOCAL_RANGE,
        help_text=_("From 0 (left edge) to 1 (right edge). Click the image to set it."),
    )
    focal_y = models.FloatField(
        _("focal point, down"),
        default=0.5,
        validators=FOCAL_RANGE,
        help_text=_("From 0 (top edge) to 1 (bottom edge). Click the image to set it."),
    )
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    # {"width", "height", family: {format: [{"name", "width", "height"}, …]}}: core.images.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="library_image_focal_point_inside",
            ),
            models.CheckConstraint(
                condition=~models.Q(alt_text=""), name="library_image_has_alt_text"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.title and self.file:
            self.title = self.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0][:200]
        loaded = getattr(self, "_loaded", {})
        refresh_renditions(self, loaded=loaded)
        super().save(*args, **kwargs)
        self._loaded = {
            **loaded,
            "file": self.file.name,
            "focal_x": self.focal_x,
            "focal_y": self.focal_y,
        }

    def is_reusable(self) -> bool:
        return self.licence in REUSABLE_LICENCES

    def rendition_files(self, family: str) -> dict[str, list[dict]]:
        """One family's files as data, for srcset: {format: [{name, width, height, url}, …]}.

        Widths grow along each list; formats come best first ("webp", then "jpg" or "png").
        Empty when the image has no such family. For a body figure, for example:
        `image.rendition_files("article")["jpg"][-1]["url"]`, with `image.alt_text`.
        """
        files = (self.renditions or {}).get(family) or {}
        return {
            fmt: [{**entry, "url": default_storage.url(entry["name"])} for entry in entries]
            for fmt, entries in files.items()
        }

    def rendition_url(self, family: str, fmt: str | None = None) -> str:
        """The URL of the family's largest file in `fmt` (by default its JPEG or PNG)."""
        files = self.rendition_files(family)
        fmt = fmt or next((f for f in files if f != "webp"), None)
        return files[fmt][-1]["url"] if files.get(fmt) else ""

    def uses(self) -> list[models.Model]:
        """Everything that shows this image: posts, members, figures, whatever points at it."""
        found = []
        for relation in use_relations():
            manager = relation.related_model._default_manager
            found += manager.filter(**{relation.field.name: self}).order_by("pk")
        return found


def use_relations() -> list:
    """The relations of other models to Image, one per kind of use.

    Read from the documented Model._meta API, so a new kind of use (a body figure's
    through-model with a ForeignKey to Image) is listed and protected without changing this.
    """
    return [
        relation
        for relation in Image._meta.get_fields()
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]
