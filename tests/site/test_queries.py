"""Id lists compiled once (ncasite.queries) and the cards they feed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Organisation
from ncasite import queries
from ncasite.models import Page
from ncasite.queries import ByIds, list_ids
from news.models import Post

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite hands datetimes over as text"
)


@pytest.fixture(autouse=True)
def _no_compiled_shapes():
    queries.shapes().clear()
    yield
    queries.shapes().clear()


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
    sql = queries.shapes()[("postgresql", "ids", "test-posts-of")].sql

    def must_not_be_built(**values):
        raise AssertionError("compiled again")

    with CaptureQueriesContext(connection) as ran:
        ids = list_ids(("test-posts-of",), must_not_be_built, now=now, category=mining.pk)
    assert ids == [second.pk]
    assert [query["sql"] for query in ran.captured_queries] == [ran.captured_queries[0]["sql"]]
    assert "LIMIT 3" in sql and "1999731" not in ran.captured_queries[0]["sql"]


@on_postgresql
@pytest.mark.parametrize(
    "url", ["/", "/news/", "/news/?page=2", "/members/", "/members/?kind=ngo&region=africa"]
)
def test_the_public_lists_use_compiled_sql(client, make_post, make_organisation, url):
    for _ in range(12):
        make_post().organisations.add(make_organisation(kind="ngo", country="KE"))
    assert client.get(url).status_code == 200
    assert queries.shapes() and None not in queries.shapes().values()


@on_postgresql
def test_detail_pages_and_feeds_use_compiled_sql(client, make_post, make_organisation):
    member = make_organisation()
    post = make_post(byline="Field team")
    post.organisations.add(member)
    Page.objects.create(title="Working with us", slug="working-with-us", body="<p>Join.</p>")
    category = post.category
    for url, expected in (
        (category.get_absolute_url(), post.title),
        (member.get_absolute_url(), post.title),
        (post.get_absolute_url(), member.name),
        ("/news/feed/", post.title),
        (f"/news/category/{category.slug}/feed/", post.title),
        (f"/members/{member.slug}/feed/", post.title),
        ("/working-with-us/", "Join."),
    ):
        response = client.get(url)
        assert response.status_code == 200 and expected in response.text, url
    assert {key[1:] for key in queries.shapes()} == {
        ("objects", "category"),
        ("ids", "category-page", 0, 1),
        ("objects", "member"),
        ("ids", "member-posts"),
        ("objects", "published-post"),
        ("ids", "post-members"),
        ("objects", "feed"),
        ("objects", "category-feed"),
        ("objects", "member-feed"),
        ("objects", "page"),
    }
    assert None not in queries.shapes().values()


def test_loaded_objects_are_what_the_orm_gives(make_post, make_organisation):
    """Every field, the related rows of select_related, and deferred fields left deferred."""
    from news.views import published_post

    member = make_organisation()
    post = make_post(byline="Field team", standfirst="A standfirst.")
    post.organisations.add(member)
    now = timezone.now()
    loaded = queries.load_one_or_404(("test-post",), published_post, now=now, slug=post.slug)
    expected = published_post(now, post.slug).get()
    fields = [field.attname for field in Post._meta.concrete_fields]
    assert [getattr(loaded, name) for name in fields] == [getattr(expected, n) for n in fields]
    assert loaded.category.name == post.category.name and loaded.author is None
    assert not loaded._state.adding and loaded._state.db == "default"
    for_feed = queries.load_objects(
        ("test-feed",), lambda now: Post.objects.published(now).for_feeds(), now=now
    )
    assert for_feed == [post] and for_feed[0].get_deferred_fields() >= {"body", "image"}
    with pytest.raises(Http404):
        queries.load_one_or_404(("test-post",), published_post, now=now, slug="no-such-post")


def test_load_objects_refuses_what_it_cannot_do(make_post):
    with pytest.raises(ValueError):
        queries.load_objects(
            ("test-prefetch",),
            lambda pk: Post.objects.filter(pk=pk).prefetch_related("organisations"),
            pk=1,
        )


def test_a_value_the_database_changes_still_gives_the_right_answer(make_organisation):
    """icontains wraps the text in %…%: the stand-in is not found, so each call compiles."""
    make_organisation(name="Forest Watch")
    make_organisation(name="River Guard")

    def named(today, text):
        return Organisation.objects.current(today).filter(name__icontains=text).order_by("pk")

    for text, names in (("forest", ["Forest Watch"]), ("r", ["Forest Watch", "River Guard"])):
        ids = list_ids(("test-named",), named, today=timezone.localdate(), text=text)
        assert [Organisation.objects.get(pk=pk).name for pk in ids] == names
    assert queries.shapes()[(connection.vendor, "ids", "test-named")] is None


def test_a_value_used_twice_or_in_the_sql_is_never_compiled(make_post):
    """A value also used in an altered form, or one that decides the SQL, falls back."""
    early, late = make_post(), make_post()

    def altered(now):
        return Post.objects.filter(published_at__lte=now, created_at__gte=now - timedelta(days=1))

    def deciding(pk):
        return Post.objects.filter(pk__gte=pk) if pk % 2 else Post.objects.filter(pk__lte=pk)

    now = timezone.now()
    assert sorted(list_ids(("test-altered",), altered, now=now)) == [early.pk, late.pk]
    for pk in (early.pk, late.pk):
        expected = list(deciding(pk).values_list("pk", flat=True))
        assert list_ids(("test-deciding",), deciding, pk=pk) == expected
    assert queries.shapes()[(connection.vendor, "ids", "test-altered")] is None
    assert queries.shapes()[(connection.vendor, "ids", "test-deciding")] is None


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
