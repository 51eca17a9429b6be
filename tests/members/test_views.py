import html as html_lib
import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Organisation
from news.models import Post

pytestmark = pytest.mark.django_db

CARD_NAME = re.compile(r'<span class="member-card__name">(.*?)</span>', re.S)
RESULT_COUNT = re.compile(r'<p class="result-count"[^>]*>(.*?)</p>', re.S)
HOME_MEMBER_COUNT = re.compile(r'<h2 id="member-count-title">(.*?)</h2>', re.S)
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
UNKNOWN_FILTER_NOTICE = "We do not know that kind or region."
CLEAR_FILTERS_LINK = '<a class="clear-filters" href="/members/">Clear filters</a>'


def get_html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def listed_names(html):
    """Names of the member cards on a page, in order."""
    return [html_lib.unescape(name) for name in CARD_NAME.findall(html)]


def result_count(html):
    """The directory's count line as a visitor reads it, tags stripped."""
    text = re.sub(r"<[^>]+>", " ", RESULT_COUNT.search(html).group(1))
    return " ".join(html_lib.unescape(text).split())


def past(days):
    return timezone.localdate() - timedelta(days=days)


def future(days):
    return timezone.localdate() + timedelta(days=days)


# --- Directory: filters -------------------------------------------------------------------


@pytest.fixture
def one_member_per_kind(make_organisation):
    return {
        kind: make_organisation(name=f"Member {n} of its kind", kind=kind)
        for n, kind in enumerate(Organisation.Kind.values)
    }


@pytest.fixture
def one_member_per_region(make_organisation):
    return {
        region: make_organisation(name=f"Member {n} of its region", region=region)
        for n, region in enumerate(Organisation.Region.values)
    }


@pytest.mark.parametrize("kind", Organisation.Kind.values)
def test_directory_filtered_by_kind_lists_only_that_kind(client, one_member_per_kind, kind):
    html = get_html(client, f"/members/?kind={kind}")
    assert listed_names(html) == [one_member_per_kind[kind].name]
    assert result_count(html).startswith("1 member ·")


@pytest.mark.parametrize("region", Organisation.Region.values)
def test_directory_filtered_by_region_lists_only_that_region(client, one_member_per_region, region):
    html = get_html(client, f"/members/?region={region}")
    assert listed_names(html) == [one_member_per_region[region].name]
    assert result_count(html).startswith("1 member ·")


def test_directory_filtered_by_kind_and_region_lists_members_matching_both(
    client, make_organisation
):
    make_organisation(name="Both match", kind="civil-society", country="KE")
    make_organisation(name="Also both", kind="civil-society", region="africa")
    make_organisation(name="Right kind only", kind="civil-society", country="FR")
    make_organisation(name="Right region only", kind="government", country="KE")
    html = get_html(client, "/members/?kind=civil-society&region=africa")
    assert listed_names(html) == ["Also both", "Both match"]
    assert result_count(html) == "2 members · Civil society · Africa Clear filters"


def test_directory_without_filter_lists_every_current_member(client, make_organisation):
    for name in ["Charlie", "Alpha", "Bravo"]:
        make_organisation(name=name)
    html = get_html(client, "/members/")
    assert listed_names(html) == ["Alpha", "Bravo", "Charlie"]
    assert result_count(html) == "3 members"
    assert CLEAR_FILTERS_LINK not in html
    assert UNKNOWN_FILTER_NOTICE not in html


def test_directory_count_is_singular_for_one_member(client, make_organisation):
    make_organisation()
    assert result_count(get_html(client, "/members/")) == "1 member"


def test_directory_with_no_members_says_so(client):
    html = get_html(client, "/members/")
    assert result_count(html) == "0 members"
    assert "No member matches these filters yet." in html


@pytest.mark.parametrize(
    "query", ["kind=pirates", "region=atlantis", "kind=Government", "kind=government&region=mars"]
)
def test_directory_with_unknown_filter_value_is_empty_with_notice(client, make_organisation, query):
    make_organisation(kind="government", region="europe")
    html = get_html(client, f"/members/?{query}")
    assert listed_names(html) == []
    assert result_count(html).startswith("0 members")
    assert UNKNOWN_FILTER_NOTICE in html
    assert CLEAR_FILTERS_LINK in html


def test_directory_shows_current_filter_and_clear_link(client, make_organisation):
    make_organisation(kind="civil-society", country="PE")
    html = get_html(client, "/members/?kind=civil-society&region=latin-america-caribbean")
    assert '<option value="civil-society" selected>' in html
    assert '<option value="latin-america-caribbean" selected>' in html
    assert "Civil society · Latin America and the Caribbean" in result_count(html)
    assert CLEAR_FILTERS_LINK in html
    assert "<title>Members: Civil society, Latin America and the Caribbean ·" in html


