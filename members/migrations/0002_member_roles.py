"""Once granted the roles' permissions here; ncasite.roles.ensure_roles now keeps every role
in step after each migrate, so this migration does nothing and stays for the history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("news", "0002_editor_roles"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
