"""Which renditions a library image has, and the work of making them.

Plain functions on an image's file and focal point, called before the image is saved and kept
out of request code, so that the task worker can take them over without changing what they make.
"""

from core.images import Rendition, make_renditions, reencode

# Every image gets every family once, when its file or focal point changes, whatever it is used
# for first: a photo chosen as a featured image today can be a logo or a body figure tomorrow
# without waiting for renditions. bench/README.md has the cost of one upload both ways.
FAMILIES = {
    "thumb": Rendition(widths=(160,), formats=("jpg",)),
    "card": Rendition(widths=(400, 800), aspect=(16, 9)),
    "article": Rendition(widths=(640, 960, 1280)),
    "social": Rendition(widths=(1200,), aspect=(1200, 630), formats=("jpg",)),
    "logo": Rendition(widths=(160, 320), formats=("webp", "png")),
}


def build_renditions(image) -> None:
    """Write every family's files for the image's file and focal point; record them."""
    image.width, image.height = image.file.width, image.file.height
    focal_point = (image.focal_x, image.focal_y)
    image.renditions = make_renditions(image.file, FAMILIES, focal_point=focal_point)


def refresh_renditions(image, *, loaded: dict) -> None:
    """Before a save: re-encode a new file, and rebuild the renditions if the picture changed.

    `loaded` holds the values read from the database (empty for a new image).
    """
    if not image.file:
        image.renditions = {}
        return
    if image.file.name != loaded.get("file"):
        reencode(image.file)
        build_renditions(image)
        return
    focal_moved = (image.focal_x, image.focal_y) != (loaded.get("focal_x"), loaded.get("focal_y"))
    if focal_moved or not image.renditions:
        build_renditions(image)


def image_for_stored_file(image_model, name: str, **fields):
    """Make a library image of a file already in storage, kept where it is (not copied).

    The data migrations that move featured images and logos into the library call it with
    their historical model, which has no custom save(): bulk_create skips save() with the
    current model too, so both make the same row. None when the file is gone from storage.
    """
    existing = image_model.objects.filter(file=name).first()
    if existing is not None:
        return existing  # one file, one library image, however many posts showed it
    image = image_model(file=name, **fields)
    if not image.file.storage.exists(name):
        return None
    build_renditions(image)
    return image_model.objects.bulk_create([image])[0]
