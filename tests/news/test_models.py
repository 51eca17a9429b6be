from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from news.models import Post, SlugRedirect

pytestmark = pytest.mark.django_db

HOSTILE_BODY = (
    '<p style="color: red" onclick="steal()">Hello '
    "<script>alert('script')</script>"
    '<img src=x onerror="alert(1)">'
    '<a href="javascript:alert(1)">click</a>'
    '<iframe src="https://evil.example/"></iframe>'
    "<blink>blinking</blink><marquee>moving</marquee></p>"
)
HOSTILE_FRAGMENTS = [
    "<script",
    "alert(",
    "<img",
    "onerror",
    "javascript:",
    "<iframe",
    "style=",
    "onclick",
    "<blink",
    "<marquee",
]
ALLOWED_BODY = (
    "<h2>Heading two</h2>"
    "<h3>Heading three</h3>"
    "<p><strong>Strong</strong> and <em>emphasis</em> with "
    '<a href="https://example.org/report">a link</a>.</p>'
    "<ul><li>Bullet</li></ul>"
    "<ol><li>Number</li></ol>"
    "<blockquote><p>A quotation.</p></blockquote>"
    "<hr>"
    "<table><tbody><tr><th>Header</th></tr><tr><td>Cell</td></tr></tbody></table>"
)
ALLOWED_FRAGMENTS = [
    "<h2>Heading two</h2>",
    "<h3>Heading three</h3>",
    "<strong>Strong</strong>",
    "<em>emphasis</em>",
    '<a href="https://example.org/report">a link</a>',
    "<ul><li>Bullet</li></ul>",
    "<ol><li>Number</li></ol>",
    "<blockquote><p>A quotation.</p></blockquote>",
    "<hr>",
    "<th>Header</th>",
    "<td>Cell</td>",
]


# --- Post.objects.published() -------------------------------------------------------------


def test_published_includes_published_posts_whose_time_has_passed(make_post):
    post = make_post()
    assert list(Post.objects.published()) == [post]


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.REVIEW])
def test_published_excludes_drafts_and_posts_in_review(make_post, status):
    make_post(status=status)
    assert not Post.objects.published().exists()


def test_published_excludes_future_posts(make_post):
    make_post(published_at=timezone.now() + timedelta(hours=1))
    assert not Post.objects.published().exists()


def test_published_includes_scheduled_post_once_its_time_passes(make_post):
    when = timezone.now() + timedelta(days=1)
    post = make_post(published_at=when)
    with time_machine.travel(when - timedelta(seconds=1), tick=False):
        assert not Post.objects.published().exists()
    with time_machine.travel(when, tick=False):
        assert list(Post.objects.published()) == [post]


def test_published_excludes_draft_with_past_publication_time(make_post):
    make_post(status=Post.Status.DRAFT, published_at=timezone.now() - timedelta(days=3))
    assert not Post.objects.published().exists()


def test_published_post_without_time_is_published_now_on_save(make_post):
    moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        post = make_post(published_at=None)
        assert post.is_published()
    post.refresh_from_db()
    assert post.published_at == moment


def test_draft_keeps_empty_publication_time(make_post):
    post = make_post(status=Post.Status.DRAFT, published_at=None)
    post.refresh_from_db()
    assert post.published_at is None
    assert not post.is_published()


def test_is_scheduled_only_for_published_posts_with_future_time(make_post):
    future = timezone.now() + timedelta(days=1)
    assert make_post(published_at=future).is_scheduled()
    assert not make_post().is_scheduled()
    assert not make_post(status=Post.Status.DRAFT, published_at=future).is_scheduled()


def test_for_lists_orders_newest_first(make_post):
    now = timezone.now()
    old = make_post(published_at=now - timedelta(days=2))
    new = make_post(published_at=now - timedelta(days=1))
    assert list(Post.objects.published().for_lists()) == [new, old]


# --- Slugs --------------------------------------------------------------------------------


def test_slug_is_made_from_title_when_blank(make_post):
    post = make_post(title="Rangers seize 40 tonnes of rosewood", slug="")
    assert post.slug == "rangers-seize-40-tonnes-of-rosewood"


