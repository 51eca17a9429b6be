import io
import os
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from library.models import Image as LibraryImage
from members.models import Organisation
from news.models import Category, Post
from newsletter.models import Subscriber

_sequence = count(1)


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache_and_no_page_cache(settings):
    """Each test starts with an empty cache; page-cache tests turn the page cache on."""
    from django.core.cache import cache

    cache.clear()
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def page_cache(settings, transactional_db):
    """The page cache on, in tests that really commit: pages turn over after a commit."""
    settings.PAGE_CACHE_SECONDS = 600


def image_bytes(width=1600, height=900, fmt="JPEG", colour="#3a7d44") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")


@pytest.fixture
def make_image(db):
    """Make a library image from a generated picture; keyword arguments set its fields."""

    def make(*, upload=None, **overrides):
        n = next(_sequence)
        fields = {
            "title": f"Image {n}",
            "alt_text": f"Description of image {n}",
            "file": upload or image_upload(name=f"image-{n}.jpg"),
        } | overrides
        return LibraryImage.objects.create(**fields)

    return make


@pytest.fixture
def make_category(db):
    def make(**overrides):
        n = next(_sequence)
        fields = {"name": f"Category {n}", "slug": f"category-{n}"} | overrides
        return Category.objects.create(**fields)

    return make


@pytest.fixture
def make_post(db, make_category):
    """Make a post; published an hour ago unless told otherwise."""

    def make(**overrides):
        n = next(_sequence)
        fields = {
            "title": f"Post number {n}",
            "standfirst": f"Summary of post {n}.",
            "body": f"<p>Body of post {n}.</p>",
            "status": Post.Status.PUBLISHED,
            "published_at": timezone.now() - timedelta(hours=1, minutes=n),
        } | overrides
        if "category" not in fields:
            fields["category"] = make_category()
        return Post.objects.create(**fields)

    return make


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, *, group=None, **fields):
        user = django_user_model.objects.create_user(
            username=username, password="correct horse battery staple", is_staff=True, **fields
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def editor(make_user):
    return make_user("editor", group="Editors")


@pytest.fixture
def contributor(make_user):
    return make_user("contributor", group="Contributors")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client


@pytest.fixture
def post_form_data(make_category):
    """Make the POST data of the admin's post form, every field as the form renders it."""

    def make(**overrides):
        n = next(_sequence)
        fields = {
            "title": f"Admin post {n}",
            "slug": f"admin-post-{n}",
            "standfirst": f"Summary of admin post {n}.",
            "body": f"<p>Body of admin post {n}.</p>",
            "image": "",
            "image_caption": "",
            "byline": "",
            "status": Post.Status.DRAFT,
            "published_at_0": "",
            "published_at_1": "",
            "author": "",
        } | overrides
        if "category" not in fields:
            fields["category"] = make_category().pk
        return fields

    return make


@pytest.fixture
def make_organisation(db):
    """Make a member organisation; a government that joined a year ago unless told otherwise."""

    def make(**overrides):
        n = next(_sequence)
        fields = {
            "name": f"Organisation {n}",
            "slug": f"organisation-{n}",
            "kind": Organisation.Kind.GOVERNMENT,
            "joined_on": timezone.localdate() - timedelta(days=365),
        } | overrides
        return Organisation.objects.create(**fields)

    return make


@pytest.fixture
def make_subscriber(db):
    """Make a newsletter subscriber; pending, with consent given now, unless told otherwise."""

    def make(**overrides):
        n = next(_sequence)
        fields = {
            "email": f"subscriber{n}@example.org",
            "name": f"Subscriber {n}",
            "consent_text": "I agree to receive the newsletter.",
            "consent_at": timezone.now(),
            "consent_source": "/",
        } | overrides
        if fields.get("status") == Subscriber.Status.CONFIRMED:
            fields.setdefault("confirmed_at", timezone.now())
        if fields.get("status") == Subscriber.Status.UNSUBSCRIBED:
            fields.setdefault("unsubscribed_at", timezone.now())
        return Subscriber.objects.create(**fields)

    return make


# --- Browser tests (Playwright, Debian's Chromium) ------------------------------------------

CHROMIUM = Path(os.environ.get("NCASITE_CHROMIUM", "/usr/bin/chromium"))

# Collects console errors and CSP violations, and measures layout shift, from the first byte.
WATCH_PAGE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.__layoutShift = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__layoutShift += entry.value;
  }
}).observe({type: 'layout-shift', buffered: true});
"""


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, settings):
    settings.NEWSLETTER_MIN_SUBMIT_SECONDS = 0
    contexts = []

    def open_(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.on(
            "response",
            lambda r: r.status >= 400 and page.console_errors.append(f"{r.status} {r.url}"),
        )
        page.add_init_script(WATCH_PAGE)
        return page

    yield open_
    for context in contexts:
        # No request may reach the live server once the test's database is gone: let those
        # in flight finish, then refuse the rest (closing hides the tab, and the editing
        # script then autosaves).
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.route("**/*", lambda route: route.abort())
        context.close()
