import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

RENDERED_AT_SALT = "newsletter.form.rendered-at"


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address, like name@example.org."),
        },
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=_("I agree to receive the newsletter and can unsubscribe at any time."),
        error_messages={"required": _("Please tick the box to agree to receive the newsletter.")},
    )
    # Honeypot: hidden from people and screen readers; robots that fill every field fill it.
    homepage = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    rendered_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rendered_at"].initial = self.fresh_rendered_at()

    @staticmethod
    def fresh_rendered_at() -> str:
        """The signed time a form is shown, checked on submission against too-quick robots."""
        return signing.dumps(time.time(), salt=RENDERED_AT_SALT)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def is_robot(self) -> bool:
        """A filled honeypot, a forged timestamp or a too-quick submission."""
        if self.data.get("homepage"):
            return True
        try:
            rendered_at = signing.loads(self.data.get("rendered_at", ""), salt=RENDERED_AT_SALT)
        except signing.BadSignature:
            return True
        if not isinstance(rendered_at, int | float):
            return True
        return time.time() - rendered_at < settings.NEWSLETTER_MIN_SUBMIT_SECONDS
