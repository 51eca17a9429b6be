import csv
from pathlib import Path

from django import forms
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from django_countries import countries

from members.models import Organisation

COLUMNS = ["name", "short_name", "kind", "region", "country", "website", "joined_on", "description"]


class OrganisationRowForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = COLUMNS + ["slug"]


def choice_value(raw: str, choices) -> str:
    """Accept a choice by its value or its English label, in any case."""
    wanted = raw.strip().lower()
    for value, label in choices:
        if wanted in {value.lower(), str(label).lower()}:
            return value
    return raw.strip()


def country_code(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return ""
    if raw.upper() in dict(countries):
        return raw.upper()
    return countries.by_name(raw) or raw


def row_data(row: dict[str, str]) -> dict[str, str]:
    data = {column: (row.get(column) or "").strip() for column in COLUMNS}
    data["slug"] = slugify(data["name"])
    data["kind"] = choice_value(data["kind"], Organisation.Kind.choices)
    data["region"] = choice_value(data["region"], Organisation.Region.choices)
    data["country"] = country_code(data["country"])
    if data["description"] and "<" not in data["description"]:
        data["description"] = f"<p>{escape(data['description'])}</p>"
    return data


def read_rows(path: Path) -> tuple[list[tuple[int, OrganisationRowForm]], list[str]]:
    """Validate every row; return the bound forms and the errors, each with its line."""
    forms_by_line, errors, seen_slugs = [], [], {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            return [], [f"line 1: missing columns: {', '.join(sorted(missing))}"]
        for row in reader:
            line = reader.line_num
            data = row_data(row)
            if data["slug"] in seen_slugs:
                errors.append(
                    f"line {line}: duplicate of line {seen_slugs[data['slug']]} "
                    f"(both make the address “{data['slug']}”)"
                )
                continue
            if data["slug"]:
                seen_slugs[data["slug"]] = line
            existing = (
                Organisation.objects.filter(slug=data["slug"]).first() if data["slug"] else None
            )
            form = OrganisationRowForm(data, instance=existing)
            if form.is_valid():
                forms_by_line.append((line, form))
            for field, messages in form.errors.items():
                for message in messages:
                    errors.append(f"line {line}: {field}: {message}")
    return forms_by_line, errors


class Command(BaseCommand):
    help = (
        "Import member organisations from a CSV file with the columns "
        + ", ".join(COLUMNS)
        + ". Every row is checked first; if any row is wrong nothing is imported. Rows whose "
        "name matches an existing member's address update it."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args, csv_file: Path, **options):
        if not csv_file.is_file():
            raise CommandError(f"{csv_file}: no such file")
        try:
            rows, errors = read_rows(csv_file)
        except (UnicodeDecodeError, csv.Error) as error:
            raise CommandError(f"{csv_file}: not a readable UTF-8 CSV file ({error})") from None
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(f"{len(errors)} error(s) in {csv_file}; nothing was imported.")
        created = updated = 0
        with transaction.atomic():
            for _line, form in rows:
                is_new = form.instance.pk is None
                form.save()
                created, updated = created + is_new, updated + (not is_new)
        self.stdout.write(
            self.style.SUCCESS(f"Imported {created} new and updated {updated} existing members.")
        )
