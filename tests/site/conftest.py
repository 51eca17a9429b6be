"""Fixtures of the browser journeys (test_browser.py and the other browser test modules).

In a conftest so that every module shares one Chromium: a session fixture defined in two
modules would start Playwright twice.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("NCASITE_CHROMIUM", "/usr/bin/chromium"))
DESKTOP = {"width": 1366, "height": 900}

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

    def open_(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport)
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
        context.close()
