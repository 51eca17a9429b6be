"""Issue 15's journey in a real Chromium: a contributor writes an announcement, an editor
reviews, compares and publishes it, a visitor reads it, and a restored revision stays off the
public page until it is saved.

Only the people, the category, the member and the library image are made with the ORM;
everything else is clicking and typing. The page cache is on, as on the real site, so the
public page is shown as a visitor would get it.
"""

import json
import time

import pytest
from reversion.models import Version

from news.models import Post
from tests.axe import axe_violations
from tests.conftest import WATCH_PAGE
from tests.site.test_browser import CHROMIUM, assert_clean, log_in, screenshot
from tests.site.test_browser_desk import NATIVE_LOOKING

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]

BODY = ".field-body .ProseMirror[contenteditable=true]"
TITLE = "Chile joins the alliance"
FIRST_STANDFIRST = "Chile's national forest service becomes the alliance's newest member."
EDITED_STANDFIRST = (
    "Chile becomes the alliance's thirty-first member, with rangers from the desert to Patagonia."
)
QUOTE = "Timber and wildlife cross borders, so must the people who protect them."
SPEAKER = "— Carmen Rojas, Director of the Chilean Forest Guard"
CAPTION = "Rangers set out from Puerto Montt at dawn."
PRESS = "Press contact: the alliance's communications team, press@example.org"


def assert_axe_clean(page, name):
    violations = axe_violations(page)
    assert violations == [], (name, json.dumps(violations, indent=1))


@pytest.fixture
def newsroom(make_user, make_category, make_organisation, make_image, page_cache):
    make_user("contributor", group="Contributors", first_name="Inés", last_name="Araya")
    make_user("editor", group="Editors", first_name="Tomás", last_name="Vidal")
    make_category(name="Announcements", slug="announcements")
    member = make_organisation(name="Chilean Forest Guard", slug="chilean-forest-guard")
    image = make_image(
        title="Ranger boat on the Reloncaví estuary",
        alt_text="Two rangers in a small boat on a grey estuary, mountains behind",
        credit="Chilean Forest Guard",
    )
    return {"member": member, "image": image}


def press(page, label):
    """Press one of the form's publishing buttons by the label the editor reads."""
    page.locator(".post-actions").get_by_role("button", name=label, exact=True).click()


def type_paragraphs(page, *paragraphs):
    for text in paragraphs:
        page.keyboard.type(text)
        page.keyboard.press("Enter")


def link_member(page, search):
    """Insert a link to a member page where the cursor is, found with the chooser's search."""
    page.click(".field-body button[data-name=link]")
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Or find a post or member page").fill(search)
    dialog.locator(".chooser-result", has_text="Chilean Forest Guard").click()
    assert dialog.get_by_label("Address (URL)").input_value() == "/members/chilean-forest-guard/"
    dialog.get_by_role("button", name="Update").click()
    dialog.wait_for(state="detached")


def insert_figure(page, search, image):
    page.click(".field-body button[data-name=libraryFigure]")
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Find an image in the library").fill(search)
    dialog.locator(".chooser-image", has_text=image.title).click()
    assert dialog.get_by_label("Alt text").input_value() == image.alt_text
    dialog.get_by_label("Caption").fill(CAPTION)
    dialog.get_by_role("button", name="Insert").click()
    dialog.wait_for(state="detached")


def write_announcement(page, image):
    page.fill("#id_title", TITLE)
    page.fill("#id_standfirst", FIRST_STANDFIRST)
    page.select_option("#id_category", label="Announcements")
    page.locator(BODY).click()
    page.keyboard.type(
        "Santiago — The government of Chile signed the alliance's charter today. Its national "
        "forest service, the "
    )
    link_member(page, "forest guard")
    type_paragraphs(page, ", will lead the country's work with the other members.")
    type_paragraphs(
        page,
        "## What Chile brings",
        "Chile's rangers watch over fourteen million hectares of protected land, from the "
        "Atacama to the fjords of the south. They will share patrol records and seizure data "
        "with the alliance from the first month.",
        "> " + QUOTE,
        SPEAKER,
    )
    page.keyboard.press("Enter")  # an empty line in the quote leaves it
    insert_figure(page, "reloncav", image)
    page.keyboard.press("Enter")
    type_paragraphs(page, "A first joint training for rangers is planned for the autumn.")
    page.keyboard.type(PRESS)