def test_directory_excludes_former_members(client, make_organisation):
    make_organisation(name="Still here")
    make_organisation(name="Gone", joined_on=past(900), left_on=past(30))
    html = get_html(client, "/members/")
    assert listed_names(html) == ["Still here"]
    assert result_count(html) == "1 member"


def test_directory_excludes_members_joining_in_the_future(client, make_organisation):
    make_organisation(name="Still here")
    make_organisation(name="Not yet", joined_on=future(10))
    assert listed_names(get_html(client, "/members/")) == ["Still here"]


def test_directory_keeps_members_whose_leaving_date_is_ahead(client, make_organisation):
    make_organisation(name="Leaving soon", left_on=future(10))
    assert listed_names(get_html(client, "/members/")) == ["Leaving soon"]


# --- Member page --------------------------------------------------------------------------


def test_former_member_page_answers_with_former_member_note(client, make_organisation):
    gone = make_organisation(name="Gone", joined_on=date(2020, 1, 1), left_on=date(2024, 3, 31))
    html = get_html(client, gone.get_absolute_url())
    assert "Former member: left the alliance in March 2024." in html


def test_future_member_page_says_not_yet_a_member(client, make_organisation):
    soon = make_organisation(joined_on=future(10))
    html = get_html(client, soon.get_absolute_url())
    assert "Not yet a member." in html
    assert "Former member" not in html


def test_current_member_page_has_no_membership_notice(client, make_organisation):
    html = get_html(client, make_organisation().get_absolute_url())
    assert "Former member" not in html
    assert "Not yet a member." not in html


def test_unknown_member_page_is_404(client):
    get_html(client, "/members/no-such-member/", status=404)


@pytest.fixture
def forest_watch(make_organisation):
    return make_organisation(
        name="Forest Watch",
        slug="forest-watch",
        short_name="FW",
        kind="civil-society",
        country="PE",
        website="https://forestwatch.example.org",
        joined_on=date(2022, 3, 15),
        description="<p>Patrols along the river.</p>",
    )


def test_member_page_shows_facts(client, forest_watch):
    html = get_html(client, "/members/forest-watch/")
    assert "<h1>Forest Watch" in html
    assert '<a href="/members/?kind=civil-society">Civil society</a>' in html
    assert '<a href="/members/?region=latin-america-caribbean">' in html
    assert "Latin America and the Caribbean" in html
    assert "Peru</dd>" in html
    assert '<time datetime="2022-03-15">March 2022</time>' in html
    assert "<p>Patrols along the river.</p>" in html


def test_member_page_links_website_with_noopener(client, forest_watch):
    html = get_html(client, "/members/forest-watch/")
    assert (
        '<a href="https://forestwatch.example.org" rel="noopener">'
        "https://forestwatch.example.org</a>" in html
    )


def test_member_page_has_canonical_og_and_feed_links(client, forest_watch):
    html = get_html(client, "/members/forest-watch/")
    assert '<link rel="canonical" href="http://testserver/members/forest-watch/">' in html
    assert '<meta property="og:title" content="Forest Watch">' in html
    assert '<meta property="og:url" content="http://testserver/members/forest-watch/">' in html
    assert re.search(
        r'<link rel="alternate" type="application/rss\+xml" title="News about Forest Watch \(RSS\)"'
        r' href="/members/forest-watch/feed/">',
        html,
    )


def test_member_page_has_organization_structured_data(client, forest_watch, settings):
    html = get_html(client, "/members/forest-watch/")
    [data] = [json.loads(block) for block in JSON_LD.findall(html)]
    assert data["@type"] == "Organization"
    assert data["name"] == "Forest Watch"
    assert data["alternateName"] == "FW"
    assert data["url"] == "http://testserver/members/forest-watch/"
    assert data["sameAs"] == ["https://forestwatch.example.org"]
    assert data["address"] == {"@type": "PostalAddress", "addressCountry": "PE"}
    assert data["memberOf"] == {"@type": "Organization", "name": settings.SITE_NAME}


def test_member_structured_data_escapes_html_in_names(client, make_organisation):
    organisation = make_organisation(name="</script><script>alert(1)</script>", slug="evil")
    html = get_html(client, organisation.get_absolute_url())
    assert "<script>alert(1)" not in html
    [data] = [json.loads(block) for block in JSON_LD.findall(html)]
    assert data["name"] == "</script><script>alert(1)</script>"


