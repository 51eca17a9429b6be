from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import RefusesMalformedChoices

from . import workflow
from .models import Post


class PostAdminForm(RefusesMalformedChoices, forms.ModelForm):
    """The post form without a status field: the button pressed (`_action`) sets the state."""

    schedule_at = forms.DateTimeField(
        label=_("Go live on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Pick a date and time in the future, then press “Schedule”."),
    )

    class Meta:
        model = Post
        fields = [
            "title",
            "slug",
            "standfirst",
            "body",
            "image",
            "image_caption",
            "category",
            "organisations",
            "byline",
            "is_featured",
            "author",
        ]
        widgets = {"standfirst": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, requested_action=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.requested_action, self.action = user, requested_action, None
        self.state = workflow.state_of(self.instance)
        self.actions = workflow.allowed_actions(self.instance, user) if user else []
        if workflow.Action.SCHEDULE not in self.actions:
            del self.fields["schedule_at"]
            return
        self.time_zone_name = timezone.get_current_timezone_name()
        schedule_at = self.fields["schedule_at"]
        schedule_at.label = _("Go live on (%(zone)s)") % {"zone": self.time_zone_name}
        if self.state == workflow.State.SCHEDULED:
            schedule_at.initial = self.instance.published_at

    def buttons(self) -> list[tuple[str, str, bool]]:
        """(value, label, is_main) of each publishing button but "Schedule", in order."""
        main = workflow.main_action(self.actions)
        return [
            (action.value, workflow.action_label(action, self.state), action == main)
            for action in self.actions
            if action != workflow.Action.SCHEDULE
        ]

    def can_schedule(self) -> bool:
        return workflow.Action.SCHEDULE in self.actions

    def schedule_label(self) -> str:
        return workflow.action_label(workflow.Action.SCHEDULE, self.state)

    def enter_key_action(self) -> str:
        """The button the Enter key presses: the one that keeps the post's state."""
        action = workflow.default_action(self.instance, self.user) if self.user else None
        return action.value if action else ""

    def clean(self):
        cleaned = super().clean()
        if self.user is not None:
            self.check_action(cleaned)
        return cleaned

    def check_action(self, cleaned) -> None:
        """Refuse any action the user may not take on this post, whatever the POST says."""
        requested = self.requested_action
        if not requested:
            action = workflow.default_action(self.instance, self.user)
        else:
            action = next((a for a in workflow.Action if a.value == requested), None)
        if action is None or action not in self.actions:
            labels = [workflow.action_label(action, self.state) for action in self.actions]
            allowed = ", ".join(f"“{label}”" for label in labels)
            self.add_error(
                None,
                _("That is not possible for this post. What you can do here: %(allowed)s.")
                % {"allowed": allowed or _("nothing, it is read-only for you")},
            )
            return
        if action == workflow.Action.SCHEDULE:
            when = cleaned.get("schedule_at")
            if when is None and "schedule_at" not in self.errors:
                self.add_error("schedule_at", _("Choose the date and time the post goes live."))
            elif when is not None and when <= timezone.now():
                self.add_error(
                    "schedule_at",
                    _("Choose a time in the future, or press “Publish now” to publish at once."),
                )
        self.action = action