def watched(page):
    """A tab the page opened, watched like open_page's: console errors, failed requests, CSP."""
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and page.console_errors.append(r.url))
    return page


def preview_shows_unsaved_text(page, image):
    page.context.add_init_script(WATCH_PAGE)  # for the tab the preview opens, from its start
    with page.context.expect_page() as opened:
        page.locator("button.post-actions__preview").click()
    preview = watched(opened.value)
    preview.wait_for_load_state()
    assert "Preview — not saved." in preview.locator(".notice").inner_text()
    assert preview.locator("h1").inner_text() == TITLE
    prose = preview.locator(".prose")
    assert prose.locator("h2").inner_text() == "What Chile brings"
    assert QUOTE in prose.locator("blockquote").inner_text()
    assert prose.locator("figure img").get_attribute("alt") == image.alt_text
    assert CAPTION in prose.locator("figcaption").inner_text()
    assert_clean(preview)
    preview.close()
    assert not Post.objects.exists()  # the preview stored nothing


def contributor_writes_and_submits(page, live_server, image):
    log_in(page, live_server, "contributor")
    page.goto(live_server.url + "/admin/news/post/add/")
    write_announcement(page, image)
    preview_shows_unsaved_text(page, image)
    press(page, "Submit for review")
    page.wait_for_selector(".messagelist .success")
    assert "Submitted for review" in page.locator(".messagelist").inner_text()
    assert_clean(page)
    post = Post.objects.get(title=TITLE)
    assert post.status == Post.Status.REVIEW
    assert "<h2>What Chile brings</h2>" in post.body
    assert f"<blockquote><p>{QUOTE}</p><p>{SPEAKER}</p></blockquote>" in post.body
    assert 'href="/members/chilean-forest-guard/"' in post.body
    assert f'<figure data-image="{image.pk}">' in post.body
    assert f"<p>{PRESS}</p>" in post.body
    return post


def editor_reviews_on_the_desk(page, live_server):
    log_in(page, live_server, "editor")
    review = page.locator(".desk-section--review")
    assert TITLE in review.inner_text()
    assert "submitted by Inés Araya" in review.inner_text()
    assert_axe_clean(page, "desk")
    screenshot(page, "readme-desk")
    review.get_by_role("link", name=TITLE).click()
    page.wait_for_selector(".post-state--review")
    assert "submitted by Inés Araya" in page.locator(".post-state").inner_text()
    page.locator(BODY).wait_for()
    assert_axe_clean(page, "post form")
    assert page.locator(".submit-row button").evaluate_all(NATIVE_LOOKING) == []
    screenshot(page, "readme-post-form")
    page.fill("#id_standfirst", EDITED_STANDFIRST)
    press(page, "Save, keep in review")
    page.wait_for_selector(".messagelist .success")
    assert "It stays in review" in page.locator(".messagelist").inner_text()
    assert page.locator(".post-state--review").is_visible()


