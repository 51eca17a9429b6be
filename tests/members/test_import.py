import csv
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from members.demo import SAMPLE_CSV
from members.models import Organisation

pytestmark = pytest.mark.django_db

HEADER = ["name", "short_name", "kind", "region", "country", "website", "joined_on", "description"]


def row(**overrides):
    """A valid CSV row as a dict, with the header's columns."""
    return {
        "name": "Forest Watch",
        "short_name": "FW",
        "kind": "civil-society",
        "region": "",
        "country": "PE",
        "website": "https://forestwatch.example.org",
        "joined_on": "2022-03-15",
        "description": "Patrols along the river.",
    } | overrides


def write_csv(tmp_path, rows, header=HEADER, name="members.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(path):
    """Run the command; return its stdout and stderr."""
    stdout, stderr = StringIO(), StringIO()
    call_command("import_members", path, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def failed_import(path):
    """Run the command expecting it to refuse; return the error lines and the exception text."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_members", path, stdout=stdout, stderr=stderr)
    return stderr.getvalue().splitlines(), str(error.value)


GOOD_ROWS = [
    row(),
    row(
        name="Kenya Rangers",
        short_name="",
        kind="Law enforcement",
        country="Kenya",
        website="kenya-rangers.example.org",
        joined_on="2021-01-04",
        description="",
    ),
    row(
        name="Global Timber Lab",
        short_name="GTL",
        kind="RESEARCH",
        region="Global",
        country="",
        website="",
        description="<p>Wood <strong>forensics</strong>.</p>",
    ),
    row(name="Andes Collective", kind="Civil society", country="Peru"),
]


def test_good_file_imports_every_row_with_its_fields(tmp_path):
    stdout, stderr = run_import(write_csv(tmp_path, GOOD_ROWS))
    assert "Imported 4 new and updated 0 existing members." in stdout
    assert stderr == ""

    forest = Organisation.objects.get(slug="forest-watch")
    assert forest.name == "Forest Watch"
    assert forest.short_name == "FW"
    assert forest.kind == Organisation.Kind.CIVIL_SOCIETY
    assert forest.country.code == "PE"
    assert forest.region == Organisation.Region.LATIN_AMERICA
    assert forest.website == "https://forestwatch.example.org"
    assert forest.joined_on == date(2022, 3, 15)
    assert forest.description == "<p>Patrols along the river.</p>"

    rangers = Organisation.objects.get(slug="kenya-rangers")
    assert rangers.kind == Organisation.Kind.LAW_ENFORCEMENT
    assert rangers.country.code == "KE"
    assert rangers.region == Organisation.Region.AFRICA
    assert rangers.website == "https://kenya-rangers.example.org"
    assert rangers.description == ""

    lab = Organisation.objects.get(slug="global-timber-lab")
    assert lab.kind == Organisation.Kind.RESEARCH
    assert lab.region == Organisation.Region.GLOBAL
    assert not lab.country
    assert lab.description == "<p>Wood <strong>forensics</strong>.</p>"

    andes = Organisation.objects.get(slug="andes-collective")
    assert andes.kind == Organisation.Kind.CIVIL_SOCIETY
    assert andes.country.code == "PE"


@pytest.mark.parametrize("country", ["PE", "pe", "Peru", "peru"])
def test_country_is_accepted_by_code_or_english_name(tmp_path, country):
    run_import(write_csv(tmp_path, [row(country=country)]))
    assert Organisation.objects.get().country.code == "PE"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("civil-society", "civil-society"),
        ("Civil society", "civil-society"),
        ("CIVIL SOCIETY", "civil-society"),
        ("Indigenous Peoples' organisation", "indigenous"),
        ("law-enforcement", "law-enforcement"),
    ],
)
def test_kind_is_accepted_by_value_or_label(tmp_path, kind, expected):
    run_import(write_csv(tmp_path, [row(kind=kind)]))
    assert Organisation.objects.get().kind == expected


@pytest.mark.parametrize(
    "region", ["latin-america-caribbean", "Latin America and the Caribbean", ""]
)
def test_region_is_accepted_by_value_or_label_or_derived(tmp_path, region):
    run_import(write_csv(tmp_path, [row(region=region, country="PE")]))
    assert Organisation.objects.get().region == Organisation.Region.LATIN_AMERICA


def test_plain_text_description_is_escaped_into_a_paragraph(tmp_path):
    run_import(write_csv(tmp_path, [row(description="Forests > cattle & soy")]))
    description = Organisation.objects.get().description
    assert description == "<p>Forests &gt; cattle &amp; soy</p>"


def test_hostile_description_html_is_sanitised(tmp_path):
    hostile = (
        '<p>Rangers <strong>on patrol</strong>.</p><script>alert("x")</script>'
        '<img src="x" onerror="alert(1)"><p onclick="alert(2)">Hi</p>'
    )
    run_import(write_csv(tmp_path, [row(description=hostile)]))
    description = Organisation.objects.get().description
    assert "<strong>on patrol</strong>" in description
    for bad in ("<script", "alert(", "onerror", "onclick", "<img"):
        assert bad not in description


# --- Refusing bad files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"kind": "pirates"}, "kind"),
        ({"joined_on": "15/03/2022"}, "joined_on"),
        ({"joined_on": "2022-02-30"}, "joined_on"),
        ({"country": "Atlantis"}, "country"),
        ({"name": ""}, "name"),
        ({"website": "not a website"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"region": "mars"}, "region"),
        ({"website": "https://example.org/" + "a" * 200}, "website"),
        ({"short_name": "S" * 51}, "short_name"),
    ],
)
def test_file_with_one_bad_row_imports_nothing_and_names_the_line(
    tmp_path, make_organisation, bad, field
):
    make_organisation(name="Already here")
    rows = [
        row(name="First good"),
        row(name="Second good"),
        row(name="Bad row") | bad,
        row(name="Last good"),
    ]
    errors, message = failed_import(write_csv(tmp_path, rows))
    assert Organisation.objects.count() == 1
    assert [line for line in errors if line.startswith("line 4: ")] == errors
    assert any(line.startswith(f"line 4: {field}: ") for line in errors)
    assert "nothing was imported" in message


def test_duplicate_address_within_file_imports_nothing_and_names_both_lines(tmp_path):
    rows = [row(name="Forest Watch"), row(name="Ocean Guard"), row(name="Forest-Watch!")]
    errors, message = failed_import(write_csv(tmp_path, rows))
    assert not Organisation.objects.exists()
    assert errors == ["line 4: duplicate of line 2 (both make the address “forest-watch”)"]
    assert message.startswith("1 error(s)")


def test_every_bad_row_is_reported(tmp_path):
    rows = [row(name="A", kind="pirates"), row(name="B"), row(name="C", joined_on="soon")]
    errors, message = failed_import(write_csv(tmp_path, rows))
    assert [line.split(":")[0] for line in errors] == ["line 2", "line 4"]
    assert message.startswith("2 error(s)")
    assert not Organisation.objects.exists()


def test_line_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "members.csv"
    good = ",".join(row().values())
    path.write_text(",".join(HEADER) + "\n" + good + "\n\n" + good.replace("PE", "XX") + "\n")
    errors, _message = failed_import(path)
    assert errors[0].startswith("line 4: ")


@pytest.mark.parametrize("missing", ["website", "kind", "name"])
def test_missing_column_is_reported(tmp_path, missing):
    header = [column for column in HEADER if column != missing]
    errors, _message = failed_import(write_csv(tmp_path, [row()], header=header))
    assert errors == [f"line 1: missing columns: {missing}"]
    assert not Organisation.objects.exists()


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_members", tmp_path / "nowhere.csv", stdout=StringIO())


def test_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n\xff\xfe\xfa,,,,,,,\n")
    with pytest.raises(CommandError, match="not a readable UTF-8 CSV file"):
        call_command("import_members", path, stdout=StringIO(), stderr=StringIO())
    assert not Organisation.objects.exists()


def test_file_saved_with_byte_order_mark_imports(tmp_path):
    path = write_csv(tmp_path, [row()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    run_import(path)
    assert Organisation.objects.get().name == "Forest Watch"


# --- Re-runs and the sample ---------------------------------------------------------------


def test_rerun_updates_rows_matched_by_address_instead_of_duplicating(tmp_path):
    run_import(write_csv(tmp_path, [row(), row(name="Ocean Guard", short_name="OG")]))
    first = Organisation.objects.get(slug="forest-watch")

    changed = [
        row(short_name="FWN", country="KE", website="https://new.example.org"),
        row(name="Ocean Guard", short_name="OG"),
        row(name="River Keepers"),
    ]
    stdout, _stderr = run_import(write_csv(tmp_path, changed, name="changed.csv"))
    assert "Imported 1 new and updated 2 existing members." in stdout
    assert Organisation.objects.count() == 3
    forest = Organisation.objects.get(slug="forest-watch")
    assert forest.pk == first.pk
    assert forest.short_name == "FWN"
    assert forest.country.code == "KE"
    assert forest.region == Organisation.Region.AFRICA
    assert forest.website == "https://new.example.org"


def test_rerun_keeps_fields_the_file_does_not_have(tmp_path):
    path = write_csv(tmp_path, [row()])
    run_import(path)
    Organisation.objects.update(left_on=date(2025, 1, 1), is_featured=True, ordering=5)
    run_import(path)
    organisation = Organisation.objects.get()
    assert organisation.left_on == date(2025, 1, 1)
    assert organisation.is_featured
    assert organisation.ordering == 5


def test_sample_file_imports_cleanly(tmp_path):
    stdout, stderr = run_import(SAMPLE_CSV)
    assert "Imported 45 new and updated 0 existing members." in stdout
    assert stderr == ""
    assert Organisation.objects.count() == 45
    assert not Organisation.objects.filter(region="").exists()
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind.values)


def test_sample_file_imports_idempotently(tmp_path):
    run_import(SAMPLE_CSV)
    stdout, _stderr = run_import(SAMPLE_CSV)
    assert "Imported 0 new and updated 45 existing members." in stdout
    assert Organisation.objects.count() == 45
