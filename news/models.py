import secrets

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.images import RemembersLoadedValues
from core.page_cache import PublicContentQuerySet
from core.richtext import RichTextField
from editing.models import EditVersioned

PREVIEW_SALT = "news.post.preview"


def new_preview_key() -> str:
    return secrets.token_urlsafe(16)


# Addresses under /news/ that belong to pages other than posts.
RESERVED_SLUGS = {"feed", "atom", "preview", "category"}


def validate_post_slug(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is the address of another page; choose another slug."),
            code="reserved_slug",
            params={"slug": slug},
        )


def unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    base = slugify(text)[: max_length - 5].strip("-") or "post"
    taken = model.objects.filter(slug__startswith=base).exclude(pk=exclude_pk)
    taken = set(taken.values_list("slug", flat=True)) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, help_text=_("The category's web address.")
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("One or two sentences shown on its page.")
    )
    ordering = models.PositiveSmallIntegerField(
        _("ordering"), default=0, help_text=_("Lower numbers come first in menus.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PublicContentQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("news:category-detail", kwargs={"slug": self.slug})


class PostQuerySet(PublicContentQuerySet):
    def published(self):
        """Posts the public may see: published, and their publication time has come."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published posts whose publication time is still to come."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def overdue(self):
        """Not public although their publication time has passed: scheduled, then sent back
        to draft or review (by mistake, or waiting for an editor) and never published again."""
        return self.filter(
            status__in=[Post.Status.DRAFT, Post.Status.REVIEW], published_at__lte=timezone.now()
        )

    def for_lists(self):
        return (
            self.select_related("category", "image")
            .only(
                "title",
                "slug",
                "standfirst",
                "published_at",
                "image__alt_text",
                "image__renditions",
                "category__name",
                "category__slug",
            )
            .order_by("-published_at", "-pk")
        )

    def for_feeds(self):
        """What a feed item shows: no image, so no renditions to read."""
        return (
            self.select_related("category")
            .only("title", "slug", "standfirst", "published_at", "category__name")
            .order_by("-published_at", "-pk")
        )

    def search(self, query: str):
        """Rank by PostgreSQL full-text search; fall back to substring matching elsewhere."""
        from django.db import connection

        if connection.vendor == "postgresql":
            search_query = SearchQuery(query, search_type="websearch")
            return (
                self.filter(search_vector=search_query)
                .annotate(rank=SearchRank(models.F("search_vector"), search_query))
                .order_by("-rank", "-published_at", "-pk")
            )
        match = (
            models.Q(title__icontains=query)
            | models.Q(standfirst__icontains=query)
            | models.Q(body__icontains=query)
        )
        return self.filter(match).order_by("-published_at")


class Post(RemembersLoadedValues, EditVersioned, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        validators=[validate_post_slug],
        help_text=_(
            "The post's web address, made from the title. Changing it after publication "
            "is safe: the old address redirects to the new one."
        ),
    )
    standfirst = models.TextField(
        _("standfirst"),
        max_length=300,
        help_text=_(
            "One or two plain sentences summing up the post. Shown in lists, feeds, "
            "search results and link previews."
        ),
    )
    body = RichTextField(
        _("body"),
        blank=True,
        help_text=_(
            "Use headings to structure longer posts, and a quote block for quotations, with "
            "the speaker's name and role on the line after the quote."
        ),
    )
    image = models.ForeignKey(
        "library.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="featured_in",
        verbose_name=_("featured image"),
        help_text=_(
            "Type to search the image library by title, alt text or credit, or add a new image "
            "with +. Its alt text and credit come from the library. At least 1200 pixels wide "
            "for a sharp social preview."
        ),
    )
    image_caption = models.CharField(
        _("caption"),
        max_length=300,
        blank=True,
        help_text=_("Shown under the image in this post only; the credit is added after it."),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="posts", verbose_name=_("category")
    )
    organisations = models.ManyToManyField(
        "members.Organisation",
        blank=True,
        related_name="posts",
        verbose_name=_("member organisations"),
        help_text=_("Members this post is about or quotes. It appears on their pages."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("author"),
    )
    byline = models.CharField(
        _("byline"),
        max_length=150,
        blank=True,
        help_text=_("Shown instead of the author's name, e.g. “The Secretariat”."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_(
            "Set by the publishing buttons. Drafts and posts in review are never public; a "
            "published post with a future publication time appears at that time."
        ),
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        help_text=_(
            "When the post went or goes live. Set by “Publish now” and “Schedule”; a scheduled "
            "post sent back to draft keeps its planned time, so the desk can warn when it passes."
        ),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_posts",
        verbose_name=_("submitted for review by"),
    )
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Pin this post at the top of the home page.")
    )
    preview_key = models.CharField(max_length=32, default=new_preview_key, editable=False)
    # Title, standfirst and body as PostgreSQL full-text search reads them, weighted A, B, C.
    # A trigger writes it on every insert and update (migration 0006); empty elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        permissions = [("publish_post", _("Can publish and unpublish posts"))]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="post_status_published"),
            models.Index(
                fields=["category", "status", "-published_at"], name="post_category_published"
            ),
            # The admin's post list, newest first over every status: without it, each page of
            # the list sorts the whole table (bench/README.md, admin desk).
            models.Index(fields=["-published_at", "-id"], name="post_newest"),
            # The home page's featured post: without it, finding one scans every post.
            models.Index(
                fields=["-published_at"],
                condition=models.Q(is_featured=True, status="published"),
                name="post_featured",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Post, self.title, exclude_pk=self.pk)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        loaded = getattr(self, "_loaded", {})
        previous_slug = loaded.get("slug")
        with transaction.atomic():
            if previous_slug and previous_slug != self.slug:
                SlugRedirect.objects.update_or_create(
                    old_slug=previous_slug, defaults={"post": self}
                )
                SlugRedirect.objects.filter(old_slug=self.slug).delete()
            super().save(*args, **kwargs)
        self._loaded = {**loaded, "slug": self.slug}

    def get_absolute_url(self):
        return reverse("news:post-detail", kwargs={"slug": self.slug})

    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_overdue(self) -> bool:
        """See PostQuerySet.overdue."""
        return (
            self.status in (self.Status.DRAFT, self.Status.REVIEW)
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_published()

    @property
    def author_name(self) -> str:
        if self.byline:
            return self.byline
        if self.author:
            return self.author.get_full_name() or self.author.get_username()
        return ""

    def preview_token(self) -> str:
        return signing.dumps({"post": self.pk, "key": self.preview_key}, salt=PREVIEW_SALT)

    def rotate_preview_key(self) -> None:
        """Revoke every preview link handed out so far."""
        self.preview_key = new_preview_key()
        self.save(update_fields=["preview_key"])

    @classmethod
    def from_preview_token(cls, token: str, *, max_age) -> "Post | None":
        try:
            data = signing.loads(token, salt=PREVIEW_SALT, max_age=max_age)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        return (
            cls.objects.select_related("category", "author", "image")
            .filter(pk=data.get("post"), preview_key=data.get("key"))
            .first()
        )


class SlugRedirect(models.Model):
    """An address a post used to have, kept so that old links keep working."""

    old_slug = models.SlugField(max_length=200, unique=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PublicContentQuerySet.as_manager()

    def __str__(self):
        return f"{self.old_slug} → {self.post.slug}"


def next_publication_time():
    """When the next scheduled post goes live: the page cache keeps no page past it."""
    upcoming = Post.objects.scheduled().order_by("published_at")
    return upcoming.values_list("published_at", flat=True).first()


class PostFigure(models.Model):
    """A library image shown as a figure in a post's body: kept in step with the body on save.

    It is what stops an image that a post shows from being deleted from the library.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="figures")
    image = models.ForeignKey(
        "library.Image", on_delete=models.PROTECT, related_name="post_figures"
    )

    class Meta:
        verbose_name = _("figure in a post")
        verbose_name_plural = _("figures in posts")
        constraints = [
            models.UniqueConstraint(fields=["post", "image"], name="post_figure_once_per_image")
        ]

    def __str__(self):
        return str(self.post)