def test_member_page_lists_only_its_published_posts_newest_first(
    client, forest_watch, make_organisation, make_post
):
    other = make_organisation()
    now = timezone.now()
    older = make_post(title="Older story", published_at=now - timedelta(days=3))
    newer = make_post(title="Newer story", published_at=now - timedelta(days=1))
    draft = make_post(title="Draft story", status=Post.Status.DRAFT)
    review = make_post(title="Review story", status=Post.Status.REVIEW)
    scheduled = make_post(title="Scheduled story", published_at=now + timedelta(days=1))
    elsewhere = make_post(title="Story about someone else")
    for post in (older, newer, draft, review, scheduled):
        post.organisations.add(forest_watch)
    elsewhere.organisations.add(other)
    make_post(title="Story about nobody")

    html = get_html(client, "/members/forest-watch/")
    titles = re.findall(r'class="post-card__title"><a href="[^"]+">(.*?)</a>', html)
    assert titles == ["Newer story", "Older story"]
    for hidden in ("Draft story", "Review story", "Scheduled story", "someone else", "nobody"):
        assert hidden not in html


def test_member_page_without_posts_says_so(client, forest_watch):
    assert "No news about this member yet." in get_html(client, "/members/forest-watch/")


def test_post_page_links_to_its_members(client, make_post, make_organisation):
    post = make_post()
    first = make_organisation(name="Forest Watch")
    second = make_organisation(name="Ocean Guard")
    make_organisation(name="Not in this story")
    post.organisations.add(first, second)
    html = get_html(client, post.get_absolute_url())
    assert "Members in this story" in html
    assert f'<a href="{first.get_absolute_url()}">Forest Watch</a>' in html
    assert f'<a href="{second.get_absolute_url()}">Ocean Guard</a>' in html
    assert "Not in this story" not in html


def test_post_page_without_members_has_no_members_section(client, make_post, make_organisation):
    make_organisation()
    assert "Members in this story" not in get_html(client, make_post().get_absolute_url())


# --- Home page and search -----------------------------------------------------------------


def home_member_count(client):
    """The member count headline on the home page, as a number."""
    match = HOME_MEMBER_COUNT.search(get_html(client, "/"))
    text = " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())
    number, _, words = text.partition(" ")
    assert words.startswith("member")
    return int(number)


def test_home_page_shows_live_member_count(client, make_organisation):
    for _ in range(3):
        make_organisation()
    make_organisation(joined_on=past(900), left_on=past(1))
    make_organisation(joined_on=future(1))
    assert home_member_count(client) == 3

    make_organisation()
    assert home_member_count(client) == 4


@pytest.mark.parametrize("query", ["Forest Watch", "forest", "FW", "fw", "Peru", "peru"])
def test_search_finds_members_by_name_short_name_or_country(client, make_organisation, query):
    make_organisation(name="Forest Watch", short_name="FW", country="PE")
    make_organisation(name="Ocean Guard", short_name="OG", country="FR")
    html = get_html(client, f"/search/?q={query}")
    assert listed_names(html) == ["Forest Watch"]


@pytest.mark.parametrize("query", ["Lost Forest", "LF", "Kenya"])
def test_search_never_finds_former_members(client, make_organisation, query):
    lost = make_organisation(
        name="Lost Forest", short_name="LF", country="KE", joined_on=past(900), left_on=past(1)
    )
    html = get_html(client, f"/search/?q={query}")
    assert listed_names(html) == []
    assert lost.get_absolute_url() not in html


def test_search_does_not_find_members_joining_in_the_future(client, make_organisation):
    make_organisation(name="Forest Watch", joined_on=future(5))
    assert listed_names(get_html(client, "/search/?q=Forest")) == []


# --- Query counts -------------------------------------------------------------------------


def count_queries(client, url):
    client.get(url)  # warm up caches that are filled once per process
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_directory_query_count_does_not_grow_with_members(
    client, settings, make_organisation, django_assert_num_queries
):
    for n in range(10):
        make_organisation(kind="civil-society", country="PE", short_name=f"M{n}")
    small = count_queries(client, "/members/")
    assert small <= 6
    for n in range(90):
        make_organisation(kind="government", country="KE", short_name=f"N{n}")
    with django_assert_num_queries(small):
        html = get_html(client, "/members/")
    assert result_count(html) == "100 members"


def test_member_page_query_count_does_not_grow_with_members(
    client, settings, make_organisation, make_post, django_assert_num_queries
):
    for _ in range(10):
        make_organisation()
    organisation = make_organisation(country="PE")
    make_post().organisations.add(organisation)
    small = count_queries(client, organisation.get_absolute_url())
    assert small <= 6
    for _ in range(90):
        make_organisation()
    with django_assert_num_queries(small):
        get_html(client, organisation.get_absolute_url())


def test_member_page_query_count_does_not_grow_with_related_posts(
    client, settings, make_organisation, make_post, make_category, django_assert_num_queries
):
    organisation = make_organisation(country="PE")
    make_post().organisations.add(organisation)
    small = count_queries(client, organisation.get_absolute_url())
    assert small <= 6
    for _ in range(29):
        make_post(category=make_category()).organisations.add(organisation)
    with django_assert_num_queries(small):
        html = get_html(client, organisation.get_absolute_url())
    assert html.count('class="post-card__title"') == 20
