"""The body editor: its configuration, the internal link chooser, and what it may store."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from core.prose_extensions import FIGURE_SIZES
from ncasite.models import Page
from news.models import Post

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/news/post/add/"
SEARCH_URL = "/admin/link-search/"


def editor_config(html: str, name: str = "body") -> dict:
    textarea = re.search(rf'<textarea name="{name}"[^>]*>', html).group(0)
    attribute = re.search(r'data-django-prose-editor-configurable="([^"]*)"', textarea).group(1)
    return json.loads(attribute.replace("&quot;", '"').replace("&amp;", "&"))


def link(member, text="the member", href=None):
    href = href or member.get_absolute_url()
    return f'<a href="{href}" data-ref="member:{member.pk}">{text}</a>'


# --- The editor as the form renders it ----------------------------------------------------


def test_post_body_editor_has_spellcheck_and_our_extensions(editor_client):
    html = editor_client.get(ADD_URL).content.decode()
    config = editor_config(html)
    assert "NoSpellCheck" not in config["extensions"]
    assert config["extensions"]["ChooserLink"]["searchUrl"] == SEARCH_URL
    assert "Link" not in config["extensions"]
    assert any(module.endswith("js/editor/chooser-link.js") for module in config["js_modules"])
    assert 'data-editor-size="long"' in html
    assert "/static/css/editor.css" in html


def test_member_description_editor_is_short_with_plain_links(editor_client):
    html = editor_client.get("/admin/members/organisation/add/").content.decode()
    config = editor_config(html, "description")
    assert "NoSpellCheck" not in config["extensions"]
    assert "Link" in config["extensions"] and "ChooserLink" not in config["extensions"]
    assert 'data-editor-size="short"' in html


# --- The link chooser's search ------------------------------------------------------------


def test_search_finds_posts_and_members_by_title_and_name(
    editor_client, make_post, make_organisation
):
    member = make_organisation(name="Andean Forest Network", short_name="AFN")
    post = make_post(title="Andean rangers share their data")
    make_post(title="Something else")
    response = editor_client.get(SEARCH_URL, {"q": "andean"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    results = response.json()["results"]
    assert [(r["ref"], r["url"], r["title"]) for r in results] == [
        (f"post:{post.pk}", post.get_absolute_url(), post.title),
        (f"member:{member.pk}", member.get_absolute_url(), member.name),
    ]
    assert results[0]["note"].startswith("Post, published")
    assert editor_client.get(SEARCH_URL, {"q": "afn"}).json()["results"][0]["title"] == member.name


def test_search_says_a_draft_is_not_public(editor_client, make_post):
    make_post(title="A draft about pangolins", status=Post.Status.DRAFT, published_at=None)
    [result] = editor_client.get(SEARCH_URL, {"q": "pangolin"}).json()["results"]
    assert result["note"] == "Post, not public yet (Draft)"


def test_contributor_can_search(contributor_client, make_organisation):
    make_organisation(name="River Guardians")
    assert contributor_client.get(SEARCH_URL, {"q": "river"}).json()["results"]


def test_search_needs_a_staff_login(client, make_organisation):
    make_organisation(name="River Guardians")
    response = client.get(SEARCH_URL, {"q": "river"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_without_permissions_is_refused(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get(SEARCH_URL, {"q": "river"}).status_code == 403


def test_search_only_covers_what_the_user_may_see(client, make_user, make_post, make_organisation):
    user = make_user("reader")
    user.user_permissions.add(Permission.objects.get(codename="view_organisation"))
    client.force_login(user)
    make_post(title="River news")
    make_organisation(name="River Guardians")
    results = client.get(SEARCH_URL, {"q": "river"}).json()["results"]
    assert [r["ref"].split(":")[0] for r in results] == ["member"]


def test_search_is_post_only_get(editor_client):
    assert editor_client.post(SEARCH_URL, {"q": "x"}).status_code == 405


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\x00",
        "a\x00b",
        "%",
        "_",
        "x" * 10_000,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
    ],
)
def test_search_survives_hostile_queries(editor_client, make_organisation, query):
    make_organisation(name="100% Forest_Watch")
    response = editor_client.get(SEARCH_URL, {"q": query})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_search_does_not_treat_wildcards_as_wildcards(editor_client, make_organisation):
    make_organisation(name="Forest Watch")
    assert editor_client.get(SEARCH_URL, {"q": "%"}).json()["results"] == []
    make_organisation(name="100% Forest")
    assert len(editor_client.get(SEARCH_URL, {"q": "%"}).json()["results"]) == 1


def test_search_results_are_capped_and_queries_constant(
    editor_client, make_post, make_organisation, django_assert_num_queries
):
    for n in range(3):
        make_post(title=f"Forest post {n}")
        make_organisation(name=f"Forest member {n}")
    editor_client.get(SEARCH_URL, {"q": "forest"})  # the session and user are read once
    with CaptureQueriesContext(connection) as few:
        assert len(editor_client.get(SEARCH_URL, {"q": "forest"}).json()["results"]) == 6
    for n in range(3, 40):
        make_post(title=f"Forest post {n}")
        make_organisation(name=f"Forest member {n}")
    with django_assert_num_queries(len(few)):
        results = editor_client.get(SEARCH_URL, {"q": "forest"}).json()["results"]
    assert len(results) == 16  # eight of each kind


# --- Internal links follow their page's address -------------------------------------------


def test_renaming_a_member_rewrites_the_posts_and_pages_that_link_to_it(
    make_post, make_organisation
):
    member = make_organisation(name="Andean Forest Network", slug="afn")
    other = make_organisation(name="Other", slug="other")
    post = make_post(body=f"<p>Read {link(member)} and {link(other, 'other')}.</p>")
    page = Page.objects.create(title="Partners", slug="partners", body=f"<p>{link(member)}</p>")
    member = type(member).objects.get(pk=member.pk)
    member.slug = "andean-forest-network"
    member.save()
    post.refresh_from_db()
    page.refresh_from_db()
    assert f'<a href="/members/andean-forest-network/" data-ref="member:{member.pk}">' in post.body
    assert '<a href="/members/other/"' in post.body
    assert page.body == f"<p>{link(member)}</p>"


def test_renaming_a_member_twice_back_and_forth_is_followed(make_post, make_organisation):
    member = make_organisation(slug="first")
    post = make_post(body=f"<p>{link(member)}</p>")
    member = type(member).objects.get(pk=member.pk)
    for slug in ["second", "first"]:
        member.slug = slug
        member.save()
        post.refresh_from_db()
        assert f'href="/members/{slug}/"' in post.body


def test_renaming_a_post_rewrites_the_links_to_it(make_post):
    target = make_post(slug="old-address")
    post = make_post(body=f'<p><a href="/news/old-address/" data-ref="post:{target.pk}">x</a></p>')
    target = Post.objects.get(pk=target.pk)
    target.slug = "new-address"
    target.save()
    post.refresh_from_db()
    assert f'<a href="/news/new-address/" data-ref="post:{target.pk}">x</a>' in post.body


def test_saving_a_body_corrects_a_stale_address(make_post, make_organisation):
    """An editor who had the post open while the member was renamed saves the old href."""
    member = make_organisation(slug="current")
    post = make_post(body=f"<p>{link(member, href='/members/stale/')}</p>")
    assert post.body == f"<p>{link(member)}</p>"
    Post.objects.get(pk=post.pk).save()
    assert Post.objects.get(pk=post.pk).body == f"<p>{link(member)}</p>"


def test_a_link_to_a_deleted_page_keeps_its_last_address(make_post, make_organisation):
    member = make_organisation(slug="gone")
    body = f"<p>{link(member)}</p>"
    member.delete()
    assert make_post(body=body).body == body


def test_unknown_reference_kinds_are_left_alone(make_post):
    body = '<p><a href="/x/" data-ref="page:4">x</a></p>'
    assert make_post(body=body).body == body


def test_public_post_with_internal_links_needs_no_extra_queries(
    client, make_post, make_organisation
):
    members = [make_organisation(slug=f"member-{n}") for n in range(5)]
    plain = make_post(body="<p>No links.</p>")
    linked = make_post(body="".join(f"<p>{link(m)}</p>" for m in members))
    with CaptureQueriesContext(connection) as without_links:
        assert client.get(plain.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as with_links:
        response = client.get(linked.get_absolute_url())
    assert len(with_links) == len(without_links)
    for member in members:
        assert f'href="{member.get_absolute_url()}"' in response.content.decode()


# --- Sanitised to what the toolbar can make -----------------------------------------------

HOSTILE = (
    '<p style="color:red" onclick="x()">Text<script>alert(1)</script></p>'
    '<p><a href="javascript:alert(1)" data-ref="post:1 onmouseover=x">js</a>'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>'
    '<a href="/members/a/" data-ref="member:abc">bad ref</a>'
    '<a href="/x/" target="_blank" rel="opener" class="evil" id="x">attrs</a></p>'
    '<img src="x" onerror="alert(1)"><svg onload="alert(1)"></svg>'
    '<iframe src="https://evil.example/"></iframe><style>p{}</style>'
)


def assert_clean(body: str) -> None:
    for fragment in ["<script", "onclick", "onerror", "onload", "onmouseover", "javascript:",
                     "data:", "style", "<svg", "<iframe", "target=", "rel=", "class=", "id=",
                     'data-ref="member:abc"', "<img"]:  # fmt: skip
        assert fragment not in body, fragment


def test_hostile_html_is_cleaned_through_the_orm(make_post):
    post = make_post(body=HOSTILE)
    assert_clean(post.body)
    assert_clean(Post.objects.get(pk=post.pk).body)
    assert "Text" in post.body and ">attrs</a>" in post.body


def test_hostile_html_is_cleaned_through_queryset_create_and_save(make_post):
    post = make_post()
    post.body = HOSTILE
    post.save(update_fields=["body"])
    assert_clean(Post.objects.get(pk=post.pk).body)


def test_hostile_html_is_cleaned_through_the_admin_form(editor_client, post_form_data):
    assert editor_client.post(ADD_URL, post_form_data(body=HOSTILE)).status_code == 302
    assert_clean(Post.objects.get().body)


def test_hostile_html_in_a_page_is_cleaned():
    assert_clean(Page.objects.create(title="Partners", slug="partners", body=HOSTILE).body)


def test_a_two_megabyte_body_is_cleaned(make_post):
    body = (HOSTILE + "<p>" + "forest " * 200 + "</p>") * (2_000_000 // (len(HOSTILE) + 1410))
    assert len(body) > 1_900_000
    post = make_post(body=body)
    assert_clean(post.body)
    assert post.body.count("forest") == body.count("forest")


def test_internal_link_survives_a_round_trip_unchanged(
    editor_client, post_form_data, make_organisation
):
    member = make_organisation(slug="afn")
    body = (
        f'<h2>Heading</h2><p>See <a href="/members/afn/" data-ref="member:{member.pk}">AFN</a>.</p>'
    )
    assert editor_client.post(ADD_URL, post_form_data(body=body)).status_code == 302
    post = Post.objects.get()
    assert post.body == body
    post.save()
    assert Post.objects.get().body == body


# --- Figures from the image library -------------------------------------------------------


def figure(image, *, alt="Two rangers measure a felled trunk", caption="", credit="", src=None):
    src = src or "/media/anything.jpg"
    parts = [
        f'<figure data-image="{image.pk}"><img src="{src}" width="160" height="90" alt="{alt}">'
    ]
    if caption or credit:
        parts.append(f'<figcaption>{caption} <span class="credit">{credit}</span></figcaption>')
    return "".join(parts) + "</figure>"


def stored_figure(image, alt, caption="", credit=""):
    files = image.rendition_files("article")["jpg"]
    srcset = ", ".join(f"{f['url']} {f['width']}w" for f in files)
    figcaption = (
        f'<figcaption>{caption} <span class="credit">{credit}</span></figcaption>'
        if caption
        else ""
    )
    return (
        f'<figure data-image="{image.pk}"><img src="{files[-1]["url"]}" srcset="{srcset}" '
        f'sizes="{FIGURE_SIZES}" width="{files[-1]["width"]}" height="{files[-1]["height"]}" '
        f'alt="{alt}" loading="lazy">{figcaption}</figure>'
    )


def test_figure_is_drawn_from_the_library_image(make_post, make_image):
    image = make_image(alt_text="Library alt text", credit="Ana Quispe / AFN")
    post = make_post(body=figure(image, caption="On the river", credit="Ana Quispe / AFN"))
    expected = stored_figure(
        image, "Two rangers measure a felled trunk", "On the river", "Ana Quispe / AFN"
    )
    assert post.body == expected
    assert [f["width"] for f in image.rendition_files("article")["jpg"]] == [640, 960, 1280]


def test_figure_survives_a_round_trip_unchanged(editor_client, post_form_data, make_image):
    image = make_image(credit="Ana Quispe")
    body = "<p>Before.</p>" + figure(image, caption="On the river", credit="Ana Quispe")
    assert editor_client.post(ADD_URL, post_form_data(body=body)).status_code == 302
    stored = Post.objects.get().body
    assert stored == "<p>Before.</p>" + stored_figure(
        image, "Two rangers measure a felled trunk", "On the river", "Ana Quispe"
    )
    post = Post.objects.get()
    post.save()
    assert Post.objects.get().body == stored
    change = f"/admin/news/post/{post.pk}/change/"
    data = post_form_data(body=stored, title=post.title, slug=post.slug)
    assert editor_client.post(change, data).status_code == 302
    assert Post.objects.get().body == stored


def test_figure_without_alt_text_takes_the_library_images(make_post, make_image):
    image = make_image(alt_text="Library alt text")
    assert 'alt="Library alt text"' in make_post(body=figure(image, alt="")).body


def test_figure_of_a_missing_image_is_dropped(make_post, make_image):
    image = make_image()
    body = figure(image)
    image.delete()
    assert make_post(body="<p>Text.</p>" + body).body == "<p>Text.</p>"


def hostile_figures(image):
    return (
        figure(image, src="https://evil.example/tracker.gif")
        + f'<figure data-image="{image.pk}" style="x" onclick="y"><figure><img src="/media/a.jpg"'
        ' width="1" height="1" alt="inner" onerror="alert(1)"></figure><script>x</script></figure>'
        + '<figure data-image="javascript:1"><img src="/media/b.jpg" width="1" height="1"></figure>'
        + '<img src="/media/loose.jpg" alt="loose"><img src="data:image/png;base64,AAAA">'
    )


def assert_figures_clean(body):
    for fragment in ["evil.example", "style", "onclick", "onerror", "<script", "javascript:",
                     "data:", "loose"]:  # fmt: skip
        assert fragment not in body, fragment
    assert body.count("<figure") == body.count("</figure>") == 1
    assert body.count("<img") == 1 and 'alt="inner"' in body


def test_hostile_figures_are_cleaned_through_the_orm(make_post, make_image):
    assert_figures_clean(make_post(body=hostile_figures(make_image())).body)


def test_hostile_figures_are_cleaned_through_the_admin_form(
    editor_client, post_form_data, make_image
):
    body = hostile_figures(make_image())
    assert editor_client.post(ADD_URL, post_form_data(body=body)).status_code == 302
    assert_figures_clean(Post.objects.get().body)


def test_a_two_megabyte_body_is_cleaned_through_the_admin_form(editor_client, post_form_data):
    body = (HOSTILE + "<p>" + "forest " * 200 + "</p>") * (2_000_000 // (len(HOSTILE) + 1410))
    assert editor_client.post(ADD_URL, post_form_data(body=body)).status_code == 302
    stored = Post.objects.get().body
    assert_clean(stored)
    assert stored.count("forest") == body.count("forest")


def test_figure_uses_are_kept_in_step_with_the_body(make_post, make_image):
    first, second = make_image(), make_image()
    post = make_post(body=figure(first) + figure(first) + figure(second))
    assert set(post.figures.values_list("image", flat=True)) == {first.pk, second.pk}
    post.body = figure(second)
    post.save()
    assert list(post.figures.values_list("image", flat=True)) == [second.pk]
    post.save(update_fields=["title"])
    assert post.figures.count() == 1


def test_an_image_shown_in_a_body_cannot_be_deleted(make_post, make_image):
    image = make_image()
    post = make_post(body=figure(image))
    with pytest.raises(ProtectedError):
        image.delete()
    assert [use.post for use in image.uses()] == [post]
    post.body = "<p>No figure now.</p>"
    post.save()
    image.delete()


def test_an_image_shown_in_a_page_cannot_be_deleted(make_image):
    image = make_image()
    page = Page.objects.create(title="Partners", slug="partners", body=figure(image))
    assert page.figures.get().image == image
    with pytest.raises(ProtectedError):
        image.delete()


def test_the_library_delete_page_lists_a_body_figure(editor_client, make_post, make_image):
    image = make_image()
    make_post(title="Peru joins the alliance", body=figure(image))
    html = editor_client.get(f"/admin/library/image/{image.pk}/delete/").text
    assert "Peru joins the alliance" in html and "Yes, I’m sure" not in html


def test_figures_follow_a_new_file_for_their_image(make_post, make_image):
    from tests.conftest import image_upload

    image = make_image()
    post = make_post(body=figure(image))
    image = type(image).objects.get(pk=image.pk)
    image.file = image_upload(name="replacement.jpg", width=2000, height=1000)
    image.save()
    post.refresh_from_db()
    assert post.body == stored_figure(image, "Two rangers measure a felled trunk")
    assert 'width="1280" height="640"' in post.body


def test_public_post_with_figures_needs_no_extra_queries(client, make_post, make_image):
    image = make_image()
    plain = make_post(body="<p>No figures.</p>")
    shown = make_post(body=figure(image, caption="On the river") * 3)
    with CaptureQueriesContext(connection) as without_figures:
        assert client.get(plain.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as with_figures:
        html = client.get(shown.get_absolute_url()).content.decode()
    assert len(with_figures) == len(without_figures)
    assert html.count('alt="Two rangers measure a felled trunk" loading="lazy"') == 3
