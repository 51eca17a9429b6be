from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.page_cache import PublicContentQuerySet
from core.richtext import RichTextField
from editing.models import EditVersioned


class Page(EditVersioned, models.Model):
    """A page of standing information, such as About, Privacy policy or Contact."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The page's address: “about” is served at /about/."),
    )
    intro = models.TextField(
        _("introduction"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown under the title and in search results."),
    )
    body = RichTextField(_("body"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("ordering"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PublicContentQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "title"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("page", kwargs={"slug": self.slug})


class EditorProfile(models.Model):
    """What a staff user sets for themselves on "My account" beyond the user's own fields."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editor_profile",
        verbose_name=_("user"),
    )
    # No choices here: the zones come from the machine's time zone database, which changes
    # with tzdata updates; the account form offers and checks them.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_(
            "Dates and times in the admin are shown, and typed, in this zone. Empty means "
            "the site's time zone."
        ),
    )

    class Meta:
        verbose_name = _("editor profile")
        verbose_name_plural = _("editor profiles")

    def __str__(self):
        return str(self.user)


class PageFigure(models.Model):
    """A library image shown as a figure in a page's body: kept in step with the body on save."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="figures")
    image = models.ForeignKey(
        "library.Image", on_delete=models.PROTECT, related_name="page_figures"
    )

    class Meta:
        verbose_name = _("figure in a page")
        verbose_name_plural = _("figures in pages")
        constraints = [
            models.UniqueConstraint(fields=["page", "image"], name="page_figure_once_per_image")
        ]

    def __str__(self):
        return str(self.page)
