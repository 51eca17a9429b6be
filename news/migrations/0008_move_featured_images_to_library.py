"""Every featured image an editor uploaded becomes a library image, its file left in place.

Alt text and credit move with it; the caption stays on the post. Going back copies the file
name, alt text and credit onto the post again (its renditions are rebuilt on its next save).
"""

from django.db import migrations

from library.renditions import image_for_stored_file


def move_to_library(apps, schema_editor):
    Post = apps.get_model("news", "Post")
    Image = apps.get_model("library", "Image")
    for post in Post.objects.exclude(image="").filter(library_image=None).iterator():
        image = image_for_stored_file(
            Image,
            post.image.name,
            title=post.title[:200],
            alt_text=post.image_alt.strip() or post.title[:250],
            credit=post.image_credit,
        )
        if image is not None:
            Post.objects.filter(pk=post.pk).update(library_image=image)


def move_back(apps, schema_editor):
    Post = apps.get_model("news", "Post")
    for post in Post.objects.exclude(library_image=None).select_related("library_image"):
        image = post.library_image
        Post.objects.filter(pk=post.pk).update(
            image=image.file.name, image_alt=image.alt_text, image_credit=image.credit
        )


class Migration(migrations.Migration):
    dependencies = [("news", "0007_post_library_image_field")]

    operations = [migrations.RunPython(move_to_library, move_back)]
