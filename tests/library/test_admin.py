import json
import re

import pytest
from django.urls import reverse

from library.models import Image, Licence
from news.models import Post

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/library/image/"
ADD_URL = "/admin/library/image/add/"
SEARCH_URL = "/admin/library/image/search/"


def change_url(image):
    return reverse("admin:library_image_change", args=[image.pk])


def delete_url(image):
    return reverse("admin:library_image_delete", args=[image.pk])


def listed_titles(client, query=""):
    response = client.get(f"{CHANGELIST_URL}?{query}")
    assert response.status_code == 200
    return {str(image) for image in response.context["cl"].result_list}


# --- The library's list and form ----------------------------------------------------------


def test_changelist_shows_thumbnails(editor_client, make_image):
    image = make_image(title="Rangers at dawn")
    html = editor_client.get(CHANGELIST_URL).text
    assert f'<img src="{image.rendition_url("thumb")}" alt=""' in html
    assert "Rangers at dawn" in html


@pytest.mark.parametrize(
    "query", ["q=dawn", "q=rangers+on+patrol", "q=quispe"], ids=["title", "alt", "credit"]
)
def test_changelist_searches_title_alt_text_and_credit(editor_client, make_image, query):
    make_image(title="Rangers at dawn", alt_text="Rangers on patrol", credit="Ana Quispe")
    make_image(title="Other", alt_text="A boat", credit="Someone")
    assert listed_titles(editor_client, query) == {"Rangers at dawn"}


def test_changelist_filters_by_use_and_licence(editor_client, make_image, make_post):
    used = make_image(title="Used", licence=Licence.OWN)
    make_image(title="Unused")
    make_post(image=used)
    assert listed_titles(editor_client, "use=used") == {"Used"}
    assert listed_titles(editor_client, "use=unused") == {"Unused"}
    assert listed_titles(editor_client, "licence=own") == {"Used"}


def test_change_form_has_focal_picker_and_number_fields(editor_client, make_image):
    image = make_image()
    html = editor_client.get(change_url(image)).text
    picker = re.search(r'<div class="focal-picker".*?</div>', html, re.S).group(0)
    assert 'data-x-input="id_focal_x"' in picker and "hidden" in picker
    assert image.rendition_files("article")["jpg"][0]["url"] in picker
    assert '<button type="button" class="focal-picker__frame"' in picker
    for name in ["focal_x", "focal_y"]:
        field = re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="number"' in field and 'min="0"' in field and 'max="1"' in field
    assert "/static/library/focal_point.js" in html
    assert "<script>" not in html.replace('<script type="importmap"', "")


@pytest.mark.parametrize("value", ["1.5", "-1", "abc", ""])
def test_change_form_rejects_focal_point_outside_the_image(editor_client, make_image, value):
    image = make_image()
    data = {
        "title": image.title,
        "alt_text": image.alt_text,
        "credit": "",
        "licence": "unknown",
        "focal_x": value,
        "focal_y": "0.5",
    }
    response = editor_client.post(change_url(image), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["focal_x"]
    image.refresh_from_db()
    assert image.focal_x == 0.5


def test_change_form_moves_focal_point_and_rebuilds_crops(editor_client, make_image):
    image = make_image()
    before = image.renditions["card"]["jpg"][0]["name"]
    data = {
        "title": image.title,
        "alt_text": image.alt_text,
        "credit": "",
        "licence": "own",
        "focal_x": "0.9",
        "focal_y": "0.2",
    }
    assert editor_client.post(change_url(image), data).status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.9, 0.2)
    assert image.renditions["card"]["jpg"][0]["name"] != before


def test_change_form_lists_where_the_image_is_used(
    editor_client, make_image, make_post, make_organisation
):
    image = make_image()
    post = make_post(title="Peru joins the alliance", image=image)
    member = make_organisation(name="Forest Watch", logo=image)
    html = editor_client.get(change_url(image)).text
    uses = re.search(r"<ul class='library-uses'>.*?</ul>", html, re.S).group(0)
    post_url = reverse("admin:news_post_change", args=[post.pk])
    member_url = reverse("admin:members_organisation_change", args=[member.pk])
    assert f'<a href="{post_url}">Peru joins the alliance</a>' in uses
    assert f'<a href="{member_url}">Forest Watch</a>' in uses


def test_unused_image_says_so(editor_client, make_image):
    assert "Not used anywhere yet." in editor_client.get(change_url(make_image())).text


# --- Choosing an image on a post -----------------------------------------------------------


def test_editor_chooses_library_image_for_a_post(editor_client, post_form_data, make_image):
    image = make_image(alt_text="Rangers inspect seized timber")
    data = post_form_data(image=image.pk, image_caption="Seized in May.", status="published")
    assert editor_client.post("/admin/news/post/add/", data).status_code == 302
    post = Post.objects.get()
    assert post.image == image and post.image_caption == "Seized in May."


