import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ALTERNATE = re.compile(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"')


@pytest.fixture
def category(make_category):
    return make_category(name="Wildlife", slug="wildlife")


@pytest.fixture
def posts(make_post, category, make_category):
    """Two published posts, one in `category`, and every kind of unpublished post."""
    return {
        "published": [
            make_post(title="Wildlife story", category=category),
            make_post(title="Timber story", category=make_category(name="Timber")),
        ],
        "hidden": [
            make_post(title="Draft story", status=Post.Status.DRAFT, category=category),
            make_post(title="Review story", status=Post.Status.REVIEW, category=category),
            make_post(
                title="Scheduled story",
                published_at=timezone.now() + timedelta(days=1),
                category=category,
            ),
        ],
    }


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


def rss_items(client, url):
    root = get_xml(client, url)
    assert root.tag == "rss"
    return {item.findtext("title"): item.findtext("link") for item in root.iter("item")}


def atom_entries(client, url):
    root = get_xml(client, url)
    assert root.tag == f"{ATOM}feed"
    return {
        entry.findtext(f"{ATOM}title"): entry.find(f"{ATOM}link").get("href")
        for entry in root.iter(f"{ATOM}entry")
    }


def absolute(post):
    return f"http://testserver{post.get_absolute_url()}"


def sitemap_locations(client, url):
    return {loc.text for loc in get_xml(client, url).iter(f"{SITEMAP}loc")}


# --- Feeds --------------------------------------------------------------------------------


def test_rss_feed_lists_exactly_the_published_posts(client, posts):
    items = rss_items(client, "/news/feed/")
    assert items == {post.title: absolute(post) for post in posts["published"]}


def test_atom_feed_lists_exactly_the_published_posts(client, posts):
    entries = atom_entries(client, "/news/atom/")
    assert entries == {post.title: absolute(post) for post in posts["published"]}


def test_category_feed_lists_only_that_categorys_published_posts(client, posts):
    items = rss_items(client, "/news/category/wildlife/feed/")
    assert items == {"Wildlife story": absolute(posts["published"][0])}


def test_category_feed_of_missing_category_is_404(client):
    assert client.get("/news/category/no-such-category/feed/").status_code == 404


def test_feed_items_carry_summary_date_and_category(client, make_post, category):
    post = make_post(title="Wildlife story", standfirst="Two tonnes seized.", category=category)
    (item,) = get_xml(client, "/news/feed/").iter("item")
    assert item.findtext("description") == "Two tonnes seized."
    assert item.findtext("category") == "Wildlife"
    assert item.findtext("guid") == absolute(post)
    assert item.findtext("pubDate")


def test_feed_channel_links_are_absolute(client, posts):
    channel = get_xml(client, "/news/category/wildlife/feed/").find("channel")
    assert channel.findtext("link") == "http://testserver/news/category/wildlife/"
    assert channel.findtext("title").startswith("Wildlife")


def test_feeds_hold_at_most_twenty_newest_posts(client, make_post, category):
    posts = [
        make_post(category=category, published_at=timezone.now() - timedelta(hours=n + 1))
        for n in range(23)
    ]
    newest = {absolute(post) for post in posts[:20]}
    assert set(rss_items(client, "/news/feed/").values()) == newest
    assert set(atom_entries(client, "/news/atom/").values()) == newest
    assert set(rss_items(client, "/news/category/wildlife/feed/").values()) == newest


def test_feed_shows_scheduled_post_once_its_time_passes(client, make_post):
    when = timezone.now() + timedelta(days=1)
    make_post(title="Scheduled story", published_at=when)
    assert "Scheduled story" not in rss_items(client, "/news/feed/")
    with time_machine.travel(when + timedelta(seconds=1), tick=False):
        assert "Scheduled story" in rss_items(client, "/news/feed/")
        assert "Scheduled story" in atom_entries(client, "/news/atom/")


def test_feed_escapes_markup_in_titles(client, make_post):
    make_post(title="Fish & chips <b>bold</b>")
    assert "Fish & chips <b>bold</b>" in rss_items(client, "/news/feed/")


# --- Feed discovery -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/news/", "/news/category/wildlife/"])
def test_pages_link_the_site_feeds(client, posts, url):
    links = ALTERNATE.findall(client.get(url).content.decode())
    assert ("application/rss+xml", "/news/feed/") in links
    assert ("application/atom+xml", "/news/atom/") in links


def test_post_page_links_the_site_feeds(client, posts):
    html = client.get(posts["published"][0].get_absolute_url()).content.decode()
    assert ("application/rss+xml", "/news/feed/") in ALTERNATE.findall(html)


def test_category_page_links_its_own_feed(client, posts):
    links = ALTERNATE.findall(client.get("/news/category/wildlife/").content.decode())
    assert ("application/rss+xml", "/news/category/wildlife/feed/") in links


# --- Sitemap ------------------------------------------------------------------------------


def test_sitemap_index_lists_the_post_sitemap(client, posts):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = sitemap_locations(client, "/sitemap.xml")
    assert "http://testserver/sitemap-posts.xml" in locations
    assert "http://testserver/sitemap-categories.xml" in locations


def test_post_sitemap_lists_exactly_the_published_posts(client, posts):
    assert sitemap_locations(client, "/sitemap-posts.xml") == {
        absolute(post) for post in posts["published"]
    }


def test_post_sitemap_gives_last_modification(client, make_post):
    make_post()
    (url,) = get_xml(client, "/sitemap-posts.xml").iter(f"{SITEMAP}url")
    assert url.findtext(f"{SITEMAP}lastmod")


def test_post_sitemap_adds_scheduled_post_once_its_time_passes(client, make_post):
    when = timezone.now() + timedelta(days=1)
    post = make_post(published_at=when)
    assert absolute(post) not in sitemap_locations(client, "/sitemap-posts.xml")
    with time_machine.travel(when + timedelta(seconds=1), tick=False):
        assert absolute(post) in sitemap_locations(client, "/sitemap-posts.xml")


def test_category_sitemap_lists_category_pages(client, posts, category):
    locations = sitemap_locations(client, "/sitemap-categories.xml")
    assert "http://testserver/news/category/wildlife/" in locations


def test_category_sitemap_lastmod_ignores_unpublished_posts(client, make_post, category):
    with time_machine.travel("2026-01-01 12:00Z", tick=False):
        category.save()
        make_post(category=category, published_at=timezone.now() - timedelta(days=1))
    with time_machine.travel("2026-06-01 12:00Z", tick=False):
        make_post(category=category, status=Post.Status.DRAFT, published_at=timezone.now())
        make_post(category=category, published_at=timezone.now() + timedelta(days=30))
        root = get_xml(client, "/sitemap-categories.xml")
    lastmods = [
        url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
        if url.findtext(f"{SITEMAP}loc").endswith("/news/category/wildlife/")
    ]
    assert lastmods == ["2026-01-01"]


def test_sitemap_index_paginates_large_sections(client, make_post, monkeypatch):
    from news.sitemaps import PostSitemap

    monkeypatch.setattr(PostSitemap, "limit", 2)
    for _ in range(5):
        make_post()
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-posts.xml?p=3" in index
    page_three = client.get("/sitemap-posts.xml?p=3").content.decode()
    assert page_three.count("<url>") == 1
