from django.contrib.auth.management import create_permissions
from django.db import migrations

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


def grant(apps, group_name, perms):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant(apps, "Editors", EDITORS)
    grant(apps, "Contributors", CONTRIBUTORS)


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
