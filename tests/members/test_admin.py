import html as html_lib
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from members.models import Organisation

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/members/organisation/add/"
CHANGELIST_URL = "/admin/members/organisation/"
CHANGELIST_NAME = re.compile(r'<td class="field-name"><a href="[^"]+">(.*?)</a></td>')


def change_url(organisation):
    return f"/admin/members/organisation/{organisation.pk}/change/"


def form_data(**overrides):
    """The admin form's fields as the add page renders them, for a valid new member."""
    return {
        "name": "Forest Watch",
        "slug": "forest-watch",
        "short_name": "FW",
        "kind": Organisation.Kind.CIVIL_SOCIETY,
        "website": "https://forestwatch.example.org",
        "description": "<p>Patrols along the river.</p>",
        "country": "PE",
        "region": "",
        "joined_on": "2024-05-01",
        "left_on": "",
        "ordering": "0",
        "_save": "Save",
    } | overrides


def png_upload(name="logo.png", width=400, height=400) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (31, 81, 53, 128)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_errors(response, field):
    assert response.status_code == 200, "the form should be shown again with errors"
    return response.context["adminform"].form.errors.get(field, [])


def changelist_names(client, query=""):
    response = client.get(f"{CHANGELIST_URL}?{query}")
    assert response.status_code == 200
    return sorted(html_lib.unescape(name) for name in CHANGELIST_NAME.findall(response.text))


# --- Editors ------------------------------------------------------------------------------


def test_add_form_has_the_fields_editors_fill_in(editor_client):
    response = editor_client.get(ADD_URL)
    assert response.status_code == 200
    fields = set(response.context["adminform"].form.fields)
    assert set(form_data()) - {"_save"} <= fields
    assert "logo" in fields


def test_editor_can_add_organisation(editor_client):
    response = editor_client.post(ADD_URL, form_data())
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert organisation.name == "Forest Watch"
    assert organisation.slug == "forest-watch"
    assert organisation.kind == Organisation.Kind.CIVIL_SOCIETY
    assert organisation.country.code == "PE"
    assert organisation.region == Organisation.Region.LATIN_AMERICA
    assert organisation.joined_on == date(2024, 5, 1)
    assert organisation.website == "https://forestwatch.example.org"


def test_admin_assumes_https_for_website_without_scheme(editor_client):
    editor_client.post(ADD_URL, form_data(website="forestwatch.example.org"))
    assert Organisation.objects.get().website == "https://forestwatch.example.org"


def test_admin_rejects_invalid_website_and_date(editor_client):
    response = editor_client.post(ADD_URL, form_data(website="not a url", joined_on="2024-13-40"))
    assert form_errors(response, "website")
    assert form_errors(response, "joined_on")
    assert not Organisation.objects.exists()


