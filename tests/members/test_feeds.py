import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, ET.fromstring(response.content)


def find(element, path):
    return element.findtext(path, namespaces=SITEMAP_NS)


@pytest.fixture
def forest_watch(make_organisation):
    return make_organisation(name="Forest Watch", slug="forest-watch")


def test_member_feed_lists_exactly_its_published_posts_newest_first(
    client, forest_watch, make_organisation, make_post
):
    now = timezone.now()
    older = make_post(title="Older story", published_at=now - timedelta(days=3))
    newer = make_post(title="Newer story", published_at=now - timedelta(days=1))
    hidden = [
        make_post(title="Draft story", status=Post.Status.DRAFT),
        make_post(title="Review story", status=Post.Status.REVIEW),
        make_post(title="Scheduled story", published_at=now + timedelta(hours=1)),
    ]
    for post in [older, newer, *hidden]:
        post.organisations.add(forest_watch)
    make_post(title="Story about someone else").organisations.add(make_organisation())
    make_post(title="Story about nobody")

    response, rss = get_xml(client, "/members/forest-watch/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    items = rss.findall("./channel/item")
    assert [item.findtext("title") for item in items] == ["Newer story", "Older story"]
    assert [item.findtext("link") for item in items] == [
        f"http://testserver{newer.get_absolute_url()}",
        f"http://testserver{older.get_absolute_url()}",
    ]
    assert items[0].findtext("description") == newer.standfirst


def test_member_feed_describes_the_member(client, forest_watch, settings):
    _response, rss = get_xml(client, "/members/forest-watch/feed/")
    channel = rss.find("channel")
    assert channel.findtext("title") == f"Forest Watch · {settings.SITE_NAME}"
    assert channel.findtext("link") == "http://testserver/members/forest-watch/"
    assert "Forest Watch" in channel.findtext("description")
    assert channel.findall("item") == []
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link.get("href") == "http://testserver/members/forest-watch/feed/"


def test_member_feed_is_capped(client, forest_watch, make_post):
    for _ in range(25):
        make_post().organisations.add(forest_watch)
    _response, rss = get_xml(client, "/members/forest-watch/feed/")
    assert len(rss.findall("./channel/item")) == 20


def test_member_feed_escapes_titles(client, forest_watch, make_post):
    make_post(title="Rangers & <customs> officers").organisations.add(forest_watch)
    _response, rss = get_xml(client, "/members/forest-watch/feed/")
    assert rss.findtext("./channel/item/title") == "Rangers & <customs> officers"


def test_former_member_feed_still_answers(client, make_organisation, make_post):
    today = timezone.localdate()
    gone = make_organisation(joined_on=today - timedelta(days=900), left_on=today)
    make_post(title="Old story").organisations.add(gone)
    _response, rss = get_xml(client, f"/members/{gone.slug}/feed/")
    assert rss.findtext("./channel/item/title") == "Old story"


def test_unknown_member_feed_is_404(client):
    assert client.get("/members/no-such-member/feed/").status_code == 404


def test_members_sitemap_lists_member_pages_with_lastmod(client, make_organisation):
    members = [make_organisation(name=name) for name in ["Bravo", "Alpha"]]
    _response, urlset = get_xml(client, "/sitemap-members.xml")
    entries = {
        find(url, "sm:loc"): find(url, "sm:lastmod") for url in urlset.findall("sm:url", SITEMAP_NS)
    }
    assert set(entries) == {f"http://testserver{m.get_absolute_url()}" for m in members}
    for organisation in members:
        organisation.refresh_from_db()
        lastmod = entries[f"http://testserver{organisation.get_absolute_url()}"]
        assert lastmod == timezone.localtime(organisation.updated_at).date().isoformat()


@time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
def test_members_sitemap_lastmod_follows_edits(client, make_organisation):
    organisation = make_organisation(slug="forest-watch")
    with time_machine.travel(datetime(2026, 4, 2, 12, tzinfo=UTC), tick=False):
        organisation.short_name = "FW"
        organisation.save()
    _response, urlset = get_xml(client, "/sitemap-members.xml")
    assert find(urlset, "sm:url/sm:lastmod") == "2026-04-02"


def test_members_sitemap_is_listed_in_sitemap_index(client):
    _response, index = get_xml(client, "/sitemap.xml")
    locations = [loc.text for loc in index.iter(f"{{{SITEMAP_NS['sm']}}}loc")]
    assert "http://testserver/sitemap-members.xml" in locations
