"""The header and footer are remembered per variant; each page still gets its own."""

import re

import pytest
from django.core import signing

from ncasite import chrome
from newsletter.forms import RENDERED_AT_SALT

pytestmark = pytest.mark.django_db

PAGES = ["/", "/news/", "/members/", "/newsletter/", "/about/", "/search/?q=forest"]


@pytest.fixture
def site(make_post, make_organisation):
    post = make_post(title="Forest patrol")
    organisation = make_organisation(name="Forest Watch")
    return post, organisation


def chrome_of(response) -> str:
    """The page's header and footer, without the sign-up form's render time."""
    html = response.content.decode()
    parts = re.findall(r'<header class="site-header">.*?</header>|<footer.*?</footer>', html, re.S)
    return re.sub(r'name="rendered_at" value="[^"]*"', "", "".join(parts))


def current_links(response) -> dict[str, str]:
    """Link text → aria-current, for the header's links that carry one."""
    header = re.search(r'<header class="site-header">.*?</header>', response.content.decode(), re.S)
    links = re.findall(r'<a [^>]*aria-current="(\w+)"[^>]*>(.*?)</a>', header.group(0), re.S)
    return {re.sub(r"<[^>]+>|\s+", "", text): current for current, text in links}


def footer_input(response, name: str) -> str:
    footer = re.search(r"<footer.*?</footer>", response.content.decode(), re.S).group(0)
    return re.search(rf'name="{name}" value="([^"]*)"', footer).group(1)


@pytest.mark.parametrize("url", PAGES)
def test_remembered_chrome_is_what_a_fresh_render_gives(client, settings, site, url):
    settings.DEBUG = True  # renders the templates every time
    fresh = chrome_of(client.get(url))
    settings.DEBUG = False
    chrome._memo.clear()
    first, second = chrome_of(client.get(url)), chrome_of(client.get(url))
    assert first == second == fresh
    assert "Keep informed" in fresh


def test_each_page_marks_its_own_section_after_others_were_remembered(client, settings, site):
    post, organisation = site
    expected = {
        "/": {settings.SITE_NAME.replace(" ", ""): "page"},
        "/news/": {"News": "page"},
        post.get_absolute_url(): {"News": "true"},
        "/members/": {"Members": "page"},
        organisation.get_absolute_url(): {"Members": "true"},
        "/newsletter/": {"Newsletter": "page"},
        "/about/": {"About": "page"},
        "/search/?q=forest": {"Search": "page"},
        "/nowhere/": {},
    }
    for _round in range(2):
        for url, links in expected.items():
            assert current_links(client.get(url)) == links, url


def test_footer_form_names_the_page_it_was_sent_from(client, site):
    for url in ["/", "/news/", "/about/"]:
        assert footer_input(client.get(url), "source") == url


def test_hostile_path_in_the_footer_form_is_escaped(client):
    response = client.get('/no-such-"><b>bold</b>/')
    assert response.status_code == 404
    html = response.content.decode()
    assert "<b>bold</b>" not in html
    assert 'value="/no-such-&quot;&gt;&lt;b&gt;bold&lt;/b&gt;/"' in html


def test_every_page_view_signs_its_own_render_time(client, site, time_machine):
    stamps = []
    for moment in (1_800_000_000, 1_800_000_090):
        time_machine.move_to(moment, tick=False)
        stamps.append(footer_input(client.get("/news/"), "rendered_at"))
    assert [signing.loads(stamp, salt=RENDERED_AT_SALT) for stamp in stamps] == [
        1_800_000_000,
        1_800_000_090,
    ]
    assert chrome.STAMP_MARK not in "".join(stamps)


def test_footer_form_sent_from_a_remembered_footer_subscribes(
    client, settings, site, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_MIN_SUBMIT_SECONDS = 0
    page = client.get("/news/")
    data = {name: footer_input(page, name) for name in ("source", "rendered_at")}
    data.update(email="reader@example.org", consent="on")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/newsletter/", data)
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["reader@example.org"]]


def test_a_changed_site_name_shows_at_once(client, settings, site):
    client.get("/news/")
    settings.SITE_NAME = "Alliance Renamed"
    html = client.get("/news/").content.decode()
    assert "Alliance Renamed" in chrome_of_html(html)


def chrome_of_html(html: str) -> str:
    return "".join(re.findall(r'<header class="site-header">.*?</header>', html, re.S))


def test_remembered_variants_are_capped(rf, settings, monkeypatch):
    monkeypatch.setattr(chrome, "MEMO_SIZE", 3)
    chrome._memo.clear()
    for name in ["One", "Two", "Three", "Four", "Five"]:
        settings.SITE_NAME = name
        assert name in chrome.site_header(rf.get("/"))
        assert len(chrome._memo) <= 3
