from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.richtext import SHORT_TEXT_EXTENSIONS, RichTextField

CONFIRM_SALT = "newsletter.subscriber.confirm"
UNSUBSCRIBE_SALT = "newsletter.subscriber.unsubscribe"


def normalise_email(email: str) -> str:
    """Trim, and lower-case the domain (the local part may be case-sensitive)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else email.strip()


def hash_client_address(address: str) -> str:
    """A keyed hash of a client IP address: comparable for abuse checks, not reversible."""
    if not address:
        return ""
    return salted_hmac("newsletter.client-address", address, algorithm="sha1").hexdigest()[:32]


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def with_email(self, email: str):
        return self.filter(email__iexact=normalise_email(email))


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(_("email address"), max_length=254)
    name = models.CharField(_("name"), max_length=100, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, default="en")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("signed up"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    consent_text = models.TextField(_("consent wording"), blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_source = models.CharField(
        _("consent page"), max_length=200, blank=True, help_text=_("Where the form was sent from.")
    )
    consent_client_hash = models.CharField(
        _("client address (hashed)"),
        max_length=64,
        blank=True,
        help_text=_("A keyed hash of the sign-up's IP address; the address itself is not kept."),
    )

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="subscriber_status")]
        permissions = [("export_subscriber", _("Can export subscribers to CSV"))]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def confirm(self) -> bool:
        """Confirm a pending subscription; return whether this call confirmed it."""
        now = timezone.now()
        changed = Subscriber.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.CONFIRMED, confirmed_at=now
        )
        if changed:  # a simultaneous second click finds nothing left to change
            self.status, self.confirmed_at = self.Status.CONFIRMED, now
        return bool(changed)

    def unsubscribe(self) -> bool:
        if self.status == self.Status.UNSUBSCRIBED:
            return False
        self.status = self.Status.UNSUBSCRIBED
        self.unsubscribed_at = timezone.now()
        self.save(update_fields=["status", "unsubscribed_at"])
        return True

    def _address_hash(self) -> str:
        return salted_hmac(
            "newsletter.subscriber.address", self.email.lower(), algorithm="sha1"
        ).hexdigest()[:16]

    def confirmation_token(self) -> str:
        consent = self.consent_at.timestamp() if self.consent_at else 0
        return signing.dumps(
            {"id": self.pk, "a": self._address_hash(), "c": consent}, salt=CONFIRM_SALT
        )

    def unsubscribe_token(self) -> str:
        return signing.dumps({"id": self.pk, "a": self._address_hash()}, salt=UNSUBSCRIBE_SALT)

    def confirmation_url(self) -> str:
        path = reverse("newsletter:confirm", kwargs={"token": self.confirmation_token()})
        return settings.NCASITE_BASE_URL + path

    def unsubscribe_url(self) -> str:
        path = reverse("newsletter:unsubscribe", kwargs={"token": self.unsubscribe_token()})
        return settings.NCASITE_BASE_URL + path

    @classmethod
    def from_confirmation_token(cls, token: str) -> "Subscriber | None":
        max_age = settings.NEWSLETTER_CONFIRMATION_DAYS * 24 * 3600
        data = _load_token(token, salt=CONFIRM_SALT, max_age=max_age)
        subscriber = cls._from_token_data(data)
        if subscriber is None:
            return None
        if subscriber.status == cls.Status.UNSUBSCRIBED:
            return None  # they left since; signing up again sends a fresh link
        consent = subscriber.consent_at.timestamp() if subscriber.consent_at else 0
        return subscriber if data.get("c") == consent else None

    @classmethod
    def from_unsubscribe_token(cls, token: str) -> "Subscriber | None":
        return cls._from_token_data(_load_token(token, salt=UNSUBSCRIBE_SALT))

    @classmethod
    def _from_token_data(cls, data: dict) -> "Subscriber | None":
        subscriber = cls.objects.filter(pk=data.get("id")).first() if data else None
        if subscriber is None or data.get("a") != subscriber._address_hash():
            return None
        return subscriber


def _load_token(token: str, *, salt: str, max_age=None) -> dict:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


class SubscriberEmail(models.Model):
    """A confirmation or welcome email owed to one subscriber, kept until it is sent."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirmation request")
        WELCOME = "welcome", _("Welcome")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not needed any more")
        FAILED = "failed", _("Failed")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscriber email")
        verbose_name_plural = _("subscriber emails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="subscriberemail_due")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.subscriber_id}"


class IssueQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(status=Issue.Status.SENT)


class Issue(models.Model):
    """One edition of the newsletter."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    subject = models.CharField(_("subject"), max_length=150)
    slug = models.SlugField(
        _("slug"),
        max_length=160,
        unique=True,
        help_text=_("The address of this issue in the public archive."),
    )
    preheader = models.CharField(
        _("preheader"),
        max_length=150,
        blank=True,
        help_text=_("The short line mail programs show after the subject."),
    )
    intro = RichTextField(
        _("introduction"),
        blank=True,
        extensions=SHORT_TEXT_EXTENSIONS,
        help_text=_("A few words from the secretariat before the stories."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    recipients_ready = models.BooleanField(default=False, editable=False)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")
        permissions = [("send_issue", _("Can send and schedule newsletter issues"))]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("newsletter:archive-detail", kwargs={"slug": self.slug})

    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.SCHEDULED}

    def add_posts_since_last_issue(self) -> int:
        """Add the posts published since the last issue went out; return how many."""
        from news.models import Post

        last = Issue.objects.sent().exclude(pk=self.pk).order_by("-started_at").first()
        posts = Post.objects.published().exclude(newsletter_items__issue=self)
        if last and last.started_at:
            posts = posts.filter(published_at__gt=last.started_at)
        posts = list(posts.order_by("-published_at")[:20])
        start = (self.items.aggregate(models.Max("position"))["position__max"] or 0) + 1
        IssueItem.objects.bulk_create(
            IssueItem(issue=self, post=post, position=start + i) for i, post in enumerate(posts)
        )
        return len(posts)

    def ordered_posts(self):
        from news.models import Post

        return (
            Post.objects.published()
            .filter(newsletter_items__issue=self)
            .select_related("category", "image")
            .order_by("newsletter_items__position", "newsletter_items__pk")
        )


class IssueItem(models.Model):
    """A post in an issue, in the editor's order."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="items")
    post = models.ForeignKey(
        "news.Post",
        on_delete=models.CASCADE,
        related_name="newsletter_items",
        verbose_name=_("post"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        constraints = [
            models.UniqueConstraint(fields=["issue", "post"], name="issueitem_unique_post")
        ]

    def __str__(self):
        return str(self.post)


class Delivery(models.Model):
    """One issue to one subscriber: claimed, sent and recorded exactly once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="delivery_unique_recipient"
            )
        ]
        indexes = [models.Index(fields=["issue", "status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.issue_id} → {self.subscriber_id}: {self.status}"
