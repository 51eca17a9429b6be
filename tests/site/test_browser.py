"""Journeys through the site in a real Chromium, driven by Playwright.

Needs Debian's chromium at /usr/bin/chromium and axe-core from `npm ci`; .ci/run installs both.
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.core import mail

from library.models import Image
from news.models import Post
from newsletter.models import Subscriber
from tests.axe import axe_violations

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("NCASITE_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]

# The `browser` and `open_page` fixtures live in tests/conftest.py: one Chromium per session,
# shared by every browser test.


def assert_clean(page):
    assert page.console_errors == [], page.console_errors
    assert page.evaluate("window.__cspViolations") == []


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def site(make_post, make_category, make_organisation, make_image):
    analysis = make_category(name="Analysis", slug="analysis")
    member = make_organisation(name="Andean Forest Network", short_name="AFN", country="PE")
    featured = make_post(
        title="Forest monitors join the alliance",
        category=analysis,
        is_featured=True,
        image=make_image(alt_text="Hills covered in forest"),
        body="<p>Opening.</p><blockquote><p>We watch the forest.</p><p>— A monitor</p>"
        "</blockquote><p>More text.</p>",
    )
    featured.organisations.add(member)
    for n in range(8):
        make_post(title=f"Analysis number {n}", category=analysis, image=make_image())
    return {"featured": featured, "category": analysis, "member": member}


def test_visitor_reads_featured_post_then_category_then_member(live_server, open_page, site):
    page = open_page()
    page.goto(live_server.url + "/")
    page.click(f"text={site['featured'].title}")
    page.wait_for_url(f"**{site['featured'].get_absolute_url()}")
    assert page.locator("h1").inner_text() == site["featured"].title
    assert "We watch the forest." in page.locator("blockquote").inner_text()
    page.click("article .meta >> text=Analysis")
    page.wait_for_url(f"**{site['category'].get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Analysis"
    page.go_back()
    page.click("text=Andean Forest Network")
    page.wait_for_url(f"**{site['member'].get_absolute_url()}")
    assert "Forest monitors join the alliance" in page.locator("main").inner_text()
    assert_clean(page)


def link_in(message, pattern):
    return re.search(pattern + r"[^\s\"<>]+/", message.body).group(0)


def test_visitor_subscribes_from_footer_confirms_and_unsubscribes(
    live_server, open_page, mailoutbox, settings
):
    settings.NCASITE_BASE_URL = live_server.url
    settings.NEWSLETTER_MIN_SUBMIT_SECONDS = 1
    page = open_page(PHONE)
    page.goto(live_server.url + "/news/")
    footer = page.locator(".site-footer form")
    assert footer.locator("input[name=rendered_at]").input_value() == ""
    footer.get_by_label("Email address").fill("reader@example.org")
    footer.get_by_label("Name (optional)").fill("Ada")
    footer.get_by_label("I agree").check()
    # The script asked for a fresh stamp when the form got focus; a person takes a moment.
    page.wait_for_function(
        "document.querySelector('.site-footer input[name=rendered_at]').value !== ''"
    )
    page.wait_for_timeout(1100)
    footer.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/newsletter/check-your-inbox/")
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING

    page.goto(link_in(mailoutbox[0], r"http://[^/]+/newsletter/confirm/"))
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    page.get_by_role("button", name="Confirm my subscription").click()
    page.wait_for_selector("text=Thank you for subscribing")
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED

    welcome = mail.outbox[-1]
    assert "Welcome" in welcome.subject
    page.goto(link_in(welcome, r"http://[^/]+/newsletter/unsubscribe/"))
    page.get_by_role("button", name="Unsubscribe me").click()
    page.wait_for_selector("text=You are unsubscribed")
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    assert page.context.cookies() == []
    assert_clean(page)


def log_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def write_in_editor(page):
    editor = page.locator(".field-body .ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("## Why it matters")
    page.keyboard.press("Enter")
    page.keyboard.type("Read the full report on the ")
    page.keyboard.type("monitoring site")
    page.keyboard.press("Enter")
    page.keyboard.type("> The forest keeps the records we need.")
    # Turn "monitoring site" into a link with the toolbar's link dialog.
    editor.locator("p", has_text="monitoring site").first.click()
    page.keyboard.press("End")
    for _ in range(len("monitoring site")):
        page.keyboard.press("Shift+ArrowLeft")
    page.click(".field-body button[data-name=link]")
    dialog = page.locator("dialog[open]")
    dialog.locator("input").first.fill("https://example.org/report")
    dialog.locator(
        "button[type=submit], button:has-text('Update'), button:has-text('OK')"
    ).first.click()


def add_library_image(page, path, alt_text):
    """Upload an image into the library from the post form's + pop-up, which chooses it."""
    with page.expect_popup() as popup_info:
        page.click("#add_id_image")
    popup = popup_info.value
    popup.set_input_files("#id_file", str(path))
    popup.fill("#id_alt_text", alt_text)
    popup.fill("#id_credit", "Alliance photo")
    with popup.expect_event("close"):
        popup.click("input[name=_save]")
    page.wait_for_function("document.getElementById('id_image').value !== ''")
    preview = page.locator(".field-image_preview .image-chooser-preview")
    preview.locator("img:not([hidden])").wait_for()
    assert alt_text in preview.inner_text()


