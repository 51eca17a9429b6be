"""Who may move a post from which state to which: the one table the admin, its bulk actions
and the desk read.

A post is in one of five states, derived from its status and publication time. Each role
(contributor: no `news.publish_post`; editor: has it) has a list of actions per state. The
admin shows exactly those actions as buttons and refuses any other, whatever a POST says.

"Save draft" on a live or scheduled post does not exist: editors see "Update" (save, the post
stays as it is) and "Unpublish" (back to draft), so a live post never quietly leaves the site.
"""

from datetime import datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

PUBLISH_PERMISSION = "news.publish_post"


class State(models.TextChoices):
    NEW = "new", _("New")
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Published")


class Action(models.TextChoices):
    DRAFT = "draft", _("Save draft")
    SUBMIT = "submit", _("Submit for review")
    UPDATE = "update", _("Update")
    PUBLISH = "publish", _("Publish now")
    SCHEDULE = "schedule", _("Schedule")
    UNPUBLISH = "unpublish", _("Unpublish")


CONTRIBUTOR_ACTIONS = {
    State.NEW: [Action.DRAFT, Action.SUBMIT],
    State.DRAFT: [Action.DRAFT, Action.SUBMIT],
    # Only on posts they submitted themselves (see may_edit).
    State.REVIEW: [Action.UPDATE, Action.DRAFT],
    State.SCHEDULED: [],
    State.LIVE: [],
}
EDITOR_ACTIONS = {
    State.NEW: [Action.DRAFT, Action.PUBLISH, Action.SCHEDULE],
    State.DRAFT: [Action.DRAFT, Action.PUBLISH, Action.SCHEDULE],
    State.REVIEW: [Action.UPDATE, Action.DRAFT, Action.PUBLISH, Action.SCHEDULE],
    State.SCHEDULED: [Action.UPDATE, Action.PUBLISH, Action.SCHEDULE, Action.UNPUBLISH],
    State.LIVE: [Action.UPDATE, Action.UNPUBLISH],
}

# Button labels that read better than the action's own name in some states.
LABELS = {
    (Action.UPDATE, State.REVIEW): _("Save, keep in review"),
    (Action.UPDATE, State.SCHEDULED): _("Save, keep the schedule"),
    (Action.DRAFT, State.REVIEW): _("Back to draft"),
    (Action.SCHEDULE, State.SCHEDULED): _("Reschedule"),
}


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def state_of(post) -> State:
    if post.pk is None:
        return State.NEW
    if post.status == post.Status.REVIEW:
        return State.REVIEW
    if post.status == post.Status.PUBLISHED:
        return State.LIVE if post.is_published() else State.SCHEDULED
    return State.DRAFT


def may_edit(post, user) -> bool:
    """Editors edit every post; contributors drafts, and posts in review they submitted."""
    if can_publish(user):
        return True
    state = state_of(post)
    if state == State.REVIEW:
        submitter = post.submitted_by_id or post.author_id
        return submitter is not None and submitter == user.pk
    return state in (State.NEW, State.DRAFT)


def allowed_actions(post, user) -> list[Action]:
    if not may_edit(post, user):
        return []
    table = EDITOR_ACTIONS if can_publish(user) else CONTRIBUTOR_ACTIONS
    return list(table[state_of(post)])


def default_action(post, user) -> Action | None:
    """What a save without a button (the Enter key, an old client) does: keep the state."""
    actions = allowed_actions(post, user)
    for action in (Action.UPDATE, Action.DRAFT):
        if action in actions:
            return action
    return None


def main_action(actions: list[Action]) -> Action | None:
    """The action a button stands out for: the step forward."""
    for action in (Action.SUBMIT, Action.PUBLISH, Action.UPDATE):
        if action in actions:
            return action
    return None


def action_label(action: Action, state: State) -> str:
    return LABELS.get((action, state), action.label)


def apply_action(post, action: Action, *, user, when: datetime | None = None) -> None:
    """Set the post's status and times for `action`; the caller saves it."""
    state = state_of(post)
    if action == Action.DRAFT:
        post.status = post.Status.DRAFT
    elif action == Action.SUBMIT:
        post.status = post.Status.REVIEW
        post.submitted_by = user
        post.submitted_at = timezone.now()
    elif action == Action.PUBLISH:
        post.status, post.published_at = post.Status.PUBLISHED, timezone.now()
    elif action == Action.SCHEDULE:
        post.status, post.published_at = post.Status.PUBLISHED, when
    elif action == Action.UNPUBLISH:
        post.status = post.Status.DRAFT
        # A live post taken down is a plain draft again. A scheduled one keeps its planned
        # time, so that the desk can warn when that time passes and it is still not out.
        if state == State.LIVE:
            post.published_at = None


def outcome_message(action_value: str, post) -> str:
    """What the editor is told after pressing the button `action_value` on `post`."""
    if action_value == Action.SUBMIT:
        return _("Submitted for review. An editor will publish it.")
    if action_value == Action.PUBLISH:
        return _("Published. Visitors can see it now.")
    if action_value == Action.UNPUBLISH:
        return _("Unpublished. The post is a draft again; visitors no longer see it.")
    state = state_of(post)
    if state == State.SCHEDULED:
        when = formats.date_format(timezone.localtime(post.published_at), "j M Y, H:i")
        zone = timezone.get_current_timezone_name()
        message = _("Scheduled: it goes live on %(when)s (%(zone)s). Visitors see nothing yet.")
        return message % {"when": when, "zone": zone}
    if state == State.LIVE:
        return _("Updated. Visitors see this version now.")
    if state == State.REVIEW:
        return _("Saved. It stays in review; visitors cannot see it yet.")
    return _("Saved as a draft. Visitors cannot see it.")