def editor_compares_the_revisions(page, image):
    page.click("a.historylink")
    rows = page.locator("table.editing-revisions tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    assert "Inés Araya" in rows.last.inner_text()
    assert "Tomás Vidal" in rows.first.inner_text()
    assert_axe_clean(page, "history")
    assert page.locator(".submit-row button").evaluate_all(NATIVE_LOOKING) == []
    assert_clean(page)
    page.get_by_role("button", name="Compare the chosen revisions").click()
    page.wait_for_selector("table.editing-compare")
    changed = page.locator("table.editing-compare tr.editing-changed")
    assert changed.count() == 1
    assert "Standfirst" in changed.locator("th").inner_text()
    old, new = changed.locator("td").all_inner_texts()
    assert (old, new) == (FIRST_STANDFIRST, EDITED_STANDFIRST)
    assert "thirty-first" in " ".join(changed.locator("ins").all_inner_texts())
    assert "national forest service" in " ".join(changed.locator("del").all_inner_texts())
    assert f"[Image: {image.alt_text}]" in page.locator("table.editing-compare").inner_text()
    assert_axe_clean(page, "compare")
    screenshot(page, "journey-compare")
    assert_clean(page)
    page.locator(".breadcrumbs").get_by_role("link", name=TITLE).click()


def editor_publishes(page):
    page.wait_for_selector(".post-state--review")
    press(page, "Publish now")
    page.wait_for_selector(".post-state--live")
    assert "Published. Visitors can see it now." in page.locator(".messagelist").inner_text()
    assert_clean(page)


def visitor_reads_the_announcement(visitor, live_server, image):
    visitor.goto(live_server.url + "/news/")
    visitor.get_by_role("link", name=TITLE).first.click()
    visitor.wait_for_selector("article.article")
    assert visitor.locator(".lede").inner_text() == EDITED_STANDFIRST
    figure = visitor.locator(".prose figure")
    assert figure.locator("img").get_attribute("alt") == image.alt_text
    assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert figure.locator("figcaption").inner_text() == f"{CAPTION} Chilean Forest Guard"
    assert SPEAKER in visitor.locator(".prose blockquote").inner_text()
    article_url = visitor.url
    visitor.locator(".prose").get_by_role("link", name="Chilean Forest Guard").click()
    visitor.wait_for_url("**/members/chilean-forest-guard/")
    assert visitor.locator("h1").inner_text() == "Chilean Forest Guard"
    visitor.goto(article_url)
    assert_clean(visitor)
    return article_url


def editor_restores_the_first_revision(page, visitor):
    page.click("a.historylink")
    rows = page.locator("table.editing-revisions tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3  # submitted, saved in review, published
    oldest = rows.last
    assert "Inés Araya" in oldest.inner_text()
    oldest.get_by_role("button", name="Restore as draft").click()
    page.wait_for_selector(".editing-banner")
    assert "restored" in page.locator(".editing-banner").inner_text()
    assert page.locator("#id_standfirst").input_value() == FIRST_STANDFIRST
    assert page.locator(".post-state--live").is_visible()
    visitor.reload()
    assert visitor.locator(".lede").inner_text() == EDITED_STANDFIRST
    press(page, "Update")
    page.wait_for_selector(".messagelist .success")
    assert "Updated. Visitors see this version now." in page.locator(".messagelist").inner_text()
    assert page.locator("#id_standfirst").input_value() == FIRST_STANDFIRST
    assert_clean(page)
    visitor.reload()
    assert visitor.locator(".lede").inner_text() == FIRST_STANDFIRST
    assert visitor.locator(".prose figure img").count() == 1
    assert_clean(visitor)


def test_announcement_from_first_words_to_restored_revision(live_server, open_page, newsroom):
    started = time.monotonic()
    contributor = open_page()
    post = contributor_writes_and_submits(contributor, live_server, newsroom["image"])

    editor = open_page()
    desk_opened = time.monotonic()
    editor_reviews_on_the_desk(editor, live_server)
    editor_compares_the_revisions(editor, newsroom["image"])
    editor_publishes(editor)
    to_published = time.monotonic() - desk_opened
    post.refresh_from_db()
    assert post.is_published() and post.standfirst == EDITED_STANDFIRST

    visitor = open_page()
    visitor_reads_the_announcement(visitor, live_server, newsroom["image"])
    editor_restores_the_first_revision(editor, visitor)
    post.refresh_from_db()
    assert post.is_published() and post.standfirst == FIRST_STANDFIRST
    assert Version.objects.get_for_object(post).count() == 4
    print(f"\n/admin/ to published: {to_published:.1f} s")
    print(f"whole journey: {time.monotonic() - started:.1f} s")
