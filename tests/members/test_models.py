from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import timezone
from django_countries import countries

from members.models import Organisation
from members.regions import region_for_country

pytestmark = pytest.mark.django_db

HOSTILE_HTML = (
    '<p>Rangers <strong>on patrol</strong>.</p><script>alert("x")</script>'
    '<p><img src="x" onerror="alert(1)"><a href="javascript:alert(1)" onclick="alert(2)">go</a></p>'
)


def assert_sanitised(html):
    assert "<strong>on patrol</strong>" in html
    for hostile in ("<script", "alert(", "onerror", "onclick", "javascript:", "<img"):
        assert hostile not in html


# --- Region -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("PE", Organisation.Region.LATIN_AMERICA),
        ("KE", Organisation.Region.AFRICA),
        ("FR", Organisation.Region.EUROPE),
        ("AU", Organisation.Region.OCEANIA),
        ("CA", Organisation.Region.NORTH_AMERICA),
        ("JP", Organisation.Region.ASIA),
    ],
)
def test_region_is_derived_from_country_when_left_empty(make_organisation, country, region):
    organisation = make_organisation(country=country)
    organisation.refresh_from_db()
    assert organisation.region == region


def test_every_country_belongs_to_a_region():
    unmapped = [code for code, _name in countries if not region_for_country(code)]
    assert unmapped == []


def test_explicit_region_is_kept_even_if_country_says_otherwise(make_organisation):
    organisation = make_organisation(country="PE", region=Organisation.Region.GLOBAL)
    organisation.refresh_from_db()
    assert organisation.region == Organisation.Region.GLOBAL


def test_region_stays_empty_without_country_or_region(make_organisation):
    organisation = make_organisation()
    organisation.refresh_from_db()
    assert organisation.region == ""
    assert organisation.country.code is None or organisation.country.code == ""


def test_region_is_derived_when_country_is_added_later(make_organisation):
    organisation = make_organisation()
    organisation.country = "KE"
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.region == Organisation.Region.AFRICA


# --- Membership dates ---------------------------------------------------------------------


@pytest.fixture
def memberships(make_organisation):
    """One organisation for each place on the membership timeline, around 2026-06-15."""
    with time_machine.travel(date(2026, 6, 15), tick=False):
        return {
            "current": make_organisation(name="Current", joined_on=date(2020, 1, 1)),
            "joined today": make_organisation(name="Joined today", joined_on=date(2026, 6, 15)),
            "leaving tomorrow": make_organisation(
                name="Leaving tomorrow", joined_on=date(2020, 1, 1), left_on=date(2026, 6, 16)
            ),
            "left today": make_organisation(
                name="Left today", joined_on=date(2020, 1, 1), left_on=date(2026, 6, 15)
            ),
            "former": make_organisation(
                name="Former", joined_on=date(2020, 1, 1), left_on=date(2024, 1, 1)
            ),
            "joining tomorrow": make_organisation(
                name="Joining tomorrow", joined_on=date(2026, 6, 16)
            ),
        }


@time_machine.travel(date(2026, 6, 15), tick=False)
def test_current_includes_members_from_joining_day_until_day_before_leaving(memberships):
    names = set(Organisation.objects.current().values_list("name", flat=True))
    assert names == {"Current", "Joined today", "Leaving tomorrow"}


@time_machine.travel(date(2026, 6, 15), tick=False)
def test_former_includes_members_from_their_leaving_day(memberships):
    names = set(Organisation.objects.former().values_list("name", flat=True))
    assert names == {"Left today", "Former"}


@time_machine.travel(date(2026, 6, 15), tick=False)
def test_is_current_agrees_with_current_queryset(memberships):
    current = set(Organisation.objects.current())
    for organisation in memberships.values():
        assert organisation.is_current() == (organisation in current), organisation.name


def test_joined_on_defaults_to_today():
    organisation = Organisation.objects.create(name="Fresh", slug="fresh", kind="government")
    assert organisation.joined_on == timezone.localdate()
    assert organisation.is_current()


# --- Other invariants ---------------------------------------------------------------------


def test_description_is_sanitised_when_created_through_the_orm(make_organisation):
    organisation = make_organisation(description=HOSTILE_HTML)
    organisation.refresh_from_db()
    assert_sanitised(organisation.description)


def test_description_is_sanitised_when_updated_through_the_orm(make_organisation):
    organisation = make_organisation(description="<p>Harmless.</p>")
    organisation.description = HOSTILE_HTML
    organisation.save()
    organisation.refresh_from_db()
    assert_sanitised(organisation.description)


def test_absolute_url_is_member_page(make_organisation):
    organisation = make_organisation(slug="forest-watch")
    assert organisation.get_absolute_url() == "/members/forest-watch/"


@pytest.mark.parametrize("query", ["forest WATCH", "fw", "peru", "Peru"])
def test_search_finds_by_name_short_name_or_country_name(make_organisation, query):
    make_organisation(name="Forest Watch", short_name="FW", country="PE")
    make_organisation(name="Ocean Guard", short_name="OG", country="FR")
    names = list(Organisation.objects.search(query).values_list("name", flat=True))
    assert names == ["Forest Watch"]


def test_organisations_are_ordered_by_ordering_then_name(make_organisation):
    make_organisation(name="Beta")
    make_organisation(name="Alpha")
    make_organisation(name="Zulu", ordering=-1)
    names = list(Organisation.objects.values_list("name", flat=True))
    assert names == ["Zulu", "Alpha", "Beta"]


def test_organisation_without_logo_has_none(make_organisation):
    organisation = make_organisation()
    organisation.refresh_from_db()
    assert organisation.logo is None


def test_current_counts_days_in_the_site_time_zone(make_organisation, settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    make_organisation(name="New", joined_on=date(2026, 6, 16))
    # 20:00 UTC on 15 June is already 16 June in Auckland.
    with time_machine.travel(datetime(2026, 6, 15, 20, tzinfo=UTC), tick=False):
        assert list(Organisation.objects.current().values_list("name", flat=True)) == ["New"]
