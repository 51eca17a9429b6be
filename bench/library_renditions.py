"""Cost of one library upload: every rendition family at once, or only what one use needs.

    DJANGO_MEDIA_ROOT=$(mktemp -d) python manage.py shell < bench/library_renditions.py

(through the shell: bench/http.py would shadow the standard library's http when run directly)
"""

import io
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from core.images import make_renditions, reencode
from library.models import Image as LibraryImage
from library.renditions import FAMILIES

PHOTO = {name: FAMILIES[name] for name in ["thumb", "card", "article", "social"]}
LOGO = {name: FAMILIES[name] for name in ["thumb", "logo"]}


def picture(width, height, mode, fmt) -> bytes:
    """A photo-like picture: smooth gradients with some fine detail (noise is the worst case)."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    detail = Image.effect_noise((width // 8, height // 8), 24).resize((width, height))
    image = Image.blend(image, detail.convert(mode), 0.3)
    ImageDraw.Draw(image).ellipse([10, 10, width - 10, height - 10], outline="white", width=9)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def time_one(content: bytes, name: str, families) -> float:
    image = LibraryImage(file=default_storage.save(f"bench/{name}", ContentFile(content)))
    fieldfile = image.file
    start = time.perf_counter()
    reencode(fieldfile)
    make_renditions(fieldfile, families)
    return time.perf_counter() - start


def best_of(runs: int, *args) -> float:
    return min(time_one(*args) for _ in range(runs))


def main() -> None:
    logo = picture(800, 800, "RGBA", "PNG")
    for label, content, name, needed in [
        ("photo 4000x3000 JPEG", picture(4000, 3000, "RGB", "JPEG"), "photo.jpg", PHOTO),
        ("photo 1600x900 JPEG", picture(1600, 900, "RGB", "JPEG"), "small.jpg", PHOTO),
        ("logo 800x800 PNG", logo, "logo.png", LOGO),
    ]:
        every = best_of(3, content, name, FAMILIES)
        only = best_of(3, content, name, needed)
        print(f"{label}: every family {every:.2f} s, only its use's families {only:.2f} s")


main()
