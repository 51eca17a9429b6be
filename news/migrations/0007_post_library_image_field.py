"""Featured images move into the image library: first a place for the library image."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_image_library"),
        ("news", "0006_post_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="library_image",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="library.image",
            ),
        ),
    ]
