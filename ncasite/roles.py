"""Editor roles (auth groups) and their permissions, kept in step after every migrate."""

CRUD = ("add", "change", "delete", "view")

ROLES = {
    "Editors": [
        *(f"news.{action}_post" for action in CRUD),
        "news.publish_post",
        *(f"news.{action}_category" for action in CRUD),
        *(f"news.{action}_slugredirect" for action in CRUD),
        *(f"members.{action}_organisation" for action in CRUD),
        *(f"library.{action}_image" for action in CRUD),
        "ncasite.add_page",
        "ncasite.change_page",
        "ncasite.view_page",
        "newsletter.view_subscriber",
        "newsletter.export_subscriber",
        "newsletter.delete_subscriber",
        "newsletter.view_subscriberemail",
        *(f"newsletter.{action}_issue" for action in CRUD),
        "newsletter.send_issue",
        "newsletter.view_delivery",
    ],
    "Contributors": [
        "news.add_post",
        "news.change_post",
        "news.view_post",
        "news.view_category",
        "members.view_organisation",
        "library.add_image",
        "library.change_image",
        "library.view_image",
    ],
}


def ensure_roles(sender=None, *, apps=None, using="default", **kwargs) -> None:
    """post_migrate: make sure both groups exist with at least their permissions.

    Runs after every migrate and flush, so a new permission reaches the roles without a
    data migration, and the groups come back after a test database is flushed. ncasite is
    the last app in INSTALLED_APPS, so every other app's permissions exist by then.
    """
    from django.contrib.auth.models import Group, Permission

    for group_name, perms in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        wanted = Permission.objects.using(using).none()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.add(*wanted)
