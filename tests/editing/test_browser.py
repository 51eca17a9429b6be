"""Never losing typing, in a real Chromium: autosave and its restore offer, two editors."""

import json

import pytest
from reversion.models import Version

from news.models import Post
from tests.axe import axe_violations
from tests.site.test_browser import CHROMIUM, assert_clean, log_in, screenshot

from .conftest import admin_url, change_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]

BODY = ".field-body .ProseMirror[contenteditable=true]"


@pytest.fixture
def fast_autosave(settings):
    settings.EDITING_AUTOSAVE_SECONDS = 1


def assert_axe_clean(page, name, exclude=()):
    violations = axe_violations(page, exclude=exclude)
    assert violations == [], (name, json.dumps(violations, indent=1))


def test_typing_survives_closing_the_tab(live_server, open_page, editor, make_post, fast_autosave):
    post = make_post(status=Post.Status.DRAFT, body="<p>Opening paragraph.</p>")
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(live_server.url + change_url(post))
    page.locator(BODY).click()
    page.keyboard.press("End")
    page.keyboard.type(" Rangers from three countries now share their patrol data.")
    page.wait_for_selector("#editing-status:has-text('Draft kept at')")
    assert_clean(page)
    page.close()  # no save
    assert "Rangers" not in Post.objects.get(pk=post.pk).body

    again = page.context.new_page()
    again.goto(live_server.url + change_url(post))
    offer = again.locator(".editing-offer")
    assert "You have unsaved changes from" in offer.inner_text()
    assert_axe_clean(again, "change form with the offer")
    screenshot(again, "editing-offer")
    offer.get_by_role("link", name="Restore").click()
    again.wait_for_selector(".editing-banner")
    assert "share their patrol data" in again.locator(BODY).inner_text()
    again.click("button[name=_action][value=draft]:not([hidden])")
    again.wait_for_selector(".messagelist .success")
    assert "share their patrol data" in Post.objects.get(pk=post.pk).body


def test_second_editor_sees_the_first_and_a_stale_save_is_refused(
    live_server, open_page, editor, make_user, make_post, fast_autosave
):
    make_user("ana", group="Editors", first_name="Ana", last_name="Silva")
    post = make_post(status=Post.Status.DRAFT, title="Peru joins the alliance")
    ana = open_page()
    log_in(ana, live_server, "ana")
    ana.goto(live_server.url + change_url(post))
    mine = open_page()
    log_in(mine, live_server, "editor")
    mine.goto(live_server.url + change_url(post))
    assert "Ana Silva has this post open too" in mine.locator("#editing-presence").inner_text()
    # Ana's page learns of the second editor at its next autosave ping.
    ana.wait_for_selector("#editing-presence:has-text('editor has this post open too')")

    ana.fill("#id_title", "Peru joins the alliance against nature crime")
    ana.click("button[name=_action][value=draft]:not([hidden])")
    ana.wait_for_selector(".messagelist .success")

    mine.fill("#id_standfirst", "My own careful summary.")
    mine.click("button[name=_action][value=draft]:not([hidden])")
    error = mine.locator(".errornote + ul.errorlist, ul.errorlist.nonfield").first
    assert "Ana Silva saved this post at" in error.inner_text()
    assert mine.locator("#id_standfirst").input_value() == "My own careful summary."
    live = Post.objects.get(pk=post.pk)
    assert live.title == "Peru joins the alliance against nature crime"
    assert live.standfirst != "My own careful summary."
    assert_clean(ana)


def test_history_and_compare_pages_pass_axe(live_server, open_page, editor, make_post):
    post = make_post(status=Post.Status.DRAFT, body="<p>First words.</p>")
    page = open_page()
    log_in(page, live_server, "editor")
    for words in ["Second words.", "Third words."]:
        page.goto(live_server.url + change_url(post))
        page.locator(BODY).click()
        page.keyboard.press("End")
        page.keyboard.type(" " + words)
        page.click("button[name=_action][value=draft]:not([hidden])")
        page.wait_for_selector(".messagelist .success")
    assert Version.objects.get_for_object(post).count() == 2
    page.goto(live_server.url + admin_url(post, "history"))
    assert_axe_clean(page, "history")
    page.get_by_role("button", name="Compare the chosen revisions").click()
    page.wait_for_selector("table.editing-compare")
    assert "Third words." in page.locator("table.editing-compare ins").first.inner_text()
    assert_axe_clean(page, "compare")
    screenshot(page, "editing-compare")
    assert_clean(page)
