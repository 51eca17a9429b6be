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
    # A signed time stamp from when the person started filling in the form. Pages with the
    # form are cached, so it never comes with the page: the page's script asks for one when
    # the form gets focus, and a form sent without one gets a confirmation step that has one.
    rendered_at = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def fresh_stamp() -> str:
        return signing.dumps(time.time(), salt=RENDERED_AT_SALT)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def is_honeypot_filled(self) -> bool:
        return bool(self.data.get("homepage"))

    def has_ripe_stamp(self) -> bool:
        """Whether the form was taken up long enough ago for a person, and not too long ago."""
        try:
            stamp = signing.loads(self.data.get("rendered_at", ""), salt=RENDERED_AT_SALT)
        except signing.BadSignature:  # forged, or signed for something else
            return False
        if not isinstance(stamp, int | float):
            return False
        age = time.time() - stamp
        max_age = settings.NEWSLETTER_STAMP_MAX_AGE_HOURS * 3600
        return settings.NEWSLETTER_MIN_SUBMIT_SECONDS <= age <= max_age
