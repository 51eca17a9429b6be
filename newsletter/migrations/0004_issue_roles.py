from django.db import migrations

from ncasite.roles import grant_permissions


def create_roles(apps, schema_editor):
    grant_permissions(
        apps,
        "Editors",
        [
            *(f"newsletter.{action}_issue" for action in ("add", "change", "delete", "view")),
            "newsletter.send_issue",
            "newsletter.view_delivery",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0003_issues"),
        ("news", "0002_editor_roles"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
