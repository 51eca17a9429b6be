"""Form helpers the apps' admin forms share."""

from django import forms
from django.core.exceptions import ValidationError

# Every model's id is a BigAutoField (DEFAULT_AUTO_FIELD): 0 is well-formed and never used.
MODEL_ID = forms.IntegerField(min_value=1, max_value=2**63 - 1)
NO_SUCH_ID = "0"


def is_model_id(value) -> bool:
    try:
        MODEL_ID.clean(value)
    except ValidationError:
        return False
    return True


class RefusesMalformedChoices:
    """Form mixin: a model choice that is not even an id gets "Select a valid choice", not a 500.

    The admin's autocomplete widgets look the submitted values up to redraw the form, and that
    lookup raises on "abc" or a 40-digit number before validation has its say. Such values are
    replaced, in the data the form works on, by an id no row has, which the field then refuses
    with its own "Select a valid choice" error.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.is_bound and hasattr(self.data, "getlist")):
            return
        data = self.data.copy()
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            if field.to_field_name not in (None, "id"):
                continue  # chosen by another column than the id
            key = self.add_prefix(name)
            values = data.getlist(key)
            safe = [v if v in field.empty_values or is_model_id(v) else NO_SUCH_ID for v in values]
            if safe != values:
                data.setlist(key, safe)
                self.data = data
