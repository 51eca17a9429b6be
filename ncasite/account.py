"""The "My account" page: every staff user's own name, email and time zone."""

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .models import EditorProfile


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = zoneinfo.available_timezones() | {settings.TIME_ZONE}
    return [(zone, zone.replace("_", " ")) for zone in sorted(zones)]


class AccountForm(forms.ModelForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("Tests of newsletter issues are sent here. No other editor may use it."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_(
            "Dates and times in the admin are shown in this zone, and the times you type "
            "(for example when you schedule a post) are read in it. Visitors always see "
            "the site's time zone."
        ),
    )

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email"]
        help_texts = {
            "first_name": _("Shown to other editors, for example beside a post you submitted."),
        }

    def clean_email(self):
        email = self.cleaned_data["email"]
        taken = (
            get_user_model()
            .objects.filter(is_staff=True, email__iexact=email)
            .exclude(pk=self.instance.pk)
        )
        if taken.exists():
            raise forms.ValidationError(
                _("Another editor already uses this address; choose your own.")
            )
        return email


def account_view(request, site):
    # A fresh copy: an invalid form must not leave its values on request.user, whose name
    # the page header shows.
    user = get_user_model().objects.get(pk=request.user.pk)
    profile = EditorProfile.objects.filter(user=user).first()
    form = AccountForm(
        request.POST or None,
        instance=user,
        initial={"time_zone": (profile and profile.time_zone) or settings.TIME_ZONE},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            EditorProfile.objects.update_or_create(
                user=user, defaults={"time_zone": form.cleaned_data["time_zone"]}
            )
        messages.success(request, _("Your account is saved."))
        return redirect("admin:account")
    context = {
        **site.each_context(request),
        "title": _("My account"),
        "form": form,
    }
    return TemplateResponse(request, "admin/account.html", context)
