import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from core import page_cache
from ncasite.models import Page
from news.models import Post
from newsletter.forms import SubscribeForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(page_cache):  # noqa: F811  (the fixture, not the module)
    """Every test here commits for real: pages turn over only after a commit."""


def is_hit(response) -> bool:
    return response.get("X-Page-Cache") == "hit"


def test_second_anonymous_request_is_served_from_cache(client, make_post):
    make_post(title="Forest news")
    first = client.get("/news/")
    second = client.get("/news/")
    assert not is_hit(first) and is_hit(second)
    assert second.content == first.content
    assert "Forest news" in second.content.decode()


@pytest.mark.parametrize("url", ["/", "/news/", "/members/", "/newsletter/", "/news/feed/"])
def test_cached_responses_carry_no_cookie_and_no_vary_cookie(client, url):
    client.get(url)
    response = client.get(url)
    assert is_hit(response)
    assert not response.cookies and "Set-Cookie" not in response.headers
    assert "Cookie" not in response.get("Vary", "")
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=60" in cache_control
    assert "stale-while-revalidate=300" in cache_control


def test_conditional_get_answers_304(client, make_post):
    make_post()
    etag = client.get("/news/")["ETag"]
    assert client.get("/news/", headers={"if-none-match": etag}).status_code == 304
    assert client.get("/news/", headers={"if-none-match": '"other"'}).status_code == 200


def test_cached_feed_keeps_last_modified_for_conditional_requests(client, make_post):
    make_post()
    first = client.get("/news/feed/")
    cached = client.get("/news/feed/")
    assert is_hit(cached)
    assert cached["Last-Modified"] == first["Last-Modified"]
    since = {"if-modified-since": first["Last-Modified"]}
    assert client.get("/news/feed/", headers=since).status_code == 304


def test_publishing_shows_on_the_next_request(client, make_post):
    draft = make_post(title="Not yet", status=Post.Status.DRAFT, published_at=None)
    assert "Not yet" not in client.get("/news/").content.decode()
    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert "Not yet" in client.get("/news/").content.decode()


def test_unpublishing_editing_and_deleting_show_on_the_next_request(client, make_post):
    post = make_post(title="Original title")
    url = post.get_absolute_url()
    assert "Original title" in client.get(url).content.decode()
    post.title = "Edited title"
    post.save()
    assert "Edited title" in client.get(url).content.decode()
    post.status = Post.Status.DRAFT
    post.save()
    assert client.get(url).status_code == 404
    post.status = Post.Status.PUBLISHED
    post.save()
    client.get("/news/")
    post.delete()
    assert "Edited title" not in client.get("/news/").content.decode()


def test_member_change_shows_on_the_next_request(client, make_organisation):
    member = make_organisation(name="Forest Watch")
    assert "Forest Watch" in client.get("/members/").content.decode()
    member.name = "Forest Watch International"
    member.save()
    assert "Forest Watch International" in client.get("/members/").content.decode()
    member.left_on = timezone.localdate() - timedelta(days=1)
    member.save()
    assert "Forest Watch International" not in client.get("/members/").content.decode()


def test_static_page_change_shows_on_the_next_request(client):
    page = Page.objects.create(slug="about", title="About us")
    client.get("/about/")
    page.title = "About us, rewritten"
    page.save()
    assert "About us, rewritten" in client.get("/about/").content.decode()


def test_scheduled_post_appears_on_time_with_a_warm_cache(client, make_post):
    make_post(title="Scheduled story", published_at=timezone.now() + timedelta(minutes=30))
    assert "Scheduled story" not in client.get("/news/").content.decode()
    assert is_hit(client.get("/news/"))
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert "Scheduled story" in client.get("/news/").content.decode()


def test_logged_in_editor_never_gets_or_fills_the_cache(client, editor, make_post):
    make_post(title="Published")
    draft = make_post(title="Secret draft", status=Post.Status.DRAFT, published_at=None)
    client.force_login(editor)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "Secret draft" in html
    assert not is_hit(client.get("/news/"))
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404
    first = client.get("/news/")
    assert not is_hit(first)


def test_preview_links_are_never_cached(client, make_post):
    draft = make_post(title="Embargoed", status=Post.Status.DRAFT, published_at=None)
    url = f"/news/preview/{draft.preview_token()}/"
    client.get(url)
    response = client.get(url)
    assert not is_hit(response)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    draft.rotate_preview_key()
    assert client.get(url).status_code == 404


