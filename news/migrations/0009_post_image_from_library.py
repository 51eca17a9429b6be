"""The featured image is the library image: drop the post's own file, alt text and credit."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("news", "0008_move_featured_images_to_library")]

    operations = [
        migrations.RemoveField(model_name="post", name="image"),
        migrations.RemoveField(model_name="post", name="image_alt"),
        migrations.RemoveField(model_name="post", name="image_credit"),
        migrations.RemoveField(model_name="post", name="image_renditions"),
        migrations.RenameField(model_name="post", old_name="library_image", new_name="image"),
        migrations.AlterField(
            model_name="post",
            name="image",
            field=models.ForeignKey(
                blank=True,
                help_text="Type to search the image library by title, alt text or credit, or add a new image with +. Its alt text and credit come from the library. At least 1200 pixels wide for a sharp social preview.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="featured_in",
                to="library.image",
                verbose_name="featured image",
            ),
        ),
        migrations.AlterField(
            model_name="post",
            name="image_caption",
            field=models.CharField(
                blank=True,
                help_text="Shown under the image in this post only; the credit is added after it.",
                max_length=300,
                verbose_name="caption",
            ),
        ),
    ]
