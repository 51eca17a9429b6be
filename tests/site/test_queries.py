"""Id lists compiled once (ncasite.queries) and the cards they feed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Organisation
from ncasite import queries
from ncasite.queries import ByIds, list_ids
from news.models import Post

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite hands datetimes over as text"
)


@pytest.fixture(autouse=True)
def _no_compiled_shapes():
    queries._shapes.clear()
    yield
    queries._shapes.clear()


def posts_of(now, category):
    posts = Post.objects.published(now).filter(category_id=category)
    return posts.order_by("-published_at", "-pk")[:3]


def test_ids_follow_each_calls_values_like_the_orm(make_post, make_category):
    now = timezone.now()
    wildlife, mining = make_category(), make_category()
    for hours in (1, 2, 3, 4, 30):
        make_post(category=wildlife, published_at=now - timedelta(hours=hours))
        make_post(category=mining, published_at=now - timedelta(hours=hours, minutes=30))
    make_post(category=wildlife, published_at=now + timedelta(hours=1))  # scheduled
    make_post(category=wildlife, status=Post.Status.DRAFT)
    for category in (wildlife, mining, wildlife):
        for moment in (now, now - timedelta(hours=2, minutes=15), now - timedelta(days=3)):
            expected = list(posts_of(moment, category.pk).values_list("pk", flat=True))
            found = list_ids(("test-posts-of",), posts_of, now=moment, category=category.pk)
            assert found == expected
    assert list_ids(("test-posts-of",), posts_of, now=now, category=-1) == []


@on_postgresql
def test_a_shape_is_compiled_once_and_run_with_new_values(make_post, make_category):
    wildlife, mining = make_category(), make_category()
    first, second = make_post(category=wildlife), make_post(category=mining)
    now = timezone.now()
    assert list_ids(("test-posts-of",), posts_of, now=now, category=wildlife.pk) == [first.pk]
    sql = queries._shapes[("postgresql", "test-posts-of")][0]

    def must_not_be_built(**values):
        raise AssertionError("compiled again")

    with CaptureQueriesContext(connection) as ran:
        ids = list_ids(("test-posts-of",), must_not_be_built, now=now, category=mining.pk)
    assert ids == [second.pk]
    assert [query["sql"] for query in ran.captured_queries] == [ran.captured_queries[0]["sql"]]
    assert "LIMIT 3" in sql and "-7310" not in ran.captured_queries[0]["sql"]


@on_postgresql
@pytest.mark.parametrize(
    "url", ["/", "/news/", "/news/?page=2", "/members/", "/members/?kind=ngo&region=africa"]
)
def test_the_public_lists_use_compiled_sql(client, make_post, make_organisation, url):
    for _ in range(12):
        make_post().organisations.add(make_organisation(kind="ngo", country="KE"))
    assert client.get(url).status_code == 200
    assert queries._shapes and None not in queries._shapes.values()


@on_postgresql
def test_category_and_member_pages_use_compiled_sql(client, make_post, make_organisation):
    member = make_organisation()
    post = make_post()
    post.organisations.add(member)
    for url in (post.category.get_absolute_url(), member.get_absolute_url()):
        html = client.get(url).text
        assert post.title in html
    assert len(queries._shapes) == 2 and None not in queries._shapes.values()


def test_a_value_the_database_changes_still_gives_the_right_answer(make_organisation):
    """icontains wraps the text in %…%: the stand-in is not found, so each call compiles."""
    make_organisation(name="Forest Watch")
    make_organisation(name="River Guard")

    def named(today, text):
        return Organisation.objects.current(today).filter(name__icontains=text).order_by("pk")

    for text, names in (("forest", ["Forest Watch"]), ("r", ["Forest Watch", "River Guard"])):
        ids = list_ids(("test-named",), named, today=timezone.localdate(), text=text)
        assert [Organisation.objects.get(pk=pk).name for pk in ids] == names
    assert queries._shapes[(connection.vendor, "test-named")] is None


def test_an_empty_slice_asks_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            list_ids(
                ("test-empty",), lambda now: Post.objects.published(now)[0:0], now=timezone.now()
            )
            == []
        )


@pytest.mark.parametrize("value", [True, 1.5, None, [1, 2]])
def test_values_whose_sql_may_change_are_refused(db, value):
    with pytest.raises(TypeError):
        list_ids(("test-refused",), lambda flag: Post.objects.filter(is_featured=flag), flag=value)


def test_by_ids_loads_in_one_query_in_order_and_skips_deleted(make_post, django_assert_num_queries):
    old, new, gone = make_post(), make_post(), make_post()
    gone_pk = gone.pk
    gone.delete()
    listed = ByIds([new.pk, gone_pk, old.pk], Post.objects.for_lists())
    assert len(listed) == 3 and listed
    with django_assert_num_queries(1):
        assert [post.title for post in listed] == [new.title, old.title]
        assert listed[0].category.name == new.category.name
    with django_assert_num_queries(0):
        assert not ByIds([], Post.objects.all())
        assert list(ByIds([], Post.objects.all())) == []


def test_warm_cards_need_only_the_ids(
    client, settings, make_organisation, django_assert_num_queries
):
    settings.FRAGMENT_CACHE_SECONDS = 600
    for n in range(8):
        make_organisation(name=f"Member {n:02d}", country="PE")
    first = member_grid(client)
    with django_assert_num_queries(1):  # the ids; every card comes from the cache
        assert member_grid(client) == first
    Organisation.objects.filter(name="Member 03").update(name="Member 03 renamed")
    make_organisation(name="Member 08")  # a save retires the cards
    with django_assert_num_queries(2):  # the ids, then the members whose cards are missing
        grid = member_grid(client)
    assert grid.count("<li") == 9 and "Member 03 renamed" in grid and "Member 08" in grid
    settings.FRAGMENT_CACHE_SECONDS = 0
    assert member_grid(client) == grid  # the same cards as rendered without the cache


def member_grid(client) -> str:
    html = client.get("/members/").text
    return html[
        html.index('<ul class="member-grid">') : html.index("</ul>", html.index("member-grid"))
    ]
