"""Read and rewrite the body editor's stored HTML: internal links and figures.

Works on HTML that nh3 has already cleaned, where every attribute value is double-quoted and
has `<`, `>` and `"` escaped, so a tag never contains a stray `>` and these patterns are exact.
"""

import html
import re
from dataclasses import dataclass

from django.utils.html import format_html, strip_tags

from .prose_extensions import FIGURE_SIZES

ANCHOR = re.compile(r"<a\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
DATA_REF = re.compile(r'\sdata-ref="([a-z]+:\d+)"')
HREF = re.compile(r'\shref="[^"]*"')
FIGURE = re.compile(r"<figure\b([^>]*)>(.*?)</figure>", re.S)
IMG = re.compile(r"<img\b([^>]*)>")
FIGCAPTION = re.compile(r"<figcaption>(.*?)</figcaption>", re.S)
CREDIT = re.compile(r'<span class="credit">(.*?)</span>', re.S)
LOOSE_FIGURE_PARTS = re.compile(r"<img\b[^>]*>|</?figcaption>")


def link_refs(body: str) -> set[str]:
    """The posts and pages a body links to, as references like "member:12"."""
    return {ref.group(1) for tag in ANCHOR.findall(body) if (ref := DATA_REF.search(tag))}


def with_link_hrefs(body: str, hrefs: dict[str, str]) -> str:
    """Point each link with a known reference at its current address."""

    def rewrite(match):
        tag = match.group(0)
        ref = DATA_REF.search(tag)
        if not ref or ref.group(1) not in hrefs:
            return tag
        href = format_html(' href="{}"', hrefs[ref.group(1)])
        if HREF.search(tag):
            return HREF.sub(lambda _: href, tag, count=1)
        return tag.replace("<a", "<a" + href, 1)

    return ANCHOR.sub(rewrite, body)


@dataclass(frozen=True)
class Figure:
    image_id: int
    src: str
    srcset: str
    width: str
    height: str
    alt: str
    caption: str = ""
    credit: str = ""

    def to_html(self) -> str:
        caption = ""
        if self.caption or self.credit:
            credit = self.credit and format_html('<span class="credit">{}</span>', self.credit)
            space = " " if self.caption and credit else ""
            caption = format_html("<figcaption>{}{}{}</figcaption>", self.caption, space, credit)
        srcset = format_html(' srcset="{}"', self.srcset) if self.srcset else ""
        return format_html(
            '<figure data-image="{}"><img src="{}"{} sizes="{}" width="{}" height="{}" alt="{}" '
            'loading="lazy">{}</figure>',
            self.image_id,
            self.src,
            srcset,
            FIGURE_SIZES,
            self.width,
            self.height,
            self.alt,
            caption,
        )


def attributes(tag_attributes: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in ATTRIBUTE.findall(tag_attributes)}


def text(fragment: str) -> str:
    return " ".join(html.unescape(strip_tags(fragment)).split())


def parse_figure(match: re.Match) -> Figure | None:
    """The figure as the editor made it, or None when it names no library image to show."""
    img = IMG.search(match.group(2))
    image = attributes(img.group(1)) if img else {}
    image_id = attributes(match.group(1)).get("data-image")
    if not image_id or not all(image.get(name) for name in ("src", "width", "height")):
        return None
    figcaption = FIGCAPTION.search(match.group(2))
    caption_html = figcaption.group(1) if figcaption else ""
    credit = CREDIT.search(caption_html)
    return Figure(
        image_id=int(image_id),
        src=image["src"],
        srcset=image.get("srcset", ""),
        width=image["width"],
        height=image["height"],
        alt=image.get("alt", ""),
        caption=text(CREDIT.sub("", caption_html)),
        credit=text(credit.group(1)) if credit else "",
    )


def figures(body: str) -> list[Figure]:
    return [figure for match in FIGURE.finditer(body) if (figure := parse_figure(match))]


def canonical_figures(body: str, replace=None) -> str:
    """Rebuild every figure in the editor's one shape; drop images and captions outside one.

    `replace(figure) -> Figure | None` may change a figure (e.g. from the image library) or
    drop it by returning None.
    """
    out, position = [], 0
    for match in FIGURE.finditer(body):
        out.append(LOOSE_FIGURE_PARTS.sub("", body[position : match.start()]))
        figure = parse_figure(match)
        if figure and replace:
            figure = replace(figure)
        out.append(figure.to_html() if figure else "")
        position = match.end()
    out.append(LOOSE_FIGURE_PARTS.sub("", body[position:]))
    return "".join(out)
