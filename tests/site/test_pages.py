import json

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/healthz", "/robots.txt", "/admin/login/"])
def test_core_pages_answer_200(client, url):
    assert client.get(url).status_code == 200


def test_home_page_uses_site_layout(client):
    html = client.get("/").content.decode()
    assert "<main" in html
    assert 'href="/news/"' in html and 'href="/members/"' in html
    assert 'href="/newsletter/"' in html
    assert "Keep informed" in html


def test_unknown_url_gives_site_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="site-header"' in html


def test_robots_txt_points_at_sitemap_and_hides_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_gives_503_when_database_refuses(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "unreachable"


@pytest.mark.django_db(transaction=True)
def test_healthz_gives_503_when_database_server_is_unreachable(client):
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite database cannot be unreachable")
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(real)
    assert response.status_code == 503
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("url", ["/", "/robots.txt", "/healthz", "/no-such-page/"])
def test_anonymous_responses_set_no_cookies(client, url):
    response = client.get(url)
    assert response.cookies == {} or not response.cookies
    assert "Set-Cookie" not in response.headers


def test_security_headers_on_public_pages(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


def test_admin_login_page_works_and_editor_can_log_in(client, django_user_model):
    django_user_model.objects.create_user("ed", password="a long passphrase 42", is_staff=True)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "ed", "password": "a long passphrase 42"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepared statements")
def test_postgresql_prepares_the_queries_a_page_repeats(client, make_post):
    make_post(title="A story told five times")
    for _ in range(6):
        assert client.get("/news/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('FROM "news_post"' in statement for statement in statements), statements


PUBLIC_PAGES = [
    "/",
    "/news/",
    "/news/category/forests/",
    "/news/the-story/",
    "/news/feed/",
    "/news/atom/",
    "/news/category/forests/feed/",
    "/members/",
    "/members/?kind=government&region=africa",
    "/members/forest-watch/",
    "/members/forest-watch/feed/",
    "/search/?q=story",
    "/about/",
    "/newsletter/",
    "/newsletter/archive/",
    "/sitemap.xml",
    "/sitemap-posts.xml",
]


def add_content(make_post, make_organisation, category, member, count: int) -> None:
    for n in range(count):
        post = make_post(category=category, title=f"Another story {n}")
        post.organisations.add(member, make_organisation(kind="civil-society", region="africa"))


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_asks_at_most_six_queries_whatever_the_data_size(
    client, make_post, make_category, make_organisation, django_assert_num_queries, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ncasite.models import Page

    Page.objects.get_or_create(slug="about", defaults={"title": "About us"})
    forests = make_category(name="Forests", slug="forests")
    member = make_organisation(name="Forest Watch", slug="forest-watch", region="africa")
    make_post(title="The story", slug="the-story", category=forests).organisations.add(member)
    add_content(make_post, make_organisation, forests, member, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    assert len(small) <= 6, [query["sql"] for query in small]
    add_content(make_post, make_organisation, forests, member, 40)
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200
