"""Logos move into the image library: first a place for the library image."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_image_library"),
        ("members", "0002_member_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="library_logo",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="library.image",
            ),
        ),
    ]
