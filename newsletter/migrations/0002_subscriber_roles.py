from django.db import migrations

from ncasite.roles import grant_permissions


def create_roles(apps, schema_editor):
    grant_permissions(
        apps,
        "Editors",
        [
            "newsletter.view_subscriber",
            "newsletter.export_subscriber",
            "newsletter.delete_subscriber",
            "newsletter.view_subscriberemail",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("news", "0002_editor_roles"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