def test_editor_writes_and_publishes_a_post_with_image(
    live_server, open_page, editor, make_category, tmp_path
):
    from tests.conftest import image_bytes

    make_category(name="News", slug="news")
    image = tmp_path / "forest.jpg"
    image.write_bytes(image_bytes())
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(live_server.url + "/admin/news/post/add/")
    page.fill("#id_title", "Rangers share their data")
    page.fill("#id_standfirst", "Rangers from three countries now share patrol data.")
    write_in_editor(page)
    add_library_image(page, image, "Rangers walking along a river")
    page.select_option("#id_category", label="News")
    page.click("button[name=_action][value=publish]")
    page.wait_for_selector(".messagelist .success")
    post = Post.objects.get(title="Rangers share their data")
    assert post.is_published()
    assert "<h2>Why it matters</h2>" in post.body
    assert '<a href="https://example.org/report"' in post.body
    assert "<blockquote>" in post.body
    assert post.image.renditions["article"]["webp"]
    assert post.image.uploaded_by == editor
    assert_clean(page)

    visitor = open_page()
    visitor.goto(live_server.url + "/")
    assert "Rangers share their data" in visitor.locator(".featured, .post-list").first.inner_text()
    visitor.click("text=Rangers share their data")
    assert visitor.locator(".prose h2").inner_text() == "Why it matters"
    assert visitor.locator(".article__image img").get_attribute("alt") == (
        "Rangers walking along a river"
    )
    assert_clean(visitor)


def test_contributor_writes_a_draft_and_cannot_publish(
    live_server, open_page, contributor, make_category
):
    make_category(name="News", slug="news")
    page = open_page()
    log_in(page, live_server, "contributor")
    page.goto(live_server.url + "/admin/news/post/add/")
    actions = page.locator("button[name=_action]:not([hidden])").evaluate_all(
        "buttons => buttons.map(b => b.value)"
    )
    assert sorted(actions) == ["draft", "submit"]
    page.fill("#id_title", "A contributor's draft")
    page.fill("#id_standfirst", "Waiting for an editor.")
    page.locator(".field-body .ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Draft text.")
    page.select_option("#id_category", label="News")
    page.click("button[name=_action][value=submit]")
    page.wait_for_selector(".messagelist .success")
    post = Post.objects.get(title="A contributor's draft")
    assert post.status == Post.Status.REVIEW and not post.is_published()
    assert page.locator("select[name=action] option[value=publish_selected]").count() == 0
    assert_clean(page)


PAGE_TYPES = {
    "home": lambda s: "/",
    "news": lambda s: "/news/",
    "article": lambda s: s["featured"].get_absolute_url(),
    "members": lambda s: "/members/",
    "member": lambda s: s["member"].get_absolute_url(),
    "newsletter": lambda s: "/newsletter/",
}


