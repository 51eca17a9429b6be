"""Autocomplete fields sent a value that is not an id at all: a form error, never a 500."""

import pytest
from django.urls import reverse

from newsletter.models import Issue

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "1.5", "<script>", "9" * 40, "\x00"]


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("field", ["image", "organisations"])
def test_post_form_refuses_a_choice_that_is_not_an_id(editor_client, post_form_data, field, value):
    data = post_form_data(**{field: value})
    response = editor_client.post(reverse("admin:news_post_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("value", NOT_IDS)
def test_organisation_form_refuses_a_logo_that_is_not_an_id(editor_client, value):
    data = {"name": "Forest Watch", "slug": "forest-watch", "kind": "civil-society", "logo": value}
    data |= {"joined_on": "2026-01-01", "ordering": "0"}
    response = editor_client.post(reverse("admin:members_organisation_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("value", NOT_IDS)
def test_issue_story_that_is_not_a_post_id_is_refused(editor_client, value):
    issue = Issue.objects.create(subject="December", slug="december")
    data = {
        "subject": issue.subject,
        "slug": issue.slug,
        "preheader": "",
        "intro": "",
        "edit_version_seen": issue.edit_version,
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-post": value,
        "items-0-position": "1",
    }
    response = editor_client.post(reverse("admin:newsletter_issue_change", args=[issue.pk]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
