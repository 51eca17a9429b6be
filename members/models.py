from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.images import RemembersLoadedValues
from core.page_cache import PublicContentQuerySet
from core.richtext import SHORT_TEXT_EXTENSIONS, RichTextField

from .regions import region_for_country


class OrganisationQuerySet(PublicContentQuerySet):
    def current(self):
        """Members today: joined, and not (yet) left."""
        today = timezone.localdate()
        return self.filter(joined_on__lte=today).filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=today)
        )

    def former(self):
        return self.filter(left_on__lte=timezone.localdate())

    def for_lists(self):
        return (
            self.select_related("logo")
            .only(
                "name",
                "slug",
                "short_name",
                "kind",
                "region",
                "country",
                "logo__renditions",
                "logo__alt_text",
            )
            .order_by("ordering", "name")
        )

    def search(self, query: str):
        from django_countries import countries

        codes = [code for code, name in countries if query.lower() in name.lower()]
        return self.filter(
            models.Q(name__icontains=query)
            | models.Q(short_name__iexact=query)
            | models.Q(short_name__icontains=query)
            | models.Q(country__in=codes)
        )


class Organisation(RemembersLoadedValues, models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        LAW_ENFORCEMENT = "law-enforcement", _("Law enforcement")
        CIVIL_SOCIETY = "civil-society", _("Civil society")
        INTERNATIONAL = "international", _("International organisation")
        INTERGOVERNMENTAL = "intergovernmental", _("Inter-governmental organisation")
        INDIGENOUS = "indigenous", _("Indigenous Peoples' organisation")
        PRIVATE_SECTOR = "private-sector", _("Private sector")
        RESEARCH = "research", _("Research and academia")

    class Region(models.TextChoices):
        AFRICA = "africa", _("Africa")
        ASIA = "asia", _("Asia")
        EUROPE = "europe", _("Europe")
        NORTH_AMERICA = "north-america", _("North America")
        LATIN_AMERICA = "latin-america-caribbean", _("Latin America and the Caribbean")
        OCEANIA = "oceania", _("Oceania")
        GLOBAL = "global", _("Global")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, help_text=_("The member's web address.")
    )
    short_name = models.CharField(
        _("short name or acronym"), max_length=50, blank=True, help_text=_("For example “WWF”.")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.CharField(
        _("region"),
        max_length=30,
        choices=Region.choices,
        blank=True,
        help_text=_("Leave empty to take it from the country. Use Global for worldwide bodies."),
    )
    country = CountryField(
        _("country"), blank=True, help_text=_("Leave empty for international bodies.")
    )
    logo = models.ForeignKey(
        "library.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="logo_of",
        verbose_name=_("logo"),
        help_text=_(
            "Choose the logo from the image library, or add it with +. A PNG with a "
            "transparent background works best, at least 320 pixels wide."
        ),
    )
    website = models.URLField(_("website"), blank=True)
    description = RichTextField(
        _("description"),
        blank=True,
        extensions=SHORT_TEXT_EXTENSIONS,
        help_text=_("A short paragraph on who they are and what they bring to the alliance."),
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_("Former members leave the directory but keep their page."),
    )
    is_featured = models.BooleanField(_("featured"), default=False)
    ordering = models.IntegerField(
        _("ordering"), default=0, help_text=_("Lower numbers come first in the directory.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "region"], name="organisation_kind_region")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.region and self.country:
            self.region = region_for_country(self.country.code)
        super().save(*args, **kwargs)
        # ncasite.internal_links compares the slug read from the database with the saved one.
        self._loaded = {**getattr(self, "_loaded", {}), "slug": self.slug}

    def get_absolute_url(self):
        return reverse("members:organisation-detail", kwargs={"slug": self.slug})

    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.joined_on <= today and (self.left_on is None or self.left_on > today)
