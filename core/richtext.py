"""Rich text that is sanitised on every save, whatever path the HTML comes from."""

import re

import nh3
from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django_prose_editor.config import allowlist_from_extensions
from django_prose_editor.fields import ProseEditorField
from django_prose_editor.widgets import AdminProseEditorWidget

from .body_html import canonical_figures

LINK_PROTOCOLS = ["http", "https", "mailto"]

ARTICLE_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    # django-prose-editor's Link, plus a search for posts and member pages (core.prose_extensions).
    "ChooserLink": {
        "enableTarget": False,
        "protocols": LINK_PROTOCOLS,
        "searchUrl": reverse_lazy("admin-link-search"),
    },
    # An image from the library with alt text, caption and credit (core.prose_extensions).
    "LibraryFigure": {
        "searchUrl": reverse_lazy("admin:library_image_search"),
        "addUrl": reverse_lazy("admin:library_image_add"),
    },
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
    # On by default in django-prose-editor; editors want the browser's spelling check.
    "NoSpellCheck": False,
    "LabelledEditor": True,
}

SHORT_TEXT_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "BulletList": True,
    "ListItem": True,
    "HardBreak": True,
    # Plain links: newsletter intros go out by email, where a site-relative link is no use.
    "Link": {"enableTarget": False, "protocols": LINK_PROTOCOLS},
    "History": True,
    "NoSpellCheck": False,
    "LabelledEditor": True,
}

REF = re.compile(r"[a-z]+:[1-9][0-9]{0,17}")
NUMBER = re.compile(r"[1-9][0-9]{0,17}")
DIMENSION = re.compile(r"[1-9][0-9]{0,4}")
SRCSET_DESCRIPTOR = re.compile(r"[1-9][0-9]{0,4}w")


def is_local_url(url: str) -> bool:
    """An uploaded file or a path on this site: never another host, never a data: URL."""
    media = settings.MEDIA_URL
    if media.startswith(("http://", "https://")) and url.startswith(media):
        return True
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def is_local_srcset(srcset: str) -> bool:
    candidates = [candidate.split() for candidate in srcset.split(",")]
    return all(
        len(parts) == 2 and is_local_url(parts[0]) and SRCSET_DESCRIPTOR.fullmatch(parts[1])
        for parts in candidates
    )


def check_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3 attribute_filter: keep an allowed attribute only if its value is one we write."""
    if name == "data-ref":
        return value if REF.fullmatch(value) else None
    if name == "data-image":
        return value if NUMBER.fullmatch(value) else None
    if tag == "img" and name == "src":
        return value if is_local_url(value) else None
    if tag == "img" and name == "srcset":
        return value if is_local_srcset(value) else None
    if tag == "img" and name in {"width", "height"}:
        return value if DIMENSION.fullmatch(value) else None
    return value


def actually_empty(html: str) -> str:
    """ProseMirror saves an empty editor as one empty paragraph; store an empty string."""
    return "" if re.fullmatch(r"<(\w+)></\1>", html) else html


def make_sanitizer(extensions: dict):
    """Allow what the extensions make (allowlist_from_extensions), with values checked."""
    cleaner = nh3.Cleaner(**allowlist_from_extensions(extensions), attribute_filter=check_attribute)
    if "LibraryFigure" not in extensions:
        return lambda html: actually_empty(cleaner.clean(html))
    # Figures are rebuilt in the one shape the editor makes; cleaning again drops what that
    # leaves over (a nested figure's closing tag).
    return lambda html: actually_empty(cleaner.clean(canonical_figures(cleaner.clean(html))))


class RichTextWidget(AdminProseEditorWidget):
    """The admin editor, with our stylesheet: a comfortable height that grows with the text."""

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["css/editor.css"]})


class RichTextField(ProseEditorField):
    """A prose-editor field whose HTML is sanitised in forms and again before every save."""

    def __init__(self, *args, extensions=None, **kwargs):
        extensions = dict(extensions or ARTICLE_EXTENSIONS)
        kwargs.setdefault("sanitize", make_sanitizer(extensions))
        super().__init__(*args, extensions=extensions, **kwargs)

    def formfield(self, **kwargs):
        is_short = "ChooserLink" not in self.config["extensions"]
        attrs = {"data-editor-size": "short" if is_short else "long"}
        return super().formfield(**{**kwargs, "widget": RichTextWidget(attrs=attrs)})

    def pre_save(self, model_instance, add):
        clean = self.sanitize(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, clean)
        return clean
