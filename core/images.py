"""Uploaded images: validated, re-encoded and turned into renditions (the library calls these)."""

import io
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext_lazy as _
from easy_thumbnails.files import get_thumbnailer
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class Rendition:
    """A family of renditions: one file per width and format, for srcset."""

    widths: tuple[int, ...]
    aspect: tuple[int, int] | None = None  # crop to this ratio, or keep the original's
    formats: tuple[str, ...] = ("webp", "jpg")


def validate_image(file) -> None:
    """Reject anything Pillow cannot fully decode, unknown formats and oversized images."""
    max_pixels = settings.NCASITE_MAX_IMAGE_PIXELS
    try:
        file.seek(0)
        with Image.open(file) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("Upload a JPEG, PNG, WebP or GIF image (this file is %(format)s)."),
                    code="image_format",
                    params={"format": image.format},
                )
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    _(
                        "This image is %(width)s × %(height)s pixels, too large to process. "
                        "Please upload an image of at most %(megapixels)s megapixels."
                    ),
                    code="image_too_large",
                    params={"width": width, "height": height, "megapixels": max_pixels // 10**6},
                )
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            _("This image is too large to process. Please upload a smaller image."),
            code="image_too_large",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not an image we can read, or it is damaged or incomplete."),
            code="unreadable_image",
        ) from None
    finally:
        file.seek(0)


class ImageUploadField(forms.ImageField):
    """Run our checks before Django's, so oversized and damaged files get a precise error."""

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "read"):
            validate_image(data)
        return super().to_python(data)


class ValidatedImageField(models.ImageField):
    """An image field whose uploads are validated by `validate_image` in forms and models."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_image])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ImageUploadField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs


def reencode(fieldfile) -> None:
    """Replace an upload with a clean JPEG or PNG: no metadata, no hidden payload, upright."""
    fieldfile.open("rb")
    with Image.open(fieldfile) as image:
        image = ImageOps.exif_transpose(image)
        has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        buffer = io.BytesIO()
        if has_alpha:
            image.save(buffer, "PNG", optimize=True)
            extension = "png"
        else:
            image.save(buffer, "JPEG", quality=88, optimize=True, progressive=True)
            extension = "jpg"
    stem = fieldfile.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    fieldfile.save(f"{stem}.{extension}", ContentFile(buffer.getvalue()), save=False)


def make_renditions(
    fieldfile, families: dict[str, Rendition], *, focal_point: tuple[float, float] = (0.5, 0.5)
) -> dict:
    """Write every rendition of an image and return their names and sizes, keyed by family.

    A crop to an aspect ratio keeps `focal_point` (fractions of width and height from the top
    left) in the frame, as near its centre as the image allows: easy-thumbnails' documented
    `target` option of its `scale_and_crop` processor, in whole percent.
    """
    source_width, source_height = fieldfile.width, fieldfile.height
    result = {"width": source_width, "height": source_height}
    target = tuple(round(min(max(value, 0.0), 1.0) * 100) for value in focal_point)
    for name, family in families.items():
        files = {fmt: [] for fmt in family.formats}
        for width in family.widths:
            width = min(width, source_width)
            if family.aspect:
                height = round(width * family.aspect[1] / family.aspect[0])
                size = (width, height)
                options = {"size": size, "crop": True, "target": target, "upscale": False}
            else:
                options = {"size": (width, 0), "upscale": False}
            for fmt in family.formats:
                thumbnailer = get_thumbnailer(fieldfile)
                thumbnailer.thumbnail_extension = fmt
                thumbnailer.thumbnail_transparency_extension = "webp" if fmt == "webp" else "png"
                thumb = thumbnailer.get_thumbnail(options)
                entry = {"name": thumb.name, "width": thumb.width, "height": thumb.height}
                if entry not in files[fmt]:
                    files[fmt].append(entry)
        result[name] = files
    return result


class RemembersLoadedValues:
    """Model mixin: keep the values read from the database, to tell what a save changes."""

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        # **kwargs: Django 6.1 passes fetch_mode (RemovedInDjango2028Warning without it).
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance
