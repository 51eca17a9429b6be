from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db


def search(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def result_count(html):
    return html.count('class="post-card"')


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("title", "Pangolin scales seized"),
        ("standfirst", "Customs found pangolin scales in a container."),
        ("body", "<p>The pangolin is the most trafficked mammal.</p>"),
    ],
)
def test_search_matches_title_standfirst_and_body(client, make_post, field, text):
    post = make_post(**{"title": "A post"} | {field: text})
    make_post(title="Unrelated timber story")
    html = search(client, "pangolin")
    assert result_count(html) == 1
    assert post.get_absolute_url() in html
    assert "Unrelated timber story" not in html


def test_search_is_case_insensitive(client, make_post):
    make_post(title="Pangolin scales seized")
    assert result_count(search(client, "PANGOLIN")) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Post.Status.DRAFT},
        {"status": Post.Status.REVIEW},
        {"published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "review", "scheduled"],
)
def test_search_excludes_unpublished_posts(client, make_post, overrides):
    hidden = make_post(title="Secret pangolin plan", **overrides)
    make_post(title="Public pangolin report")
    html = search(client, "pangolin")
    assert result_count(html) == 1
    assert "Public pangolin report" in html
    assert "Secret pangolin plan" not in html
    assert hidden.get_absolute_url() not in html


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_asks_for_words(client, make_post, query):
    make_post(title="Pangolin scales seized")
    html = search(client, query)
    assert "Type a word or a phrase to search" in html
    assert result_count(html) == 0


def test_search_page_without_query_parameter_asks_for_words(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Type a word or a phrase to search" in response.content.decode()


def test_search_without_matches_says_so(client, make_post):
    make_post(title="Pangolin scales seized")
    html = search(client, "okapi")
    assert "Nothing matches “okapi”" in html
    assert result_count(html) == 0


def test_search_reports_number_of_results(client, make_post):
    make_post(title="Pangolin one")
    make_post(title="Pangolin two")
    assert "2 results for “pangolin”" in search(client, "pangolin")


def test_search_echoes_query_escaped(client):
    html = search(client, '<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_search_page_is_not_indexed(client):
    assert '<meta name="robots" content="noindex">' in search(client, "pangolin")


def test_search_paginates_results(client, make_post):
    for n in range(13):
        make_post(
            title=f"Pangolin story {n:02}", published_at=timezone.now() - timedelta(hours=n + 1)
        )
    first = search(client, "pangolin")
    second = search(client, "pangolin", page=2)
    assert result_count(first) == 10
    assert result_count(second) == 3
    assert "13 results" in first
    assert 'href="?q=pangolin&amp;page=2"' in first
    assert 'href="?q=pangolin&amp;page=1"' in second
    first_titles = {
        f"Pangolin story {n:02}" for n in range(13) if f"Pangolin story {n:02}" in first
    }
    second_titles = {
        f"Pangolin story {n:02}" for n in range(13) if f"Pangolin story {n:02}" in second
    }
    assert not first_titles & second_titles
    assert len(first_titles | second_titles) == 13


@pytest.mark.parametrize("page", ["99", "abc"])
def test_search_page_out_of_range_is_404(client, make_post, page):
    make_post(title="Pangolin scales seized")
    assert client.get("/search/", {"q": "pangolin", "page": page}).status_code == 404


def test_search_trims_overlong_queries(client, make_post):
    make_post(title="Pangolin scales seized")
    html = search(client, "pangolin " + "x" * 500)
    assert 'value="pangolin ' + "x" * 191 + '"' in html


# --- The stored search vector (PostgreSQL) ------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)


@on_postgresql
def test_edits_and_bulk_inserts_are_searchable_at_once(client, make_post, make_category):
    post = make_post(title="Pangolin scales seized")
    post.title, post.body = "Rosewood logs seized", "<p>A shipment of logs.</p>"
    post.save()
    assert result_count(search(client, "pangolin")) == 0
    assert result_count(search(client, "rosewood")) == 1
    Post.objects.filter(pk=post.pk).update(standfirst="Orchids were in the hold too.")
    assert result_count(search(client, "orchid")) == 1
    Post.objects.bulk_create(
        Post(title=f"Cheetah cub {n}", slug=f"cheetah-cub-{n}", category=make_category(),
             status=Post.Status.PUBLISHED, published_at=timezone.now() - timedelta(hours=1))
        for n in range(3)
    )  # fmt: skip
    assert result_count(search(client, "cheetah")) == 3


@on_postgresql
def test_title_matches_rank_above_body_matches(client, make_post):
    now = timezone.now()
    body = make_post(title="Port report", body="<p>Ivory found.</p>", published_at=now)
    title = make_post(title="Ivory found", published_at=now - timedelta(days=30))
    html = search(client, "ivory")
    assert html.index(title.get_absolute_url()) < html.index(body.get_absolute_url())


@on_postgresql
def test_search_is_answered_from_the_index(make_post):
    """The match can be answered from the GIN index (a table this small would be scanned)."""
    make_post(title="Pangolin scales seized")
    match = SearchQuery("pangolin", search_type="websearch")
    query = Post.objects.filter(search_vector=match).values_list("pk", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "news_post_search_vector" in plan