def test_editor_can_change_organisation(editor_client, make_organisation):
    organisation = make_organisation(name="Old name", slug="old-name", country="FR")
    response = editor_client.post(
        change_url(organisation), form_data(name="New name", slug="old-name", country="FR")
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "New name"
    assert organisation.kind == Organisation.Kind.CIVIL_SOCIETY


def test_description_is_sanitised_when_saved_through_admin(editor_client):
    hostile = (
        '<p>Rangers <strong>on patrol</strong>.</p><script>alert("x")</script>'
        '<p><img src="x" onerror="alert(1)"></p>'
    )
    assert editor_client.post(ADD_URL, form_data(description=hostile)).status_code == 302
    description = Organisation.objects.get().description
    assert "<strong>on patrol</strong>" in description
    for bad in ("<script", "alert(", "onerror", "<img"):
        assert bad not in description


# --- Logo ---------------------------------------------------------------------------------


@pytest.fixture
def logo(make_image):
    return make_image(upload=png_upload(), alt_text="Logo of Forest Watch")


def test_logo_chosen_from_library_has_webp_and_png_renditions(editor_client, logo):
    response = editor_client.post(ADD_URL, form_data(logo=logo.pk))
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert organisation.logo == logo
    renditions = organisation.logo.renditions["logo"]
    assert set(renditions) == {"webp", "png"}
    for files in renditions.values():
        assert [entry["width"] for entry in files] == [160, 320]
        for entry in files:
            assert default_storage.exists(entry["name"])
    assert renditions["webp"][0]["name"].endswith(".webp")
    assert renditions["png"][0]["name"].endswith(".png")


def test_member_page_shows_logo_from_library(editor_client, client, logo):
    editor_client.post(ADD_URL, form_data(logo=logo.pk))
    organisation = Organisation.objects.get()
    html = client.get(organisation.get_absolute_url()).text
    largest_png = organisation.logo.renditions["logo"]["png"][-1]["name"]
    assert f'<meta property="og:image" content="http://testserver/media/{largest_png}">' in html
    assert '<source type="image/webp"' in html
    assert 'alt="Logo of Forest Watch"' in html
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(block)["logo"] == f"http://testserver/media/{largest_png}"


@pytest.mark.parametrize("value", ["999999", "0"])
def test_logo_that_is_not_a_library_image_is_rejected(editor_client, value):
    response = editor_client.post(ADD_URL, form_data(logo=value))
    assert form_errors(response, "logo")
    assert not Organisation.objects.exists()


def test_change_form_previews_the_chosen_logo(editor_client, make_organisation, logo):
    organisation = make_organisation(logo=logo)
    html = editor_client.get(change_url(organisation)).text
    preview = re.search(r'<div class="image-chooser-preview".*?</div>', html, re.S).group(0)
    assert logo.rendition_url("logo") in preview
    assert "Logo of Forest Watch" in preview
    assert 'data-chooser-for="id_logo"' in preview


# --- Permissions --------------------------------------------------------------------------


def test_contributor_can_view_changelist(contributor_client, make_organisation):
    make_organisation(name="Forest Watch")
    assert changelist_names(contributor_client) == ["Forest Watch"]


def test_contributor_cannot_open_add_view(contributor_client):
    assert contributor_client.get(ADD_URL).status_code == 403


def test_contributor_cannot_add_by_crafted_post(contributor_client):
    assert contributor_client.post(ADD_URL, form_data()).status_code == 403
    assert not Organisation.objects.exists()


def test_contributor_cannot_change_by_crafted_post(contributor_client, make_organisation):
    organisation = make_organisation(name="Old name", slug="old-name")
    response = contributor_client.post(change_url(organisation), form_data(name="Hijacked"))
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Old name"


def test_contributor_cannot_delete(contributor_client, make_organisation):
    organisation = make_organisation()
    delete_url = f"/admin/members/organisation/{organisation.pk}/delete/"
    assert contributor_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(CHANGELIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Changelist ---------------------------------------------------------------------------


@pytest.fixture
def directory(make_organisation):
    today = timezone.localdate()
    make_organisation(name="Andes Watch", short_name="AW", kind="civil-society", country="PE")
    make_organisation(name="Kenya Rangers", short_name="KR", kind="law-enforcement", country="KE")
    make_organisation(name="Paris Ministry", kind="government", country="FR")
    make_organisation(
        name="Lost Forest",
        kind="civil-society",
        country="FR",
        joined_on=today - timedelta(days=900),
        left_on=today - timedelta(days=1),
    )
    make_organisation(name="Global Body", kind="international", region="global")
    make_organisation(name="Future Member", joined_on=today + timedelta(days=30))


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["Andes Watch", "Future Member", "Global Body", "Kenya Rangers", "Lost Forest",
              "Paris Ministry"]),
        ("kind__exact=civil-society", ["Andes Watch", "Lost Forest"]),
        ("kind__exact=government", ["Future Member", "Paris Ministry"]),
        ("region__exact=europe", ["Lost Forest", "Paris Ministry"]),
        ("region__exact=global", ["Global Body"]),
        ("membership=current", ["Andes Watch", "Global Body", "Kenya Rangers", "Paris Ministry"]),
        ("membership=former", ["Lost Forest"]),
        ("kind__exact=civil-society&membership=current", ["Andes Watch"]),
    ],
)  # fmt: skip
def test_changelist_filters(editor_client, directory, query, names):
    assert changelist_names(editor_client, query) == names


def test_changelist_shows_membership_status(editor_client, directory):
    html = editor_client.get(CHANGELIST_URL).text
    assert html.count('<td class="field-membership">Member</td>') == 4
    assert html.count('<td class="field-membership">Former member</td>') == 1
    assert html.count('<td class="field-membership">Joining</td>') == 1


@pytest.mark.parametrize(
    ("term", "names"),
    [
        ("andes", ["Andes Watch"]),
        ("Paris Ministry", ["Paris Ministry"]),
        ("KR", ["Kenya Rangers"]),
        ("aw", ["Andes Watch"]),
        ("Peru", ["Andes Watch"]),
        ("kenya", ["Kenya Rangers"]),
        ("France", ["Lost Forest", "Paris Ministry"]),
        ("nothing like this", []),
    ],
)
def test_changelist_search_by_name_short_name_or_country(editor_client, directory, term, names):
    assert changelist_names(editor_client, f"q={term}") == names


def test_changelist_search_keeps_list_filters(editor_client, directory):
    assert changelist_names(editor_client, "q=France&membership=former") == ["Lost Forest"]
