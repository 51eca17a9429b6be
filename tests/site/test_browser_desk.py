"""The editors' desk and the publishing buttons in a real Chromium, driven by Playwright."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from news.models import Post
from tests.axe import axe_violations
from tests.site.test_browser import CHROMIUM, assert_clean, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]


@pytest.fixture
def newsroom(make_post, make_category, contributor):
    news = make_category(name="News", slug="news")
    waiting = make_post(
        title="Peru joins the alliance",
        standfirst="The government of Peru becomes the alliance's newest member.",
        body="<p>Peru signed the charter today.</p>",
        category=news,
        status=Post.Status.REVIEW,
        published_at=None,
        author=contributor,
        submitted_by=contributor,
        submitted_at=timezone.now() - timedelta(hours=1),
    )
    draft = make_post(
        title="Rangers share patrol data",
        category=news,
        status=Post.Status.DRAFT,
        published_at=None,
    )
    return {"waiting": waiting, "draft": draft}


def test_editor_reviews_previews_schedules_and_publishes_from_the_desk(
    live_server, open_page, editor, newsroom
):
    started = time.monotonic()
    page = open_page()
    log_in(page, live_server, "editor")
    review = page.locator(".desk-section--review")
    assert "Peru joins the alliance" in review.inner_text()
    assert "submitted by contributor" in review.inner_text()
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    screenshot(page, "desk")

    review.get_by_role("link", name="Peru joins the alliance").click()
    page.wait_for_selector(".post-state--review")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    screenshot(page, "post-form")

    page.fill("#id_title", "Peru joins the alliance against nature crime")
    with page.context.expect_page() as opened:
        page.locator("button.post-actions__preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == "Peru joins the alliance against nature crime"
    assert "Preview — not saved." in preview.locator(".notice").inner_text()
    preview.close()
    newsroom["waiting"].refresh_from_db()
    assert newsroom["waiting"].title == "Peru joins the alliance"  # the preview stored nothing

    when = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)
    page.fill("#id_schedule_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("button[name=_action][value=schedule]")
    page.wait_for_selector(".messagelist .success")
    assert "Scheduled: it goes live on" in page.locator(".messagelist").inner_text()
    assert page.locator(".post-state--scheduled").is_visible()
    scheduled = Post.objects.get(pk=newsroom["waiting"].pk)
    assert scheduled.is_scheduled() and scheduled.published_at == when
    assert scheduled.title == "Peru joins the alliance against nature crime"

    page.goto(live_server.url + "/admin/")
    assert "Peru joins the alliance" in page.locator(".desk-section--scheduled").inner_text()
    page.locator(".desk-section--my-drafts, .desk-section--published").first.wait_for()
    page.goto(live_server.url + f"/admin/news/post/{newsroom['draft'].pk}/change/")
    page.click("button[name=_action][value=publish]")
    page.wait_for_selector(".post-state--live")
    assert "Published. Visitors can see it now." in page.locator(".messagelist").inner_text()
    assert Post.objects.get(pk=newsroom["draft"].pk).is_published()
    live_link = page.locator(".post-state a")
    assert live_link.get_attribute("target") == "_blank"
    assert live_link.get_attribute("rel") == "noopener"
    assert_clean(page)
    print(f"\ndesk → preview → schedule → publish took {time.monotonic() - started:.1f} s")


def test_contributor_submits_from_the_form_and_sees_it_on_the_desk(
    live_server, open_page, contributor, make_category
):
    make_category(name="News", slug="news")
    page = open_page()
    log_in(page, live_server, "contributor")
    page.goto(live_server.url + "/admin/news/post/add/")
    assert page.locator("button[name=_action][value=publish]").count() == 0
    assert page.locator("#id_schedule_at").count() == 0
    page.fill("#id_title", "Forest monitors meet in Lima")
    page.fill("#id_standfirst", "Monitors from five countries compared notes.")
    page.select_option("#id_category", label="News")
    page.click("button[name=_action][value=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "Submitted for review. An editor will publish it." in page.inner_text(".messagelist")
    assert "In review" in page.locator(".post-state").inner_text()
    page.goto(live_server.url + "/admin/")
    assert "Forest monitors meet in Lima" in page.inner_text(".desk-section--my-submitted")
    assert page.locator(".desk-section--review").count() == 0
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    assert_clean(page)


# A <button> that Django's admin CSS does not reach keeps the browser's own grey, outset look.
NATIVE_LOOKING = (
    "buttons => buttons.filter(b => b.offsetParent && getComputedStyle(b).borderTopStyle"
    " === 'outset').map(b => b.textContent.trim())"
)


def background(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).backgroundColor")


def test_publishing_buttons_are_admin_buttons_and_the_step_forward_stands_out(
    live_server, open_page, editor, newsroom
):
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(live_server.url + f"/admin/news/post/{newsroom['waiting'].pk}/change/")
    page.wait_for_selector(".post-state--review")
    assert page.locator(".submit-row button").evaluate_all(NATIVE_LOOKING) == []
    actions = page.locator(".post-actions")
    main = actions.get_by_role("button", name="Publish now", exact=True)
    others = [
        actions.get_by_role("button", name=name, exact=True)
        for name in ("Save, keep in review", "Back to draft")
    ]
    preview = actions.locator(".post-actions__preview")
    assert {background(other) for other in others} == {background(preview)}
    assert background(main) != background(preview)
    # The date field sits in a button row, yet reads as a field like the title's, not a button.
    schedule_at = page.locator("#id_schedule_at")
    title = page.locator("#id_title")
    for prop in ("backgroundColor", "color", "borderTopStyle"):
        style = f"e => getComputedStyle(e).{prop}"
        assert schedule_at.evaluate(style) == title.evaluate(style), prop
    assert_clean(page)
