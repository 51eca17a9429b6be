from django.db import migrations

from ncasite.roles import grant_permissions


def create_roles(apps, schema_editor):
    grant_permissions(
        apps,
        "Editors",
        [f"members.{action}_organisation" for action in ("add", "change", "delete", "view")],
    )
    grant_permissions(apps, "Contributors", ["members.view_organisation"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("news", "0002_editor_roles"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