def test_post_form_offers_search_and_add_another_for_the_image(editor_client, contributor_client):
    for client in [editor_client, contributor_client]:
        html = client.get("/admin/news/post/add/").text
        select = re.search(r'<select name="image"[^>]*>', html).group(0)
        assert "admin-autocomplete" in select
        assert 'id="add_id_image"' in html
        assert "/static/library/image_chooser.js" in html


def test_post_with_a_missing_image_is_refused(editor_client, post_form_data):
    response = editor_client.post("/admin/news/post/add/", post_form_data(image="987654"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"]
    assert not Post.objects.exists()


# --- Deleting images in use ---------------------------------------------------------------


@pytest.fixture
def image_in_use(make_image, make_post, make_organisation):
    image = make_image(title="Shared photo")
    make_post(title="Peru joins the alliance", image=image)
    make_organisation(name="Forest Watch", logo=image)
    return image


def test_delete_page_lists_the_uses_and_refuses(editor_client, image_in_use):
    response = editor_client.get(delete_url(image_in_use))
    assert response.status_code == 200
    html = response.text
    assert "would require deleting the following protected related objects" in html
    assert "Peru joins the alliance" in html and "Forest Watch" in html
    assert "Yes, I’m sure" not in html
    response = editor_client.post(delete_url(image_in_use), {"post": "yes"})
    assert response.status_code == 200
    assert Image.objects.filter(pk=image_in_use.pk).exists()


def test_bulk_delete_of_an_image_in_use_is_refused(editor_client, image_in_use, make_image):
    unused = make_image(title="Unused")
    data = {
        "action": "delete_selected",
        "_selected_action": [image_in_use.pk, unused.pk],
        "post": "yes",
    }
    response = editor_client.post(CHANGELIST_URL, data)
    assert response.status_code == 200
    assert "Peru joins the alliance" in response.text
    assert Image.objects.count() == 2


def test_editor_deletes_an_unused_image(editor_client, make_image):
    image = make_image()
    response = editor_client.post(delete_url(image), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.exists()


# --- Roles --------------------------------------------------------------------------------


def test_contributor_uploads_and_edits_but_cannot_delete(contributor_client, contributor):
    from tests.conftest import image_upload

    data = {
        "title": "",
        "file": image_upload(),
        "alt_text": "A boat on the river",
        "credit": "",
        "licence": "unknown",
        "focal_x": "0.5",
        "focal_y": "0.5",
    }
    assert contributor_client.post(ADD_URL, data).status_code == 302
    image = Image.objects.get()
    assert image.uploaded_by == contributor
    assert contributor_client.get(change_url(image)).status_code == 200
    assert contributor_client.get(delete_url(image)).status_code == 403
    assert contributor_client.post(delete_url(image), {"post": "yes"}).status_code == 403
    data = {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"}
    contributor_client.post(CHANGELIST_URL, data)
    assert Image.objects.filter(pk=image.pk).exists()


def test_staff_without_a_role_cannot_see_the_library(client, make_user, make_image):
    make_image()
    client.force_login(make_user("visitor-staff"))
    assert client.get(CHANGELIST_URL).status_code == 403
    assert client.get(SEARCH_URL).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, make_image):
    response = client.get(f"{SEARCH_URL}?q=x")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- The search endpoint for choosers -----------------------------------------------------


def search(client, query):
    response = client.get(f"{SEARCH_URL}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["results"]


def test_search_returns_id_title_alt_and_thumbnail(contributor_client, make_image):
    image = make_image(title="Rangers at dawn", alt_text="Rangers on patrol", credit="AFN")
    make_image(title="A boat")
    [result] = search(contributor_client, "q=dawn")
    assert result["id"] == image.pk
    assert result["title"] == "Rangers at dawn"
    assert result["alt"] == "Rangers on patrol"
    assert result["credit"] == "AFN"
    assert result["thumbnail"] == image.rendition_url("thumb")
    assert (result["width"], result["height"]) == (1600, 900)
    assert [r["id"] for r in search(contributor_client, f"id={image.pk}")] == [image.pk]


@pytest.mark.parametrize("query", ["id=abc", "id=1%20OR%201=1", "id=-1", "id=99999"])
def test_search_by_a_wrong_id_finds_nothing(editor_client, make_image, query):
    make_image()
    assert search(editor_client, query) == []


@pytest.mark.parametrize("query", ["q=%00", "q=%27%22<script>", "q=" + "x" * 5000])
def test_search_survives_hostile_text(editor_client, make_image, query):
    make_image(title="Rangers")
    assert search(editor_client, query) in ([], search(editor_client, "q="))


def test_search_returns_at_most_twenty(editor_client, make_image):
    for n in range(22):
        Image.objects.bulk_create([Image(title=f"Bulk {n}", alt_text="x", file="x.jpg")])
    assert len(search(editor_client, "q=bulk")) == 20