def test_query_string_and_language_are_part_of_the_key(client, make_post):
    for n in range(12):
        make_post(title=f"Story {n}")
    page_one = client.get("/news/").content
    page_two = client.get("/news/?page=2").content
    assert page_one != page_two
    assert is_hit(client.get("/news/?page=2"))


def test_links_shared_with_tracking_parameters_share_the_cached_page(client, make_post):
    for n in range(12):
        make_post(title=f"Story {n}")
    first = client.get("/news/?page=2&utm_source=newsletter&fbclid=Alice-7f3a")
    assert not is_hit(first)
    for url in [
        "/news/?page=2",
        "/news/?fbclid=Bob-91c2&page=2",
        "/news/?utm_medium=social&utm_campaign=peru&page=2&gclid=x1",
    ]:
        response = client.get(url)
        assert is_hit(response), url
        assert response.content == first.content
    html = first.content.decode()
    assert '<link rel="canonical" href="http://testserver/news/?page=2">' in html
    assert "Alice" not in html and "utm_source" not in html
    assert not is_hit(client.get("/news/?page=1&utm_source=newsletter"))  # page=1 is its own key


def test_parameters_a_page_reads_stay_in_the_key_and_the_canonical_address(client):
    plain = client.get("/members/")
    filtered = client.get("/members/?kind=government&utm_source=x")
    assert not is_hit(filtered) and filtered.content != plain.content
    assert (
        '<link rel="canonical" href="http://testserver/members/?kind=government">'
        in filtered.content.decode()
    )
    hostile = client.get('/search/?q="><script>alert(1)</script>&fbclid=1')
    assert "<script>alert(1)" not in hostile.content.decode()


def test_admin_and_forms_with_personal_data_are_private(admin_client, client, settings):
    response = admin_client.get("/admin/")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    settings.NEWSLETTER_MIN_SUBMIT_SECONDS = 0
    rendered_at = SubscribeForm.fresh_stamp()
    error_page = client.post(
        "/newsletter/", {"email": "not-an-address", "rendered_at": rendered_at}
    )
    assert error_page.status_code == 400
    assert "no-store" in error_page["Cache-Control"]


def test_post_requests_are_never_served_from_cache(client):
    client.get("/newsletter/")
    response = client.post("/newsletter/", {"email": "x"})
    assert not is_hit(response)


def test_cache_outage_degrades_to_uncached_pages(client, settings, make_post):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    make_post(title="Still served")
    assert "Still served" in client.get("/news/").content.decode()


@pytest.mark.parametrize("kind", ["article", "member", "category", "search", "page"])
def test_every_public_page_type_is_cached_for_anonymous_visitors(
    client, make_post, make_organisation, kind
):
    post = make_post(title="Cached story")
    member = make_organisation(name="Cached member")
    Page.objects.create(slug="about", title="About us")
    url = {
        "article": post.get_absolute_url(),
        "member": member.get_absolute_url(),
        "category": post.category.get_absolute_url(),
        "search": "/search/?q=cached",
        "page": "/about/",
    }[kind]
    first = client.get(url)
    assert first.status_code == 200
    assert "Cookie" not in first.get("Vary", "")
    assert is_hit(client.get(url))


def test_news_list_counts_at_most_the_capped_number_of_posts(client, make_post, monkeypatch):
    from news.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "MAX_LISTED", 15)
    for _ in range(25):
        make_post()
    assert client.get("/news/?page=2").status_code == 200
    assert client.get("/news/?page=3").status_code == 404


