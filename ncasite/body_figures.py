"""Figures in bodies: drawn from the image library when a body is saved, and recorded as uses.

The editor stores which library image a figure shows (data-image) and the editor's words (alt
text, caption, credit). On save the image's current renditions are written into the figure, so
public pages print stored HTML with no lookups, and a use is recorded (news.PostFigure,
ncasite.PageFigure) so that an image a body shows cannot be deleted.
"""

from dataclasses import replace

from core.body_html import Figure, canonical_figures, figures
from library.models import Image
from news.models import Post, PostFigure

from .models import Page, PageFigure

# The model recording each kind of body's figures, and its foreign key to that body.
FIGURE_USES = {Post: (PostFigure, "post"), Page: (PageFigure, "page")}
FIGURE_FAMILY = "article"


def library_figure(figure: Figure, image: Image | None) -> Figure | None:
    """The figure with the image's renditions; None (dropped) when the image is gone."""
    files = image.rendition_files(FIGURE_FAMILY) if image else {}
    fallback = next((fmt for fmt in files if fmt != "webp"), None)
    if not fallback:
        return None
    entries = files[fallback]
    largest = entries[-1]
    return replace(
        figure,
        src=largest["url"],
        srcset=", ".join(f"{entry['url']} {entry['width']}w" for entry in entries),
        width=str(largest["width"]),
        height=str(largest["height"]),
        alt=figure.alt or image.alt_text,
    )


def with_library_figures(body: str) -> str:
    """Every figure drawn from its library image, in one query."""
    shown = {figure.image_id for figure in figures(body)}
    if not shown and "<figure" not in body:
        return body
    images = Image.objects.only("renditions", "alt_text").in_bulk(shown)
    return canonical_figures(
        body, lambda figure: library_figure(figure, images.get(figure.image_id))
    )


def draw_figures_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save of a model with a body."""
    if raw or (update_fields is not None and "body" not in update_fields):
        return
    instance.body = with_library_figures(instance.body or "")


def record_figures(sender, instance, raw=False, update_fields=None, **kwargs):
    """post_save of a model with a body: its figure records match the images it shows."""
    if raw or (update_fields is not None and "body" not in update_fields):
        return
    through, owner = FIGURE_USES[sender]
    shown = {figure.image_id for figure in figures(instance.body)}
    uses = through.objects.filter(**{owner: instance})
    uses.exclude(image_id__in=shown).delete()
    recorded = set(uses.values_list("image_id", flat=True))
    through.objects.bulk_create(
        [through(**{owner: instance}, image_id=image_id) for image_id in shown - recorded]
    )


def follow_image_change(sender, instance, created=False, raw=False, **kwargs):
    """post_save of a library image: figures that show it get its new renditions."""
    if created or raw or getattr(instance, "_loaded", {}).get("renditions") == instance.renditions:
        return
    for model in FIGURE_USES:
        for pk, body in model.objects.filter(figures__image=instance).values_list("pk", "body"):
            # update(): only the figure changes, and no other save side effects are wanted.
            model.objects.filter(pk=pk).update(body=with_library_figures(body))
