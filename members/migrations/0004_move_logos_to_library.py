"""Every uploaded logo becomes a library image, "Logo of <name>", its file left in place."""

from django.db import migrations

from library.renditions import image_for_stored_file


def move_to_library(apps, schema_editor):
    Organisation = apps.get_model("members", "Organisation")
    Image = apps.get_model("library", "Image")
    for organisation in Organisation.objects.exclude(logo="").filter(library_logo=None).iterator():
        text = f"Logo of {organisation.name}"
        image = image_for_stored_file(
            Image, organisation.logo.name, title=text[:200], alt_text=text[:250]
        )
        if image is not None:
            Organisation.objects.filter(pk=organisation.pk).update(library_logo=image)


def move_back(apps, schema_editor):
    Organisation = apps.get_model("members", "Organisation")
    for organisation in Organisation.objects.exclude(library_logo=None).select_related(
        "library_logo"
    ):
        Organisation.objects.filter(pk=organisation.pk).update(
            logo=organisation.library_logo.file.name
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0003_organisation_library_logo_field")]

    operations = [migrations.RunPython(move_to_library, move_back)]
