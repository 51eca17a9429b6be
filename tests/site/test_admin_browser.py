"""The editors' admin in a real Chromium: reordering newsletter stories, My account, axe."""

import json

import pytest
from playwright.sync_api import expect

from newsletter.models import Issue, IssueItem
from tests.axe import axe_violations
from tests.site.test_browser import CHROMIUM, assert_clean, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]


@pytest.fixture
def issue(make_post):
    issue = Issue.objects.create(subject="March news", slug="march-news")
    for position, title in enumerate(["Peru joins", "Rangers meet", "Gold report"], start=1):
        IssueItem.objects.create(issue=issue, post=make_post(title=title), position=position)
    return issue


def titles(issue):
    return [post.title for post in issue.ordered_posts()]


def row_titles(page):
    return page.locator("#items-group tr.has_original td.original p").evaluate_all(
        "cells => cells.map(c => c.firstChild.textContent.trim())"
    )


def test_editor_reorders_stories_by_keyboard_and_by_drag_and_saves(
    live_server, open_page, editor, issue
):
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/newsletter/issue/{issue.pk}/change/")
    status = page.locator(".sortable-inline [role=status]")

    # Keyboard: "Move down" twice takes the first story to the end, and says so.
    down = page.get_by_role("button", name="Move “Peru joins” down", exact=True)
    assert down.get_attribute("title") == "Move down"
    down.focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("“Peru joins” is now story 2 of 3.")
    assert page.evaluate("document.activeElement.closest('tr').id") == "items-0"
    page.keyboard.press("Space")
    expect(status).to_have_text("“Peru joins” is now story 3 of 3.")
    page.keyboard.press("Enter")
    expect(status).to_have_text("“Peru joins” is already the last story.")
    assert row_titles(page) == ["Rangers meet", "Gold report", "Peru joins"]

    # Drag: "Gold report" by its handle onto the top half of the first row.
    handle = page.locator("#items-2 .sortable-handle").bounding_box()
    first = page.locator("#items-1").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(first["x"] + 40, first["y"] + first["height"] / 4, steps=8)
    page.mouse.up()
    assert row_titles(page) == ["Gold report", "Rangers meet", "Peru joins"]
    expect(status).to_have_text("“Gold report” is now story 1 of 3.")
    positions = [page.input_value(f"#id_items-{n}-position") for n in (2, 1, 0)]
    assert positions == ["1", "2", "3"]
    assert page.locator("#id_items-0-position").evaluate("i => i.readOnly")

    # A story added with "Add another" gets the controls too.
    page.click("#items-group .add-row a")
    assert page.locator("#items-3 .sortable-controls button").count() == 2
    screenshot(page, "admin-issue-stories")

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert titles(issue) == ["Gold report", "Rangers meet", "Peru joins"]
    assert_clean(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_issue_form_and_my_account_pass_axe(live_server, open_page, editor, issue, scheme):
    page = open_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server, "editor")
    urls = {
        "desk": "/admin/",
        "issue form": f"/admin/newsletter/issue/{issue.pk}/change/",
        "my account": "/admin/account/",
    }
    for name, url in urls.items():
        page.goto(live_server.url + url)
        assert axe_violations(page) == [], (name, json.dumps(axe_violations(page), indent=1))

    # My account with errors on it, then saved.
    page.fill("#id_email", "not an address")
    page.fill("#id_first_name", "Ana")
    page.evaluate("document.querySelector('#id_email').type = 'text'")  # past the browser's check
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    assert axe_violations(page) == [], json.dumps(axe_violations(page), indent=1)
    page.fill("#id_email", "ana@example.org")
    page.select_option("#id_time_zone", "America/Lima")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert "America/Lima" in page.locator(".account-now").inner_text()
    screenshot(page, f"admin-my-account-{scheme}")
    assert_clean(page)


def test_sent_issue_shows_its_stories_without_reordering_controls(
    live_server, open_page, editor, issue
):
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT)
    page = open_page()
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/newsletter/issue/{issue.pk}/change/")
    assert page.locator(".sortable-controls").count() == 0
    assert page.locator(".sortable-inline").is_hidden()
    assert_clean(page)
