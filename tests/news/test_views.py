import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@pytest.fixture
def category(make_category):
    return make_category(name="Wildlife", slug="wildlife")


@pytest.fixture
def hidden_posts(make_post, category):
    """A draft, a post in review and a scheduled post, all in `category`."""
    return [
        make_post(title="Draft zebra", status=Post.Status.DRAFT, category=category),
        make_post(title="Review zebra", status=Post.Status.REVIEW, category=category),
        make_post(
            title="Scheduled zebra",
            published_at=timezone.now() + timedelta(days=1),
            category=category,
        ),
    ]


def get_html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


# --- Publishing rules ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/news/", "/news/category/wildlife/", "/"])
def test_lists_show_published_posts_only(client, make_post, category, hidden_posts, url):
    make_post(title="Public zebra", category=category)
    html = get_html(client, url)
    assert "Public zebra" in html
    for post in hidden_posts:
        assert post.title not in html
        assert post.get_absolute_url() not in html


def test_unpublished_post_page_is_404_for_anonymous_visitors(client, hidden_posts):
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404


def test_unpublished_post_page_is_404_for_logged_in_non_staff(
    client, hidden_posts, django_user_model
):
    client.force_login(django_user_model.objects.create_user("reader"))
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404


def test_unpublished_post_page_is_404_for_staff_without_news_permission(
    client, hidden_posts, make_user
):
    client.force_login(make_user("staffer"))
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404


def test_scheduled_post_appears_once_its_time_passes(client, make_post, category):
    when = timezone.now() + timedelta(days=1)
    post = make_post(title="Scheduled zebra", published_at=when, category=category)
    assert "Scheduled zebra" not in get_html(client, "/news/")
    with time_machine.travel(when + timedelta(minutes=1), tick=False):
        assert "Scheduled zebra" in get_html(client, "/news/")
        assert "Scheduled zebra" in get_html(client, "/news/category/wildlife/")
        assert "Scheduled zebra" in get_html(client, "/")
        response = client.get(post.get_absolute_url())
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")


def test_home_page_features_the_pinned_post(client, make_post):
    make_post(title="Newest post")
    make_post(
        title="Pinned post", is_featured=True, published_at=timezone.now() - timedelta(days=9)
    )
    html = get_html(client, "/")
    featured = html[html.index('class="featured"') : html.index("</article>")]
    assert "Pinned post" in featured
    assert "Newest post" in html


def test_home_page_never_features_a_scheduled_post(client, make_post):
    make_post(title="Public post")
    make_post(
        title="Future pinned post",
        is_featured=True,
        published_at=timezone.now() + timedelta(days=1),
    )
    html = get_html(client, "/")
    assert "Future pinned post" not in html
    assert "Public post" in html


def test_home_page_features_the_newest_post_when_none_is_pinned(client, make_post):
    now = timezone.now()
    for n in range(8):
        make_post(title=f"Story {n}", published_at=now - timedelta(hours=n + 1))
    html = get_html(client, "/")
    featured = html[html.index('class="featured"') : html.index("</article>")]
    latest = html[html.index('id="latest-title"') :]
    assert "Story 0" in featured and "Story 0" not in latest
    assert [f"Story {n}" in latest for n in range(1, 8)] == [True] * 6 + [False]


# --- Staff preview ------------------------------------------------------------------------


def test_staff_editor_sees_draft_marked_private(editor_client, make_post):
    post = make_post(title="Secret draft", status=Post.Status.DRAFT, published_at=None)
    response = editor_client.get(post.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Secret draft" in html
    assert '<meta name="robots" content="noindex' in html
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert "not published" in html


def test_staff_editor_sees_scheduled_post_marked_private(editor_client, make_post):
    post = make_post(title="Coming soon", published_at=timezone.now() + timedelta(days=2))
    response = editor_client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert "scheduled" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_published_post_page_is_indexable_and_cacheable(client, make_post):
    response = client.get(make_post().get_absolute_url())
    assert response.status_code == 200
    assert "noindex" not in response.content.decode()
    assert "X-Robots-Tag" not in response
    assert "no-store" not in response.get("Cache-Control", "")


# --- Shareable preview links --------------------------------------------------------------


def preview_url(post):
    return f"/news/preview/{post.preview_token()}/"


def test_preview_link_shows_draft_to_anonymous_visitor(client, make_post):
    post = make_post(title="Shared draft", status=Post.Status.DRAFT, published_at=None)
    response = client.get(preview_url(post))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Shared draft" in html
    assert '<meta name="robots" content="noindex' in html
    assert 'rel="canonical"' not in html
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_preview_link_expires(client, make_post, settings):
    post = make_post(status=Post.Status.DRAFT)
    url = preview_url(post)
    days = settings.NEWS_PREVIEW_LINK_DAYS
    with time_machine.travel(timezone.now() + timedelta(days=days) - timedelta(hours=1)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=days, hours=1)):
        assert client.get(url).status_code == 404


