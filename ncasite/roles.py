"""Editor roles (auth groups) granted in data migrations; every app adds its own permissions."""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, group_name: str, perms: list[str]) -> None:
    """Give a group permissions ("app_label.codename"), creating both if needed."""
    # Permissions are normally made after all migrations have run; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
