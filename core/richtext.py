"""Rich text that is sanitised on every save, whatever path the HTML comes from."""

from django_prose_editor.fields import ProseEditorField

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
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
}

SHORT_TEXT_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "BulletList": True,
    "ListItem": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "History": True,
}


class RichTextField(ProseEditorField):
    """A prose-editor field whose HTML is sanitised in forms and again before every save."""

    def __init__(self, *args, extensions=None, **kwargs):
        kwargs.setdefault("sanitize", True)
        super().__init__(*args, extensions=dict(extensions or ARTICLE_EXTENSIONS), **kwargs)

    def pre_save(self, model_instance, add):
        clean = self.sanitize(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, clean)
        return clean
