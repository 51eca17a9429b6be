"""What the post and member forms show of the library image they point at."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# For the `Media` of an admin whose form chooses library images: the script updates a chosen
# image's preview when the editor picks another one.
CHOOSER_JS = ["library/image_chooser.js"]
CHOOSER_CSS = {"all": ["library/admin.css"]}


def thumbnail(image, *, size: int = 64) -> str:
    """A small picture of a library image for admin lists; a dash without one."""
    url = image.rendition_url("thumb") if image else ""
    if not url:
        return "—"
    return format_html(
        '<img src="{}" alt="" class="library-thumb" style="max-width:{}px;max-height:{}px">',
        url,
        size,
        size,
    )


def chosen_image_preview(image, *, field_name: str, family: str = "thumb") -> str:
    """The chosen image with its alt text and credit; the script keeps it up to date."""
    url = image.rendition_url(family) if image else ""
    picture = format_html('<img src="{}" alt="">', url) if url else mark_safe('<img alt="" hidden>')
    return format_html(
        '<div class="image-chooser-preview" data-chooser-for="id_{}" data-search-url="{}">{} '
        '<p class="image-chooser-preview__text" data-empty="{}">{}</p></div>',
        field_name,
        reverse("admin:library_image_search"),
        picture,
        _("No image chosen."),
        describe(image) if image else _("No image chosen."),
    )


def describe(image) -> str:
    text = _("Alt text: %(alt)s") % {"alt": image.alt_text}
    if image.credit:
        text += " · " + _("Credit: %(credit)s") % {"credit": image.credit}
    return text