def test_tampered_preview_link_is_404(client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    token = post.preview_token()
    value, signature = token.rsplit(":", 1)
    other = make_post(status=Post.Status.DRAFT)
    forged = other.preview_token().rsplit(":", 1)[0] + ":" + signature
    assert client.get(f"/news/preview/{value}:{signature[::-1]}/").status_code == 404
    assert client.get(f"/news/preview/{forged}/").status_code == 404
    assert client.get("/news/preview/garbage/").status_code == 404


def test_revoked_preview_link_is_404(client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    url = preview_url(post)
    post.rotate_preview_key()
    assert client.get(url).status_code == 404
    assert client.get(preview_url(post)).status_code == 200


def test_preview_link_refuses_post(client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    assert client.post(preview_url(post)).status_code == 405


# --- Old addresses ------------------------------------------------------------------------


def test_old_slug_of_published_post_redirects_permanently(client, make_post):
    post = make_post(slug="old-address")
    post.slug = "new-address"
    post.save()
    response = client.get("/news/old-address/")
    assert response.status_code == 301
    assert response["Location"] == "/news/new-address/"
    assert client.get("/news/new-address/").status_code == 200


def test_old_slug_of_unpublished_post_is_404_for_anonymous_visitors(client, make_post):
    post = make_post(slug="old-draft", status=Post.Status.DRAFT)
    post.slug = "new-draft"
    post.save()
    assert client.get("/news/old-draft/").status_code == 404


@pytest.mark.parametrize("title", ["Feed", "Atom"])
def test_post_whose_title_matches_a_feed_address_is_reachable(client, make_post, title):
    post = make_post(title=title, slug="")
    response = client.get(post.get_absolute_url())
    assert response["Content-Type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.content.decode()


# --- Lists --------------------------------------------------------------------------------


def test_news_list_paginates_by_ten(client, make_post, category):
    for n in range(12):
        make_post(title=f"Story {n:02}", published_at=timezone.now() - timedelta(days=n))
    first = get_html(client, "/news/")
    second = get_html(client, "/news/?page=2")
    assert "Story 00" in first and "Story 09" in first and "Story 10" not in first
    assert "Story 10" in second and "Story 11" in second and "Story 09" not in second
    assert 'rel="next" href="?page=2"' in first


@pytest.mark.parametrize("page", ["999", "abc", "0"])
def test_news_list_page_out_of_range_is_404(client, make_post, page):
    make_post()
    assert client.get(f"/news/?page={page}").status_code == 404


def test_category_page_lists_only_its_posts(client, make_post, make_category, category):
    make_post(title="Pangolin news", category=category)
    make_post(title="Timber news", category=make_category(name="Timber"))
    html = get_html(client, "/news/category/wildlife/")
    assert "<h1>Wildlife</h1>" in html
    assert "Pangolin news" in html
    assert "Timber news" not in html


def test_missing_category_is_404(client):
    assert client.get("/news/category/no-such-category/").status_code == 404


def test_empty_news_list_says_so(client):
    assert "No news has been published here yet." in get_html(client, "/news/")


# --- Post page ----------------------------------------------------------------------------


@pytest.fixture
def story(make_post, make_category, category):
    """A post with older and newer neighbours in its category and one post elsewhere."""
    now = timezone.now().replace(microsecond=0)
    elsewhere = make_category(name="Timber", slug="timber")
    return {
        "elsewhere": make_post(
            title="Unrelated timber story", category=elsewhere, published_at=now - timedelta(days=5)
        ),
        "older": make_post(
            title="Older wildlife story", category=category, published_at=now - timedelta(days=3)
        ),
        "post": make_post(
            title="Pangolin scales seized",
            standfirst="Customs found 2 tonnes.",
            byline="The Secretariat",
            category=category,
            published_at=now - timedelta(days=2),
        ),
        "newer": make_post(
            title="Newer wildlife story", category=category, published_at=now - timedelta(days=1)
        ),
    }


def test_post_page_shows_date_category_and_byline(client, story):
    post = story["post"]
    html = get_html(client, post.get_absolute_url())
    assert "<h1>Pangolin scales seized</h1>" in html
    assert f'<time datetime="{post.published_at.isoformat()}">' in html
    assert 'Posted in <a href="/news/category/wildlife/">Wildlife</a>' in html
    assert "By The Secretariat" in html


def test_post_page_has_canonical_and_social_metadata(client, story):
    post = story["post"]
    html = get_html(client, post.get_absolute_url())
    absolute = f"http://testserver{post.get_absolute_url()}"
    assert f'<link rel="canonical" href="{absolute}">' in html
    assert '<meta property="og:title" content="Pangolin scales seized">' in html
    assert f'<meta property="og:url" content="{absolute}">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta name="description" content="Customs found 2 tonnes.">' in html


def test_post_page_has_news_article_structured_data(client, story):
    post = story["post"]
    html = get_html(client, post.get_absolute_url())
    (block,) = JSON_LD.findall(html)
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Pangolin scales seized"
    assert data["mainEntityOfPage"] == f"http://testserver{post.get_absolute_url()}"
    assert data["datePublished"] == post.published_at.isoformat()
    assert data["author"] == {"@type": "Organization", "name": "The Secretariat"}
    assert data["articleSection"] == "Wildlife"


def test_structured_data_cannot_break_out_of_its_script_element(client, make_post):
    title = "</script><script>alert(1)</script>"
    post = make_post(title=title)
    html = get_html(client, post.get_absolute_url())
    assert "<script>alert(1)" not in html
    (block,) = JSON_LD.findall(html)
    assert json.loads(block)["headline"] == title


def test_post_page_links_previous_and_next_posts(client, story):
    html = get_html(client, story["post"].get_absolute_url())
    assert f'<a rel="prev" href="{story["older"].get_absolute_url()}">' in html
    assert f'<a rel="next" href="{story["newer"].get_absolute_url()}">' in html


def test_newest_post_has_no_next_link(client, story):
    html = get_html(client, story["newer"].get_absolute_url())
    assert 'rel="next"' not in html
    assert f'<a rel="prev" href="{story["post"].get_absolute_url()}">' in html


def test_post_page_shows_related_posts_from_same_category(client, story, hidden_posts):
    html = get_html(client, story["post"].get_absolute_url())
    related = html[html.index('id="related-title"') :]
    assert "More in Wildlife" in related
    assert "Older wildlife story" in related
    assert "Newer wildlife story" in related
    assert "Unrelated timber story" not in html
    for post in hidden_posts:
        assert post.title not in html


def test_each_post_page_has_its_own_title(client, story):
    titles = {
        TITLE.search(get_html(client, post.get_absolute_url())).group(1) for post in story.values()
    }
    assert len(titles) == len(story)
    assert f"Pangolin scales seized · {settings.SITE_NAME}" in titles


def test_post_page_shows_author_name_without_byline(client, make_post, make_user):
    author = make_user("ada", first_name="Ada", last_name="Lovelace")
    html = get_html(client, make_post(author=author).get_absolute_url())
    assert "By Ada Lovelace" in html


# --- Query counts -------------------------------------------------------------------------


def add_posts(make_post, category, count, *, image_source):
    """Add `count` published posts, every other one showing image_source's library image."""
    posts = [
        make_post(category=category, published_at=timezone.now() - timedelta(hours=n + 2))
        for n in range(count)
    ]
    Post.objects.filter(pk__in=[post.pk for post in posts[::2]]).update(image=image_source.image)
    return posts


def count_queries(client, url):
    client.get(url)  # let anything cached per process settle first
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/news/", "/news/category/wildlife/", "/news/middle-post/", "/"])
def test_public_pages_run_a_fixed_number_of_queries(
    client, settings, make_post, make_image, category, url, django_assert_num_queries
):
    with_image = make_post(
        category=category, image=make_image(alt_text="A pangolin"), is_featured=True
    )
    make_post(slug="middle-post", category=category)
    add_posts(make_post, category, 4, image_source=with_image)
    small = count_queries(client, url)
    assert small <= 6  # the ceiling for a page rendered with every cache off
    add_posts(make_post, category, 45, image_source=with_image)
    assert Post.objects.published().count() == 51
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_neighbours_are_the_newest_related_and_the_posts_either_side(
    make_post, make_category, django_assert_num_queries
):
    """Every post's related, previous and next posts, against a plain Python reading."""
    from news.views import post_neighbours

    categories = [make_category(name=f"Kind {n}", slug=f"kind-{n}") for n in range(3)]
    now = timezone.now().replace(microsecond=0)
    for n in range(30):  # uneven categories, shared times, a draft and a scheduled post
        make_post(
            category=categories[(n * n) % 3 if n % 7 else 0],
            published_at=now - timedelta(hours=(n * 7) % 23 + 1),
            status=Post.Status.DRAFT if n == 11 else Post.Status.PUBLISHED,
        )
    make_post(category=categories[1], published_at=now + timedelta(hours=2))
    now = timezone.now()
    posts = sorted(
        (
            p
            for p in Post.objects.all()
            if p.status == Post.Status.PUBLISHED and p.published_at <= now
        ),
        key=lambda p: (p.published_at, p.pk),
        reverse=True,
    )
    assert len(posts) == 29
    for post in posts:
        older = [p.pk for p in posts if p.published_at < post.published_at]
        newer = [p.pk for p in posts if p.published_at > post.published_at]
        with django_assert_num_queries(3):
            found = post_neighbours(post)
        assert [p.pk for p in found["related_posts"]] == [
            p.pk for p in posts if p.category_id == post.category_id and p != post
        ][:3]
        assert getattr(found["previous_post"], "pk", None) == (older[0] if older else None)
        assert getattr(found["next_post"], "pk", None) == (newer[-1] if newer else None)
