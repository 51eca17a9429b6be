"""Once granted the roles' permissions here; ncasite.roles.ensure_roles now keeps every role
in step after each migrate, so this migration does nothing and stays for the history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
