"""Memoised labels and URLs give exactly what Django's own calls give."""

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation
from django_countries.fields import Country

from members.models import Organisation
from ncasite.memos import choice_label, country_name, memo_reverse, slug_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["forest-watch", "a_b-9", "reserve"])
@pytest.mark.parametrize(
    "viewname", ["news:post-detail", "news:category-detail", "members:organisation-detail"]
)
def test_slug_url_is_what_reverse_gives(viewname, slug):
    assert slug_url(viewname, slug) == reverse(viewname, kwargs={"slug": slug})


def test_memoised_urls_follow_the_script_prefix():
    try:
        set_script_prefix("/alliance/")
        assert slug_url("news:post-detail", "x") == "/alliance/news/x/"
        assert memo_reverse("page", "about") == reverse("page", args=["about"])
        assert memo_reverse("page", "about").startswith("/alliance/")
    finally:
        set_script_prefix("/")
    assert slug_url("news:post-detail", "x") == "/news/x/"


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_labels_are_translated_as_django_translates_them(make_organisation, language):
    organisation = make_organisation(kind=Organisation.Kind.GOVERNMENT, country="CI")
    with translation.override(language):
        field = Organisation._meta.get_field("kind")
        expected = dict(field.flatchoices)[organisation.kind]
        assert organisation.get_kind_display() == str(expected)
        regions = dict(Organisation._meta.get_field("region").flatchoices)
        for region in Organisation.Region:
            organisation.region = region
            assert organisation.get_region_display() == str(regions[region])
        assert organisation.country_name == Country("CI").name
    with translation.override("fr"):
        assert country_name(Country("DE")) == Country("DE").name
        assert choice_label(Organisation.Kind, "no-such-kind") == "no-such-kind"