def test_cached_page_is_never_served_over_plain_http_when_https_is_required(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    client.get("/news/", secure=True)
    assert is_hit(client.get("/news/", secure=True))

    response = client.get("/news/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/news/"


def test_cached_pages_keep_the_security_headers(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    client.get("/", secure=True)
    response = client.get("/", secure=True)

    assert is_hit(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert response["Strict-Transport-Security"].startswith("max-age=3600")
    assert response["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/static/css/missing.css", "/media/missing.jpg"])
def test_static_files_and_uploads_bypass_the_page_cache(client, url):
    client.get(url)
    assert not is_hit(client.get(url))


# --- Correct by construction: versions turn over after commit, never back ----------------


def get_from_another_connection(url: str):
    """GET `url` in a thread of its own, so on its own database connection."""
    from django.db import connection
    from django.test import Client

    answers = []

    def visit():
        try:
            answers.append(Client().get(url))
        finally:
            connection.close()

    thread = threading.Thread(target=visit)
    thread.start()
    thread.join()
    return answers[0]


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)


@needs_postgresql
@pytest.mark.parametrize("change", ["edit", "unpublish", "delete"])
def test_a_visit_during_an_editors_transaction_never_leaves_a_stale_page(client, make_post, change):
    post = make_post(title="Old title")
    url = post.get_absolute_url()
    with transaction.atomic():
        if change == "edit":
            post.title = "New title"
            post.save()
        elif change == "unpublish":
            post.status = Post.Status.DRAFT
            post.save()
        else:
            post.delete()
        during = get_from_another_connection(url)  # sees the committed, old post
        assert "Old title" in during.text and not is_hit(during)
        assert "Old title" in get_from_another_connection(url).text  # stored, and served

    after = client.get(url)
    assert not is_hit(after)
    if change == "edit":
        assert after.status_code == 200 and "New title" in after.text
    else:
        assert after.status_code == 404
    listing = client.get("/news/").text
    assert "Old title" not in listing


def test_bulk_writes_and_fixtures_retire_cached_pages(client, make_post, tmp_path):
    post = make_post(title="Old title")
    client.get("/news/")
    Post.objects.filter(pk=post.pk).update(title="Updated title")
    assert "Updated title" in client.get("/news/").text

    post.refresh_from_db()
    post.title = "Bulk-updated title"
    Post.objects.bulk_update([post], ["title"])
    assert "Bulk-updated title" in client.get("/news/").text

    Post.objects.bulk_create(
        [Post(title="Bulk story", slug="bulk-story", standfirst="S.", category=post.category,
              status=Post.Status.PUBLISHED, published_at=timezone.now())]
    )  # fmt: skip
    assert "Bulk story" in client.get("/news/").text

    fixture = tmp_path / "post.json"
    fixture.write_text(serializers.serialize("json", [post]).replace("Bulk-updated", "Loaded"))
    call_command("loaddata", str(fixture), verbosity=0)
    assert "Loaded title" in client.get("/news/").text


def test_a_lost_version_starts_above_every_earlier_one(client, make_post):
    make_post(title="Forest news")
    client.get("/news/")
    before = page_cache.content_version()
    for _ in range(3):
        page_cache.bump_content_version()
    bumped = page_cache.content_version()
    assert bumped == before + 3
    cache.delete(page_cache.VERSION_KEY)  # evicted, or Redis restarted
    assert page_cache.content_version() > bumped
    assert not is_hit(client.get("/news/"))


def test_a_page_rendered_for_http_is_never_served_over_https(client, make_post, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    make_post()
    plain = client.get("/news/")
    assert is_hit(client.get("/news/"))
    secure = client.get("/news/", secure=True)
    assert not is_hit(secure)
    assert '<link rel="canonical" href="https://testserver/news/">' in secure.text
    assert "Strict-Transport-Security" in secure and "Strict-Transport-Security" not in plain
    assert is_hit(client.get("/news/", secure=True))


def test_a_scheduled_posts_address_answers_the_moment_it_goes_live(client, make_post):
    post = make_post(title="Embargoed story", published_at=timezone.now() + timedelta(minutes=10))
    url = post.get_absolute_url()
    for _ in range(2):
        early = client.get(url)
        assert early.status_code == 404 and not is_hit(early)
        cache_control = early["Cache-Control"]
        assert "public" not in cache_control and "no-cache" in cache_control
        assert "max-age=0" in cache_control
    client.get("/news/")
    assert is_hit(client.get("/news/"))  # a warm cache
    with time_machine.travel(post.published_at + timedelta(seconds=1)):
        live = client.get(url)
        assert live.status_code == 200 and "Embargoed story" in live.text
        assert "Embargoed story" in client.get("/news/").text


def test_error_pages_are_never_publicly_cacheable(client):
    for url in ["/news/no-such-story/", "/members/nobody/", "/news/?page=99"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "public" not in response["Cache-Control"]
        assert not is_hit(client.get(url))