def test_slugs_made_from_the_same_title_are_unique(make_post):
    first = make_post(title="Annual report", slug="")
    second = make_post(title="Annual report", slug="")
    third = make_post(title="Annual report", slug="")
    assert len({first.slug, second.slug, third.slug}) == 3
    assert first.slug == "annual-report"
    assert second.slug.startswith("annual-report-")


def test_explicit_slug_is_kept(make_post):
    post = make_post(title="Some title", slug="chosen-address")
    assert post.slug == "chosen-address"


def test_changing_slug_records_the_old_address(make_post):
    post = make_post(slug="first-address")
    post.slug = "second-address"
    post.save()
    redirect = SlugRedirect.objects.get()
    assert redirect.old_slug == "first-address"
    assert redirect.post == post


def test_changing_slug_back_drops_the_redirect_that_would_shadow_it(make_post):
    post = make_post(slug="first-address")
    post.slug = "second-address"
    post.save()
    post.slug = "first-address"
    post.save()
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["second-address"]


def test_saving_without_slug_change_records_no_redirect(make_post):
    post = Post.objects.get(pk=make_post().pk)
    post.title = "A new title"
    post.save()
    assert not SlugRedirect.objects.exists()


# --- Sanitising ---------------------------------------------------------------------------


def test_body_is_sanitised_when_created(make_post):
    post = make_post(body=HOSTILE_BODY)
    post.refresh_from_db()
    for fragment in HOSTILE_FRAGMENTS:
        assert fragment not in post.body
    assert "Hello" in post.body and "click" in post.body


def test_body_is_sanitised_when_saved(make_post):
    post = make_post()
    post.body = HOSTILE_BODY
    post.save()
    post.refresh_from_db()
    for fragment in HOSTILE_FRAGMENTS:
        assert fragment not in post.body


def test_body_is_sanitised_when_saved_with_update_fields(make_post):
    post = make_post()
    post.body = HOSTILE_BODY
    post.save(update_fields=["body"])
    post.refresh_from_db()
    for fragment in HOSTILE_FRAGMENTS:
        assert fragment not in post.body


def test_body_keeps_allowed_formatting(make_post):
    post = make_post(body=ALLOWED_BODY)
    post.refresh_from_db()
    for fragment in ALLOWED_FRAGMENTS:
        assert fragment in post.body


# --- Preview tokens -----------------------------------------------------------------------


def test_preview_token_finds_its_post(make_post):
    post = make_post(status=Post.Status.DRAFT)
    assert Post.from_preview_token(post.preview_token(), max_age=timedelta(days=1)) == post


def test_preview_token_is_rejected_when_tampered(make_post):
    post = make_post(status=Post.Status.DRAFT)
    token = post.preview_token()
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert Post.from_preview_token(tampered, max_age=timedelta(days=1)) is None
    assert Post.from_preview_token("not-a-token", max_age=timedelta(days=1)) is None


def test_preview_token_is_rejected_after_rotation(make_post):
    post = make_post(status=Post.Status.DRAFT)
    token = post.preview_token()
    post.rotate_preview_key()
    assert Post.from_preview_token(token, max_age=timedelta(days=1)) is None
    assert Post.from_preview_token(post.preview_token(), max_age=timedelta(days=1)) == post


def test_preview_token_expires(make_post):
    post = make_post(status=Post.Status.DRAFT)
    token = post.preview_token()
    max_age = timedelta(days=settings.NEWS_PREVIEW_LINK_DAYS)
    with time_machine.travel(timezone.now() + max_age + timedelta(minutes=1)):
        assert Post.from_preview_token(token, max_age=max_age) is None


def test_rotating_preview_key_keeps_other_fields(make_post):
    post = make_post(status=Post.Status.DRAFT, title="Unchanged")
    old_key = post.preview_key
    post.rotate_preview_key()
    post.refresh_from_db()
    assert post.preview_key != old_key
    assert post.title == "Unchanged"


# --- Author name --------------------------------------------------------------------------


def test_author_name_prefers_byline_then_full_name_then_username(make_post, make_user):
    writer = make_user("writer", first_name="Ada", last_name="Lovelace")
    nameless = make_user("nameless")
    assert make_post(author=writer, byline="The Secretariat").author_name == "The Secretariat"
    assert make_post(author=writer).author_name == "Ada Lovelace"
    assert make_post(author=nameless).author_name == "nameless"
    assert make_post().author_name == ""
