"""Publishing by buttons: every transition each role may or may not make, by button and by a
crafted POST, through the real admin."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from news.models import Post

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/news/post/add/"
CHANGELIST_URL = "/admin/news/post/"
ACTIONS = ["draft", "submit", "update", "publish", "schedule", "unpublish"]

# What each action leads to, per role and starting state; missing means refused. Written out
# here, not read from news/workflow.py, so that a change to the rules has to change this too.
EDITOR = {
    "new": {"draft": "draft", "publish": "live", "schedule": "scheduled"},
    "draft": {"draft": "draft", "publish": "live", "schedule": "scheduled"},
    "review": {"update": "review", "draft": "draft", "publish": "live", "schedule": "scheduled"},
    "scheduled": {
        "update": "scheduled",
        "publish": "live",
        "schedule": "scheduled",
        "unpublish": "draft",
    },
    "live": {"update": "live", "unpublish": "draft"},
}
CONTRIBUTOR = {
    "new": {"draft": "draft", "submit": "review"},
    "draft": {"draft": "draft", "submit": "review"},
    "review": {"update": "review", "draft": "draft"},  # submitted by themselves
    "others-review": {},
    "scheduled": {},
    "live": {},
}
READ_ONLY_FOR_CONTRIBUTORS = {"others-review", "scheduled", "live"}


def change_url(post):
    return reverse("admin:news_post_change", args=[post.pk])


def state(post) -> str:
    post.refresh_from_db()
    if post.status == Post.Status.PUBLISHED:
        return "live" if post.is_published() else "scheduled"
    return post.status


def future(days=3):
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def local_input(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def post_in(make_post, make_user, contributor):
    """Make a post in a named state; posts in review were submitted by `contributor`."""
    other = make_user("other-contributor", group="Contributors")

    def make(name):
        if name == "draft":
            return make_post(status=Post.Status.DRAFT, published_at=None)
        if name in ("review", "others-review"):
            submitter = contributor if name == "review" else other
            return make_post(
                status=Post.Status.REVIEW,
                published_at=None,
                author=submitter,
                submitted_by=submitter,
                submitted_at=timezone.now() - timedelta(hours=2),
            )
        if name == "scheduled":
            return make_post(published_at=future())
        return make_post()  # live

    return make


@pytest.fixture
def submit(post_form_data):
    """POST the form of `post` (None: the add form) as `client`, pressing `action`."""

    def post_(client, post, action, **overrides):
        if post is None:
            data = post_form_data(_action=action, **overrides)
            return client.post(ADD_URL, data)
        current = {
            "title": post.title,
            "slug": post.slug,
            "standfirst": post.standfirst,
            "body": post.body,
            "category": post.category_id,
        }
        data = post_form_data(**current | {"_action": action} | overrides)
        return client.post(change_url(post), data)

    return post_


def schedule_fields(action):
    return {"schedule_at": local_input(future(5))} if action == "schedule" else {}


# --- The whole table, by crafted POST -----------------------------------------------------


@pytest.mark.parametrize("start", list(EDITOR))
@pytest.mark.parametrize("action", ACTIONS)
def test_editor_transitions(editor_client, post_in, submit, start, action):
    post = None if start == "new" else post_in(start)
    before = None if post is None else state(post)
    response = submit(editor_client, post, action, **schedule_fields(action))
    expected = EDITOR[start].get(action)
    if expected is None:
        assert response.status_code == 200
        assert "That is not possible for this post" in response.content.decode()
        if post is None:
            assert not Post.objects.exists()
        else:
            assert state(post) == before
        return
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = post or Post.objects.get()
    assert state(post) == expected
    assert response["Location"] == change_url(post)


@pytest.mark.parametrize("start", list(CONTRIBUTOR))
@pytest.mark.parametrize("action", ACTIONS)
def test_contributor_transitions(contributor_client, post_in, submit, start, action):
    post = None if start == "new" else post_in(start)
    before = None if post is None else (state(post), post.title)
    response = submit(contributor_client, post, action, title="Changed", **schedule_fields(action))
    expected = CONTRIBUTOR[start].get(action)
    if expected is None:
        assert response.status_code == (403 if start in READ_ONLY_FOR_CONTRIBUTORS else 200)
        if post is None:
            assert not Post.objects.exists()
        else:
            assert (state(post), post.title) == before
        assert not Post.objects.published().exists() or start == "live"
        return
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = post or Post.objects.get()
    assert state(post) == expected
    assert post.title == "Changed"


# --- Buttons shown ------------------------------------------------------------------------


def buttons(html):
    return re.findall(r'<button type="submit" name="_action" value="(\w+)"(?! hidden)', html)


@pytest.mark.parametrize("start", list(EDITOR))
def test_editor_sees_exactly_the_buttons_of_allowed_actions(editor_client, post_in, start):
    url = ADD_URL if start == "new" else change_url(post_in(start))
    html = editor_client.get(url).content.decode()
    assert set(buttons(html)) == set(EDITOR[start])
    assert 'name="status"' not in html


@pytest.mark.parametrize("start", list(CONTRIBUTOR))
def test_contributor_sees_exactly_the_buttons_of_allowed_actions(
    contributor_client, post_in, start
):
    url = ADD_URL if start == "new" else change_url(post_in(start))
    response = contributor_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert set(buttons(html)) == set(CONTRIBUTOR[start])
    if start in READ_ONLY_FOR_CONTRIBUTORS:
        assert 'name="title"' not in html
        assert 'formtarget="_blank"' not in html  # no Preview button either


def test_live_post_offers_update_and_unpublish_not_save_draft(editor_client, post_in):
    html = editor_client.get(change_url(post_in("live"))).content.decode()
    assert ">Update</button>" in html and ">Unpublish</button>" in html
    assert ">Save draft</button>" not in html


# --- Crafted POSTs by contributors --------------------------------------------------------


@pytest.mark.parametrize(
    "crafted",
    [
        {"_publish": "Publish"},
        {"status": "published"},
        {"status": "published", "published_at_0": "2020-01-01", "published_at_1": "10:00"},
        {"schedule_at": "2030-01-01T10:00", "status": "published"},
        {"is_featured": "on"},
    ],
)
def test_contributor_crafted_fields_are_ignored_on_add(
    contributor_client, submit, contributor, crafted
):
    response = submit(contributor_client, None, "draft", **crafted)
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.status == Post.Status.DRAFT
    assert post.published_at is None and not post.is_featured
    assert post.author == contributor


@pytest.mark.parametrize(
    "crafted",
    [
        {"_action": "publish"},
        {"_action": "schedule", "schedule_at": "2030-01-01T10:00"},
        {"_action": "unpublish"},
        {"_action": "update", "status": "published"},
        {"_action": "PUBLISH"},
        {"_action": "publish\x00"},
        {"_action": "x" * 10_000},
        {"_action": ["draft", "publish"]},
    ],
)
def test_contributor_crafted_actions_are_refused_on_change(
    contributor_client, post_in, submit, crafted
):
    post = post_in("draft")
    submit(contributor_client, post, "draft", **crafted)
    assert state(post) == "draft"
    assert not Post.objects.exclude(status=Post.Status.DRAFT).exists()


def test_contributor_cannot_schedule_on_add(contributor_client, submit):
    response = submit(contributor_client, None, "schedule", schedule_at=local_input(future()))
    assert response.status_code == 200
    assert not Post.objects.exists()


def test_contributor_cannot_bulk_publish_or_unpublish(contributor_client, post_in):
    draft, live = post_in("draft"), post_in("live")
    for action, post in [("publish_selected", draft), ("unpublish_selected", live)]:
        contributor_client.post(
            CHANGELIST_URL, {"action": action, "_selected_action": [post.pk], "index": "0"}
        )
    assert (state(draft), state(live)) == ("draft", "live")


def test_editor_bulk_unpublish_clears_time_of_live_post_keeps_planned_time(editor_client, post_in):
    live, scheduled = post_in("live"), post_in("scheduled")
    planned = scheduled.published_at
    editor_client.post(
        CHANGELIST_URL,
        {"action": "unpublish_selected", "_selected_action": [live.pk, scheduled.pk]},
    )
    live.refresh_from_db()
    scheduled.refresh_from_db()
    assert (live.status, live.published_at) == (Post.Status.DRAFT, None)
    assert (scheduled.status, scheduled.published_at) == (Post.Status.DRAFT, planned)


def test_editor_bulk_publish_publishes_now(editor_client, post_in):
    post = post_in("review")
    data = {"action": "publish_selected", "_selected_action": [post.pk]}
    editor_client.post(CHANGELIST_URL, data)
    post.refresh_from_db()
    assert post.is_published()
    assert timezone.now() - post.published_at < timedelta(minutes=1)


# --- What each action records -------------------------------------------------------------


def test_submit_records_who_and_when(contributor_client, contributor, submit):
    with time_machine.travel(datetime(2026, 12, 2, 10, 42, tzinfo=UTC), tick=False):
        submit(contributor_client, None, "submit")
    post = Post.objects.get()
    assert post.status == Post.Status.REVIEW
    assert post.submitted_by == contributor
    assert post.submitted_at == datetime(2026, 12, 2, 10, 42, tzinfo=UTC)


def test_contributor_may_edit_own_submission_but_not_anothers(contributor_client, post_in, submit):
    own, others = post_in("review"), post_in("others-review")
    assert submit(contributor_client, own, "update", title="Typo fixed").status_code == 302
    assert submit(contributor_client, others, "update", title="Mine now").status_code == 403
    own.refresh_from_db()
    others.refresh_from_db()
    assert own.title == "Typo fixed" and others.title != "Mine now"


def test_publish_now_replaces_an_old_planned_time(editor_client, make_post, submit):
    post = make_post(status=Post.Status.DRAFT, published_at=timezone.now() - timedelta(days=9))
    submit(editor_client, post, "publish")
    post.refresh_from_db()
    assert post.is_published()
    assert timezone.now() - post.published_at < timedelta(minutes=1)


def test_update_keeps_a_live_post_live_with_its_time(editor_client, post_in, submit):
    post = post_in("live")
    went_live = post.published_at
    submit(editor_client, post, "update", title="Corrected")
    post.refresh_from_db()
    assert (post.title, post.published_at, post.is_published()) == ("Corrected", went_live, True)


def test_save_without_button_keeps_the_state(editor_client, post_in, post_form_data):
    post = post_in("live")
    data = {
        **post_form_data(slug=post.slug, category=post.category_id, title="Enter key"),
        "_save": "Save",
    }
    assert editor_client.post(change_url(post), data).status_code == 302
    assert state(post) == "live"


# --- Scheduling in the editor's time zone -------------------------------------------------


@time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False)
def test_schedule_in_editor_time_zone_stores_utc_instant(editor_client, submit, settings):
    settings.TIME_ZONE = "America/Lima"  # UTC-5: the current time zone of the request
    form = editor_client.get(ADD_URL).content.decode()
    assert "Go live on (America/Lima)" in form
    response = submit(editor_client, None, "schedule", schedule_at="2026-12-10T09:00")
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.published_at == datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "Scheduled: it goes live on 10 Dec 2026, 09:00 (America/Lima). Visitors see nothing yet."
    ]
    page = editor_client.get(change_url(post)).content.decode()
    assert "goes live on 10 Dec 2026, 09:00 (America/Lima)" in page
    assert 'value="2026-12-10T09:00"' in page


@time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    "value,error",
    [
        ("", "Choose the date and time"),
        ("2026-12-02T06:59", "Choose a time in the future"),  # 11:59 UTC: a minute ago
        ("tomorrow at nine", "Enter a valid date/time"),
        ("99999-01-01T00:00", "Enter a valid date/time"),
        ("2027-03-28T01:30", "not exist"),  # Lisbon skips 01:00-02:00 that night
        ("9" * 5000, "Enter a valid date/time"),
    ],
)
def test_bad_schedule_times_are_form_errors(editor_client, submit, settings, value, error):
    settings.TIME_ZONE = "Europe/Lisbon" if "2027-03-28" in value else "America/Lima"
    response = submit(editor_client, None, "schedule", schedule_at=value)
    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors["schedule_at"])
    assert not Post.objects.exists()


# --- Messages and the state banner --------------------------------------------------------


@pytest.mark.parametrize(
    "role,start,action,message",
    [
        ("contributor", "new", "submit", "Submitted for review. An editor will publish it."),
        ("contributor", "new", "draft", "Saved as a draft. Visitors cannot see it."),
        ("contributor", "review", "update", "Saved. It stays in review"),
        ("editor", "review", "publish", "Published. Visitors can see it now."),
        ("editor", "live", "update", "Updated. Visitors see this version now."),
        ("editor", "live", "unpublish", "Unpublished. The post is a draft again"),
    ],
)
def test_each_action_says_what_happened(
    client, editor, contributor, post_in, submit, role, start, action, message
):
    client.force_login(editor if role == "editor" else contributor)
    post = None if start == "new" else post_in(start)
    response = submit(client, post, action)
    page = client.get(response["Location"]).content.decode()
    assert message in page


def test_banner_says_who_submitted_and_when(editor_client, post_in, contributor):
    contributor.first_name, contributor.last_name = "Ana", "Quispe"
    contributor.save()
    post = post_in("review")
    post.submitted_at = datetime(2026, 12, 2, 10, 42, tzinfo=UTC)
    post.save()
    html = editor_client.get(change_url(post)).content.decode()
    assert "In review</strong> — submitted by Ana Quispe on 2 Dec 10:42 (UTC)" in html
    assert "not visible to visitors" in html


def test_banner_of_live_post_links_to_it_in_a_new_tab(editor_client, post_in):
    post = post_in("live")
    html = editor_client.get(change_url(post)).content.decode()
    assert "Published</strong> — live since" in html
    assert "visitors see this version" in html
    link = f'<a href="{post.get_absolute_url()}" target="_blank" rel="noopener">'
    assert link in html
    assert 'class="viewsitelink" target="_blank" rel="noopener"' in html


def test_banner_warns_about_a_draft_whose_planned_time_passed(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT, published_at=timezone.now() - timedelta(hours=3))
    html = editor_client.get(change_url(post)).content.decode()
    assert "Draft</strong> — not visible to visitors." in html
    assert "That time has passed: publish or reschedule it." in html


def test_change_list_view_links_open_a_new_tab(editor_client, post_in):
    post_in("live")
    html = editor_client.get(CHANGELIST_URL).content.decode()
    assert 'target="_blank" rel="noopener">View' in html


def test_state_filter_finds_overdue_and_scheduled(editor_client, make_post, post_in):
    late = make_post(status=Post.Status.DRAFT, published_at=timezone.now() - timedelta(hours=1))
    later = post_in("scheduled")
    post_in("live")
    for value, expected in [("overdue", late), ("scheduled", later)]:
        response = editor_client.get(CHANGELIST_URL, {"state": value})
        assert [p.pk for p in response.context["cl"].result_list] == [expected.pk]
