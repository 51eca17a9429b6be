from django.db import migrations

from ncasite.roles import grant_permissions

EDITORS = [
    "news.add_post",
    "news.change_post",
    "news.delete_post",
    "news.view_post",
    "news.publish_post",
    "news.add_category",
    "news.change_category",
    "news.delete_category",
    "news.view_category",
    "news.add_slugredirect",
    "news.change_slugredirect",
    "news.delete_slugredirect",
    "news.view_slugredirect",
]
CONTRIBUTORS = ["news.add_post", "news.change_post", "news.view_post", "news.view_category"]


def create_roles(apps, schema_editor):
    grant_permissions(apps, "Editors", EDITORS)
    grant_permissions(apps, "Contributors", CONTRIBUTORS)


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
