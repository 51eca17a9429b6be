"""Rendered cards are kept between renders and retired whenever public content changes."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db

CARD_PAGES = ["/", "/news/", "/members/", "/search/?q=forest"]


@pytest.fixture
def content(make_post, make_organisation, make_category):
    forests = make_category(name="Forests")
    posts = [make_post(title=f"Forest patrol {n}", category=forests) for n in range(4)]
    members = [make_organisation(name=f"Forest Watch {n}") for n in range(3)]
    return posts, members, forests


def page(response) -> str:
    """The page without the sign-up form's render timestamp, which differs on every render."""
    return re.sub(r'name="rendered_at" value="[^"]*"', "", response.content.decode())


def rendered_templates(response) -> list[str]:
    return [template.name for template in response.templates]


@pytest.mark.parametrize("url", CARD_PAGES)
def test_pages_read_the_same_with_and_without_kept_cards(client, settings, content, url):
    settings.FRAGMENT_CACHE_SECONDS = 0
    without = page(client.get(url))
    settings.FRAGMENT_CACHE_SECONDS = 600
    first, second = page(client.get(url)), page(client.get(url))
    assert first == second == without
    assert "Forest" in first


def test_second_render_reuses_the_cards(client, settings, content):
    settings.FRAGMENT_CACHE_SECONDS = 600
    first = client.get("/news/")
    second = client.get("/news/")
    assert rendered_templates(first).count("includes/post_card.html") == 4
    assert "includes/post_card.html" not in rendered_templates(second)
    assert page(second) == page(first)


def test_cards_rendered_for_one_page_serve_another(client, settings, content):
    settings.FRAGMENT_CACHE_SECONDS = 600
    _posts, _members, forests = content
    client.get("/news/")
    response = client.get(forests.get_absolute_url())
    assert "includes/post_card.html" not in rendered_templates(response)
    assert "Forest patrol 3" in response.text


def test_editing_a_post_shows_in_its_card_on_the_next_render(client, settings, content):
    settings.FRAGMENT_CACHE_SECONDS = 600
    posts, _members, forests = content
    client.get("/news/")

    posts[0].title = "Rangers seize timber"
    posts[0].save()
    assert "Rangers seize timber" in client.get("/news/").text

    forests.name = "Forests and rivers"
    forests.save()
    assert client.get("/news/").text.count("Forests and rivers") >= 4


def test_renaming_a_member_and_unpublishing_a_post_show_on_the_next_render(
    client, settings, content
):
    settings.FRAGMENT_CACHE_SECONDS = 600
    posts, members, _forests = content
    client.get("/members/")
    client.get("/")

    members[1].name = "River Guardians"
    members[1].save()
    Post.objects.filter(pk=posts[2].pk).update(status=Post.Status.DRAFT)  # no signal: the list
    posts[3].status = Post.Status.DRAFT
    posts[3].save()

    assert "River Guardians" in client.get("/members/").text
    home = client.get("/").text
    assert "Forest patrol 3" not in home and "Forest patrol 2" not in home


def test_cards_are_kept_per_language(client, settings, content):
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    english = client.get("/news/", headers={"accept-language": "en"})
    french = client.get("/news/", headers={"accept-language": "fr"})
    assert rendered_templates(french).count("includes/post_card.html") == 4
    assert page(english) != page(french)


# --- Counts kept between renders (ncasite.page_cache.kept) --------------------------------


def member_count(client) -> int:
    return int(re.search(r'class="big-number">(\d+)<', client.get("/").text).group(1))


def test_home_member_count_is_kept_and_follows_every_change(
    client, settings, make_organisation, django_assert_num_queries, time_machine
):
    settings.FRAGMENT_CACHE_SECONDS = 600
    late_evening = timezone.localtime().replace(hour=23, minute=58)
    time_machine.move_to(late_evening, tick=False)
    watch = make_organisation(name="Forest Watch")
    make_organisation(name="Starts soon", joined_on=timezone.localdate() + timedelta(days=1))
    assert member_count(client) == 1
    with django_assert_num_queries(2):  # the two post lists; the count comes from the cache
        assert member_count(client) == 1

    make_organisation(name="River Guard")
    assert member_count(client) == 2
    watch.delete()
    assert member_count(client) == 1
    time_machine.move_to(late_evening + timedelta(minutes=3), tick=False)
    assert member_count(client) == 2  # who joins tomorrow counts from midnight


def test_news_list_count_is_kept_and_follows_publishing(
    client, settings, make_post, make_category, time_machine
):
    settings.FRAGMENT_CACHE_SECONDS = 600
    time_machine.move_to(timezone.now(), tick=False)
    wildlife, timber = make_category(name="Wildlife"), make_category(name="Timber")
    posts = [make_post(category=wildlife) for _ in range(10)]
    scheduled = make_post(category=timber, published_at=timezone.now() + timedelta(minutes=5))
    for url in ["/news/", wildlife.get_absolute_url(), timber.get_absolute_url()]:
        assert "?page=2" not in client.get(url).text
        assert client.get(url + "?page=2").status_code == 404

    time_machine.move_to(scheduled.published_at + timedelta(seconds=1), tick=False)
    assert client.get("/news/?page=2").status_code == 200  # the 11th post, on time
    assert client.get(timber.get_absolute_url()).status_code == 200

    posts[0].status = Post.Status.DRAFT
    posts[0].save()
    assert client.get("/news/?page=2").status_code == 404
    make_post(category=wildlife)
    assert client.get("/news/?page=2").status_code == 200
    assert client.get(wildlife.get_absolute_url() + "?page=2").status_code == 404
    make_post(category=wildlife)
    assert client.get(wildlife.get_absolute_url() + "?page=2").status_code == 200
    assert client.get(timber.get_absolute_url() + "?page=2").status_code == 404  # its own count


def test_article_neighbours_are_kept_and_follow_publishing(
    client, settings, make_post, make_category, django_assert_num_queries
):
    settings.FRAGMENT_CACHE_SECONDS = 600
    wildlife, now = make_category(name="Wildlife"), timezone.now()
    older = make_post(title="Older story", category=wildlife, published_at=now - timedelta(hours=3))
    story = make_post(title="The story", category=wildlife, published_at=now - timedelta(hours=2))
    first = client.get(story.get_absolute_url()).text
    assert "Older story" in first and 'rel="next"' not in first
    with django_assert_num_queries(2):  # the post and its members; neighbours kept
        client.get(story.get_absolute_url())
    older_page = client.get(older.get_absolute_url()).text  # each post keeps its own
    assert f'<a rel="next" href="{story.get_absolute_url()}">' in older_page

    newer = make_post(title="Newer story", category=wildlife, published_at=now - timedelta(hours=1))
    html = client.get(story.get_absolute_url()).text
    assert f'<a rel="next" href="{newer.get_absolute_url()}">' in html
    older.delete()
    assert "Older story" not in client.get(story.get_absolute_url()).text
