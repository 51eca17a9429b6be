"""The logo is the library image: drop the organisation's own file and renditions."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("members", "0004_move_logos_to_library")]

    operations = [
        migrations.RemoveField(model_name="organisation", name="logo"),
        migrations.RemoveField(model_name="organisation", name="logo_renditions"),
        migrations.RenameField(
            model_name="organisation", old_name="library_logo", new_name="logo"
        ),
        migrations.AlterField(
            model_name="organisation",
            name="logo",
            field=models.ForeignKey(
                blank=True,
                help_text="Choose the logo from the image library, or add it with +. A PNG with a transparent background works best, at least 320 pixels wide.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="logo_of",
                to="library.image",
                verbose_name="logo",
            ),
        ),
    ]
