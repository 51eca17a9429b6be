"""The body editor in a real Chromium: internal links and figures, saved and shown publicly."""

import json

import pytest

from news.models import Post
from tests.axe import axe_violations
from tests.site.test_browser import CHROMIUM, assert_clean, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]


def body_editor(page):
    return page.locator(".field-body .ProseMirror[contenteditable=true]")


def insert_member_link(page, name_fragment):
    page.click(".field-body button[data-name=link]")
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Or find a post or member page").fill(name_fragment)
    dialog.locator(".chooser-result").first.wait_for()
    return dialog


def insert_figure(page, search, caption):
    page.click(".field-body button[data-name=libraryFigure]")
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Find an image in the library").fill(search)
    dialog.locator(".chooser-image", has_text="Patrol boat").click()
    dialog.get_by_label("Caption").fill(caption)
    return dialog


def test_editor_links_a_member_and_adds_a_figure(
    live_server, open_page, editor, make_category, make_organisation, make_image
):
    make_category(name="News", slug="news")
    member = make_organisation(name="Andean Forest Network", slug="afn", country="PE")
    image = make_image(
        title="Patrol boat on the river", alt_text="A patrol boat on a brown river", credit="AFN"
    )
    make_image(title="Another picture")
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(live_server.url + "/admin/news/post/add/")
    assert body_editor(page).get_attribute("spellcheck") != "false"
    height = body_editor(page).bounding_box()["height"]
    assert height > 300  # about twenty lines before anything is typed
    page.fill("#id_title", "Peru joins the alliance")
    page.fill("#id_standfirst", "Peru's environment ministry becomes the alliance's newest member.")
    body_editor(page).click()
    page.keyboard.type("The ministry will work with ")
    dialog = insert_member_link(page, "andean")
    assert dialog.locator(".chooser-result").count() == 1
    dialog.locator(".chooser-result").first.click()
    assert dialog.get_by_label("Address (URL)").input_value() == "/members/afn/"
    dialog.get_by_role("button", name="Update").click()
    page.keyboard.type(" on patrols.")
    page.keyboard.press("Enter")
    dialog = insert_figure(page, "patrol", "Rangers set out at dawn.")
    assert dialog.get_by_label("Alt text").input_value() == image.alt_text
    assert dialog.get_by_label("Credit").input_value() == "AFN"
    dialog.get_by_role("button", name="Insert").click()
    assert body_editor(page).locator("figure img").get_attribute("alt") == image.alt_text
    for _ in range(30):
        page.keyboard.press("Enter")
        page.keyboard.type("Another line of the announcement.")
    grown = body_editor(page).evaluate("e => [e.scrollHeight, e.clientHeight]")
    assert grown[0] == grown[1] and grown[1] > height  # it grew; no scrollbar of its own
    page.select_option("#id_category", label="News")
    page.click("button[name=_action][value=publish]")
    page.wait_for_selector(".messagelist .success")
    post = Post.objects.get(title="Peru joins the alliance")
    assert (
        f'The ministry will work with <a href="/members/afn/" data-ref="member:{member.pk}">'
        "Andean Forest Network</a> on patrols." in post.body
    )
    assert f'<figure data-image="{image.pk}"><img src="/media/' in post.body
    assert '<figcaption>Rangers set out at dawn. <span class="credit">AFN</span>' in post.body
    assert list(post.figures.values_list("image", flat=True)) == [image.pk]
    assert_clean(page)

    visitor = open_page()
    visitor.goto(live_server.url + post.get_absolute_url())
    shown = visitor.locator(".prose figure img")
    assert shown.get_attribute("alt") == "A patrol boat on a brown river"
    # The browser picks a width from srcset for a 40rem column: a rendition, loaded.
    assert shown.evaluate("img => img.complete && img.naturalWidth") in {640, 960, 1280}
    assert "/media/library/" in shown.evaluate("img => img.currentSrc")
    assert visitor.locator(".prose figcaption").inner_text() == "Rangers set out at dawn. AFN"
    visitor.locator(".prose").get_by_role("link", name="Andean Forest Network").click()
    visitor.wait_for_url("**/members/afn/")
    assert_clean(visitor)


def test_post_form_with_dialogs_open_passes_axe(
    live_server, open_page, editor, make_organisation, make_image
):
    make_organisation(name="Andean Forest Network")
    make_image(title="Patrol boat on the river")
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(live_server.url + "/admin/news/post/add/")
    body_editor(page).click()
    insert_member_link(page, "forest")
    # The editor's row with its open dialog: the rest of the form is the stock admin's.
    violations = axe_violations(page, ".field-body")
    assert violations == [], json.dumps(violations, indent=1)
    screenshot(page, "body-editor-link-chooser")
    page.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    insert_figure(page, "patrol", "A caption")
    violations = axe_violations(page, ".field-body")
    assert violations == [], json.dumps(violations, indent=1)
    screenshot(page, "body-editor-figure-chooser")
    assert_clean(page)
