"""The editors' desk: what the admin's start page shows each user.

Every section is one sliced query, and the totals of all post sections one more, so the desk
costs the same number of queries at 10 posts or 100,000. A section the user has no permission
for is left out, not just hidden.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from news.models import Post
from news.workflow import State, can_publish
from newsletter.models import Issue, SubscriberEmail

ROWS = 6


@dataclass
class Section:
    key: str
    title: str
    posts: list = field(default_factory=list)
    total: int = 0
    see_all: str = ""
    empty: str = ""


def post_list_url(**filters) -> str:
    return f"{reverse('admin:news_post_changelist')}?{urlencode(filters)}"


def post_totals(user, now) -> dict:
    """How many posts each section has, in one query over the posts that are not live."""
    draft, review = Post.Status.DRAFT, Post.Status.REVIEW
    not_live = Q(status__in=[draft, review]) | Q(status=Post.Status.PUBLISHED, published_at__gt=now)
    return Post.objects.filter(not_live).aggregate(
        my_drafts=Count("pk", filter=Q(status=draft, author=user)),
        review=Count("pk", filter=Q(status=review)),
        my_submitted=Count("pk", filter=Q(status=review, submitted_by=user)),
        scheduled=Count("pk", filter=Q(status=Post.Status.PUBLISHED)),
        overdue=Count("pk", filter=Q(status__in=[draft, review], published_at__lte=now)),
    )


def post_sections(user) -> list[Section]:
    now = timezone.now()
    totals = post_totals(user, now)
    posts = Post.objects.select_related("category").defer("body", "search_vector")
    my_drafts = posts.filter(status=Post.Status.DRAFT, author=user).order_by("-updated_at")
    sections = [
        Section(
            "my-drafts",
            _("My drafts"),
            list(my_drafts[:ROWS]),
            totals["my_drafts"],
            post_list_url(state=State.DRAFT, mine="author"),
            _("No drafts. Start one with “Add post”."),
        )
    ]
    if not can_publish(user):
        mine = posts.filter(status=Post.Status.REVIEW, submitted_by=user)
        mine = mine.select_related("submitted_by")
        return [
            *sections,
            Section(
                "my-submitted",
                _("Submitted by me, waiting for an editor"),
                list(mine.order_by("-submitted_at")[:ROWS]),
                totals["my_submitted"],
                post_list_url(state=State.REVIEW, mine="submitted"),
                _("Nothing waiting for review."),
            ),
        ]
    overdue, *others = editor_sections(posts, totals, now)
    return [overdue, *sections, *others]


def editor_sections(posts, totals, now) -> list[Section]:
    in_review = posts.filter(status=Post.Status.REVIEW).select_related("submitted_by")
    first_submitted = F("submitted_at").asc(nulls_first=True)
    return [
        Section(
            "overdue",
            _("Overdue: not public although their time has passed"),
            # Latest due first: this order walks the post_newest index from now backwards, a
            # plan that stays fast as a prepared (generic) statement too; see bench/README.md.
            list(posts.overdue().order_by("-published_at", "-pk")[:ROWS]),
            totals["overdue"],
            post_list_url(state="overdue"),
        ),
        Section(
            "review",
            _("Waiting for review"),
            list(in_review.order_by(first_submitted, "pk")[:ROWS]),
            totals["review"],
            post_list_url(state=State.REVIEW),
            _("Nothing waiting for review."),
        ),
        Section(
            "scheduled",
            _("Scheduled"),
            list(posts.scheduled().order_by("published_at", "pk")[:ROWS]),
            totals["scheduled"],
            post_list_url(state=State.SCHEDULED),
            _("Nothing scheduled."),
        ),
        Section(
            "published",
            _("Recently published"),
            list(posts.published().order_by("-published_at", "-pk")[:ROWS]),
            0,
            post_list_url(state=State.LIVE),
            _("Nothing published yet."),
        ),
    ]


def last_issue():
    """The newsletter issue that went out (or is going out) last."""
    sent = Issue.objects.exclude(status__in=[Issue.Status.DRAFT, Issue.Status.SCHEDULED])
    latest_first = sent.defer("intro").order_by(F("started_at").desc(nulls_last=True), "-pk")
    return latest_first.first()


def failing_emails() -> dict:
    """Sign-up emails that failed for good, or failed at least once and wait for a retry."""
    failing = Q(status=SubscriberEmail.Status.FAILED) | Q(
        status=SubscriberEmail.Status.QUEUED, attempts__gt=0
    )
    emails = SubscriberEmail.objects.filter(failing)
    totals = emails.aggregate(
        failed=Count("pk", filter=Q(status=SubscriberEmail.Status.FAILED)),
        retrying=Count("pk", filter=Q(status=SubscriberEmail.Status.QUEUED)),
    )
    rows = emails.select_related("subscriber").order_by("-created_at", "-pk")[:ROWS]
    changelist = reverse("admin:newsletter_subscriberemail_changelist")
    return {
        **totals,
        "rows": list(rows),
        "failed_url": f"{changelist}?status__exact={SubscriberEmail.Status.FAILED}",
        "queued_url": f"{changelist}?status__exact={SubscriberEmail.Status.QUEUED}",
    }


def desk_for(user) -> dict:
    desk = {"post_sections": [], "issue": None, "emails": None}
    if user.has_perm("news.view_post"):
        desk["post_sections"] = post_sections(user)
    if user.has_perm("newsletter.view_issue"):
        desk["show_issue"] = True
        desk["issue"] = last_issue()
    if user.has_perm("newsletter.view_subscriberemail"):
        desk["emails"] = failing_emails()
    return desk
