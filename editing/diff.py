"""Side-by-side differences of two texts, readable by editors: rich text as its blocks."""

import difflib
import re
from html.parser import HTMLParser

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "td", "th", "pre", "figcaption", "hr"}
PREFIXES = {"h1": "# ", "h2": "## ", "h3": "### ", "h4": "#### ", "li": "• "}
WORD = re.compile(r"\s+|[^\s]+")


class BlockReader(HTMLParser):
    """Collect the text of each block of sanitised HTML, marked the way editors read it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.quote_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS or tag == "blockquote":
            self.flush()
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag == "hr":
            self.blocks.append("———")
        elif tag == "br":
            self.text.append(" ")
        elif tag == "img":
            # A figure is its picture first: without this line a swapped image, or a figure
            # with no caption, would not show in the diff at all.
            self.flush()
            self.blocks.append(image_line(dict(attrs)))
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            # The address matters to a reader of the diff: a changed link shows.
            self.text.append(f" [{self.links.pop()}]")
        if tag in BLOCKS or tag == "blockquote":
            self.flush(tag)
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data):
        self.text.append(data)

    def flush(self, tag=""):
        text = " ".join("".join(self.text).split())
        self.text = []
        if text:
            self.blocks.append("> " * self.quote_depth + PREFIXES.get(tag, "") + text)


def image_line(attrs: dict) -> str:
    """An image as one line of the diff: by its alt text, else by its file's name."""
    description = (attrs.get("alt") or "").strip() or (attrs.get("src") or "").rsplit("/", 1)[-1]
    return gettext("[Image: %(description)s]") % {"description": description}


def html_blocks(html: str) -> list[str]:
    reader = BlockReader()
    reader.feed(html or "")
    reader.close()
    reader.flush()
    return reader.blocks


def looks_like_html(text: str) -> bool:
    return bool(re.match(r"\s*<(p|h\d|ul|ol|blockquote|table|figure|hr)\b", text or ""))


def text_lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    text = str(value)
    return html_blocks(text) if looks_like_html(text) else text.splitlines()


def words_diff(old: str, new: str):
    """Mark the words that changed inside one block: (old side, new side) as HTML."""
    a, b = WORD.findall(old), WORD.findall(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(format_html("{}", old_part))
            right.append(format_html("{}", new_part))
            continue
        if old_part:
            left.append(format_html("<del>{}</del>", old_part))
        if new_part:
            right.append(format_html("<ins>{}</ins>", new_part))
    return format_html_join("", "{}", ((p,) for p in left)), format_html_join(
        "", "{}", ((p,) for p in right)
    )


def side_by_side(old, new) -> list[tuple[str, str, bool]]:
    """Rows of (old HTML, new HTML, changed) for two values, block by block."""
    a, b = text_lines(old), text_lines(new)
    rows = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [(format_html("{}", line), format_html("{}", line), False) for line in a[i1:i2]]
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for n in range(max(len(olds), len(news))):
            old_line = olds[n] if n < len(olds) else ""
            new_line = news[n] if n < len(news) else ""
            left, right = words_diff(old_line, new_line)
            rows.append((left, right, True))
    return rows
