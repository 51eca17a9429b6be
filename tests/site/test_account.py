from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ncasite.models import EditorProfile

pytestmark = pytest.mark.django_db

ACCOUNT = "/admin/account/"


def account_data(**overrides) -> dict:
    return {
        "first_name": "Ana",
        "last_name": "Quispe",
        "email": "ana.quispe@example.org",
        "time_zone": "America/Lima",
    } | overrides


def test_editor_changes_name_email_and_time_zone(editor_client, editor):
    response = editor_client.post(ACCOUNT, account_data())
    assert response.status_code == 302 and response.url == ACCOUNT
    editor.refresh_from_db()
    assert (editor.first_name, editor.last_name) == ("Ana", "Quispe")
    assert editor.email == "ana.quispe@example.org"
    assert EditorProfile.objects.get(user=editor).time_zone == "America/Lima"
    page = editor_client.get(ACCOUNT).content.decode()
    assert "Your account is saved." in page
    assert '<option value="America/Lima" selected>' in page


def test_saving_again_updates_the_one_profile(editor_client, editor):
    editor_client.post(ACCOUNT, account_data(time_zone="Africa/Nairobi"))
    editor_client.post(ACCOUNT, account_data(time_zone="Asia/Jakarta"))
    assert EditorProfile.objects.get(user=editor).time_zone == "Asia/Jakarta"
    assert EditorProfile.objects.count() == 1


def test_contributor_has_an_account_page_too(contributor_client, contributor):
    assert contributor_client.get(ACCOUNT).status_code == 200
    contributor_client.post(ACCOUNT, account_data(email="contributor@example.org"))
    contributor.refresh_from_db()
    assert contributor.email == "contributor@example.org"


def test_account_page_starts_from_the_site_time_zone_and_links_password_change(
    editor_client, settings
):
    settings.TIME_ZONE = "Europe/Lisbon"
    page = editor_client.get(ACCOUNT).content.decode()
    assert '<option value="Europe/Lisbon" selected>' in page
    assert 'href="/admin/password_change/"' in page
    assert "second factor" in page
    assert not EditorProfile.objects.exists()  # created on the first save, not on a visit


@pytest.mark.parametrize(
    "field,value,error",
    [
        ("email", "", "This field is required."),
        ("email", "not an address", "Enter a valid email address."),
        ("email", "ana@" + "x" * 300 + ".org", "Ensure this value has at most 254 characters"),
        ("time_zone", "", "This field is required."),
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("time_zone", "../../etc/passwd", "Select a valid choice."),
        ("first_name", "x" * 10_000, "Ensure this value has at most 150 characters"),
        ("last_name", "x" * 10_000, "Ensure this value has at most 150 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(editor_client, editor, field, value, error):
    response = editor_client.post(ACCOUNT, account_data(**{field: value}))
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "Please correct the error below." in page
    editor.refresh_from_db()
    assert (editor.first_name, editor.email) == ("", "")
    assert not EditorProfile.objects.exists()
    # The header greets the saved name, not the refused one.
    assert "<strong>editor</strong>" in page


def test_email_of_another_staff_user_is_refused_whatever_its_case(editor_client, editor, make_user):
    make_user("colleague", email="Desk@Example.org")
    response = editor_client.post(ACCOUNT, account_data(email="desk@example.ORG"))
    assert "Another editor already uses this address" in response.content.decode()
    editor.refresh_from_db()
    assert editor.email == ""


def test_email_of_a_non_staff_user_and_own_email_in_other_case_are_accepted(
    editor_client, editor, django_user_model
):
    django_user_model.objects.create_user("reader", email="shared@example.org")
    editor_client.post(ACCOUNT, account_data(email="shared@example.org"))
    editor_client.post(ACCOUNT, account_data(email="SHARED@example.org"))
    editor.refresh_from_db()
    assert editor.email == "SHARED@example.org"


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/admin/account/"
    response = client.post(ACCOUNT, account_data())
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert not EditorProfile.objects.exists()


def test_logged_in_non_staff_user_is_sent_to_login(client, django_user_model):
    reader = django_user_model.objects.create_user("reader", password="x")
    client.force_login(reader)
    client.post(ACCOUNT, account_data())
    assert client.get(ACCOUNT).url.startswith("/admin/login/")
    reader.refresh_from_db()
    assert reader.email == ""


def test_account_page_shows_the_time_in_the_chosen_zone(client, editor):
    with time_machine.travel(datetime(2030, 1, 1, 0, 0, tzinfo=UTC), tick=False):
        client.force_login(editor)  # in the travelled time, or the session has expired
        client.post(ACCOUNT, account_data(time_zone="Asia/Tokyo"))
        page = client.get(ACCOUNT).content.decode()
    assert "Times in the admin are shown in Asia/Tokyo: it is now 1 January 2030, 09:00" in page


def test_admin_shows_and_reads_datetimes_in_the_editor_time_zone(admin_client, admin_user):
    admin_user.last_login = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    admin_user.save()
    change = f"/admin/auth/user/{admin_user.pk}/change/"
    assert 'value="00:00:00"' in admin_client.get(change).content.decode()
    EditorProfile.objects.create(user=admin_user, time_zone="America/Lima")
    page = admin_client.get(change).content.decode()
    assert 'name="last_login_0" value="2029-12-31"' in page
    assert 'name="last_login_1" value="19:00:00"' in page


def test_time_zone_is_switched_back_after_an_admin_request(editor_client, editor, settings):
    EditorProfile.objects.create(user=editor, time_zone="Asia/Tokyo")
    assert editor_client.get("/admin/").status_code == 200
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_public_pages_stay_in_the_site_time_zone_for_a_logged_in_editor(
    editor_client, editor, make_post
):
    EditorProfile.objects.create(user=editor, time_zone="Asia/Tokyo")
    post = make_post(published_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
    page = editor_client.get(post.get_absolute_url()).content.decode()
    assert "1 March 2026" in page and "2 March 2026" not in page


def test_a_zone_the_machine_no_longer_knows_falls_back_to_the_site_zone(editor_client, editor):
    EditorProfile.objects.create(user=editor, time_zone="Atlantis/Capital")
    page = editor_client.get(ACCOUNT).content.decode()
    assert "Times in the admin are shown in UTC" in page


def test_public_page_for_anonymous_visitor_sets_no_cookie_and_reads_no_user(client, make_post):
    post = make_post()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    tables = " ".join(query["sql"] for query in queries)
    assert "editorprofile" not in tables
    assert "django_session" not in tables


def test_admin_is_branded_with_the_site_name(editor_client, settings):
    settings.SITE_NAME = "Forest Watch Alliance"
    page = editor_client.get("/admin/").content.decode()
    assert "Django administration" not in page and "Django site admin" not in page
    assert "<title>Editors&#x27; desk | Forest Watch Alliance</title>" in page
    assert '<div id="site-name"><a href="/admin/">Forest Watch Alliance</a></div>' in page
    assert 'href="/admin/account/">My account</a>' in page
    assert '<a href="/" target="_blank" rel="noopener">View site' in page
    assert "css/admin.css" in page


def test_login_page_is_branded_too(client, settings):
    settings.SITE_NAME = "Forest Watch Alliance"
    page = client.get("/admin/login/").content.decode()
    assert "Forest Watch Alliance" in page and "Django" not in page
