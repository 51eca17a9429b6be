"""Our own django-prose-editor extensions: the JavaScript that makes them, the HTML they may make.

Read by settings (DJANGO_PROSE_EDITOR_EXTENSIONS), so this module imports nothing that needs
the app registry. Each processor allows exactly the tags and attributes its extension writes;
core.richtext checks the attribute values.
"""

from django_prose_editor.config import add_tags_and_attributes, html_tags
from js_asset import static_lazy

# The body column is at most 40rem wide (site.css --measure); below that, the screen's width.
FIGURE_SIZES = "(min-width: 44rem) 40rem, 100vw"


def process_chooser_link(config, shared_config):
    """A link that may also name the post or member it points to, as data-ref="post:12"."""
    add_tags_and_attributes(shared_config, ["a"], {"a": ["href", "title", "data-ref"]})
    # `rel` is not allowed, so nh3 must not add one either (django-prose-editor's Link does so).
    shared_config["link_rel"] = None
    shared_config.setdefault("url_schemes", set()).update(config.get("protocols", []))


def process_library_figure(config, shared_config):
    """<figure data-image><img …><figcaption>caption <span class="credit">…</span>."""
    add_tags_and_attributes(
        shared_config,
        ["figure", "img", "figcaption", "span"],
        {"figure": ["data-image"], "img": ["src", "srcset", "width", "height", "alt"]},
    )
    values = shared_config.setdefault("tag_attribute_values", {})
    values.setdefault("img", {}).update({"sizes": {FIGURE_SIZES}, "loading": {"lazy"}})
    shared_config.setdefault("allowed_classes", {}).setdefault("span", set()).add("credit")


PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("js/editor/labelled-editor.js")],
        "extensions": {"LabelledEditor": html_tags([])},
    },
    {
        "js": [static_lazy("js/editor/chooser-link.js")],
        "extensions": {"ChooserLink": process_chooser_link},
    },
    {
        "js": [static_lazy("js/editor/library-figure.js")],
        "extensions": {"LibraryFigure": process_library_figure},
    },
]