@pytest.mark.parametrize("viewport_name,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_pages_pass_axe_and_budgets(live_server, open_page, site, viewport_name, viewport):
    for name, url_of in PAGE_TYPES.items():
        page = open_page(viewport)
        scripts = []
        page.on(
            "response",
            lambda r, scripts=scripts: (
                r.request.resource_type == "script" and scripts.append(len(r.body()))
            ),
        )
        page.goto(live_server.url + url_of(site), wait_until="load")
        violations = axe_violations(page)
        assert violations == [], (name, json.dumps(violations, indent=1))
        assert sum(scripts) < 10_000, (name, scripts)
        images = page.locator("main img").evaluate_all(
            "imgs => imgs.map(i => ({w: i.getAttribute('width'), h: i.getAttribute('height'),"
            " lazy: i.loading, top: i.getBoundingClientRect().top}))"
        )
        for image in images:
            assert image["w"] and image["h"], (name, image)
            if image["top"] > viewport["height"]:
                assert image["lazy"] == "lazy", (name, image)
        assert page.evaluate("window.__layoutShift") < 0.01, name
        assert page.locator("h1").count() == 1, name
        screenshot(page, f"{name}-{viewport_name}")
        assert_clean(page)


def test_pages_work_and_look_right_without_javascript(browser, live_server, site):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/members/")
    page.select_option("#filter-region", "latin-america-caribbean")
    page.click("text=Show members")
    assert "region=latin-america-caribbean" in page.url
    assert "Andean Forest Network" in page.locator("main").inner_text()
    assert page.locator("#privacy-bar").is_visible()
    context.close()


def test_visitor_without_javascript_subscribes_with_one_more_press(
    browser, live_server, mailoutbox, settings
):
    settings.NEWSLETTER_MIN_SUBMIT_SECONDS = 1
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/news/")
    footer = page.locator(".site-footer form")
    footer.get_by_label("Email address").fill("reader@example.org")
    footer.get_by_label("I agree").check()
    footer.get_by_role("button", name="Subscribe").click()
    page.wait_for_selector("h1:has-text('Confirm your subscription')")
    assert not Subscriber.objects.exists() and mailoutbox == []
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Confirm your subscription").click()
    page.wait_for_url("**/newsletter/check-your-inbox/")
    assert Subscriber.objects.get().email == "reader@example.org"
    assert [message.to for message in mailoutbox] == [["reader@example.org"]]
    context.close()


def test_privacy_notice_dismissal_is_remembered_without_cookies(live_server, open_page):
    page = open_page()
    page.goto(live_server.url + "/")
    page.click("text=OK, hide this")
    assert not page.locator("#privacy-bar").is_visible()
    page.goto(live_server.url + "/news/")
    assert not page.locator("#privacy-bar").is_visible()
    assert page.context.cookies() == []
    assert_clean(page)


# --- The image library -------------------------------------------------------------------


def test_editor_sets_image_focal_point_by_click_and_keyboard(
    live_server, open_page, editor, make_image
):
    image = make_image(title="Rangers on the river")
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/library/image/{image.pk}/change/")
    frame = page.get_by_role("button", name="Focal point of the image")
    frame.wait_for()
    violations = axe_violations(page, "#image_form")
    assert violations == [], json.dumps(violations, indent=1)

    frame.scroll_into_view_if_needed()  # mouse coordinates are the viewport's
    box = frame.locator("img").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.25)
    assert float(page.input_value("#id_focal_x")) == pytest.approx(0.9, abs=0.02)
    assert float(page.input_value("#id_focal_y")) == pytest.approx(0.25, abs=0.02)

    frame.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowDown")
    assert float(page.input_value("#id_focal_x")) == pytest.approx(0.85, abs=0.02)
    assert float(page.input_value("#id_focal_y")) == pytest.approx(0.26, abs=0.02)
    assert "85 %" in page.locator(".focal-picker__status").inner_text()
    marker = page.locator(".focal-picker__marker").evaluate("m => m.style.left")
    assert float(marker.rstrip("%")) == pytest.approx(85, abs=2)
    screenshot(page, "library-image-form")

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    image.refresh_from_db()
    assert image.focal_x == pytest.approx(0.85, abs=0.02)
    assert_clean(page)


def test_focal_point_works_without_javascript(browser, live_server, editor, make_image):
    image = make_image()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/library/image/{image.pk}/change/")
    assert not page.locator(".focal-picker").is_visible()
    page.fill("#id_focal_x", "0.1")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Image.objects.get(pk=image.pk).focal_x == 0.1
    context.close()


def test_library_list_and_post_form_pass_axe(live_server, open_page, editor, make_image, make_post):
    image = make_image(title="Rangers on the river")
    post = make_post(image=image)
    page = open_page()
    log_in(page, live_server, "editor")
    for url, selector in [
        ("/admin/library/image/", "#result_list"),
        (f"/admin/news/post/{post.pk}/change/", ".field-image_preview"),
        (f"/admin/library/image/{image.pk}/delete/", "#content"),
    ]:
        page.goto(live_server.url + url)
        violations = axe_violations(page, selector)
        assert violations == [], (url, json.dumps(violations, indent=1))
    assert_clean(page)
