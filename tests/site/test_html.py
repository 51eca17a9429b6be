"""Every page type is valid HTML, checked with html-validate (from the npm registry)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from newsletter.models import Subscriber

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "node_modules" / ".bin" / "html-validate"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not VALIDATOR.exists() or not shutil.which("node"),
        reason="html-validate is not installed (run `npm ci`; .ci/run does)",
    ),
]


def page_urls(make_post, make_organisation, make_category):
    category = make_category(name="Analysis", description="What the evidence says.")
    member = make_organisation(name="Forest Watch", short_name="FW", country="PE")
    post = make_post(
        title="A story with a quote",
        category=category,
        body=(
            "<h2>Background</h2><p>Text with <a href='https://example.org'>a link</a>.</p>"
            "<blockquote><p>A quote.</p><p>— A speaker</p></blockquote><ul><li>One</li></ul>"
        ),
    )
    post.organisations.add(member)
    make_post(category=category)
    subscriber = Subscriber.objects.create(email="reader@example.org")
    return {
        "home": "/",
        "news": "/news/",
        "category": category.get_absolute_url(),
        "article": post.get_absolute_url(),
        "members": "/members/",
        "members-filtered": "/members/?kind=government&region=nowhere",
        "member": member.get_absolute_url(),
        "newsletter": "/newsletter/",
        "check-inbox": "/newsletter/check-your-inbox/",
        "confirm": f"/newsletter/confirm/{subscriber.confirmation_token()}/",
        "unsubscribe": f"/newsletter/unsubscribe/{subscriber.unsubscribe_token()}/",
        "invalid-link": "/newsletter/confirm/broken/",
        "archive": "/newsletter/archive/",
        "search": "/search/?q=quote",
        "search-empty": "/search/",
        "about": "/about/",
        "privacy": "/privacy/",
        "not-found": "/no-such-page/",
    }


def test_every_page_type_is_valid_html(
    client, tmp_path, make_post, make_organisation, make_category
):
    files = []
    for name, url in page_urls(make_post, make_organisation, make_category).items():
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (name, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    result = subprocess.run(
        [str(VALIDATOR), "--config", str(ROOT / ".htmlvalidate.json"), *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_newsletter_form_with_errors_is_valid_html(client, settings, tmp_path):
    from newsletter.forms import SubscribeForm

    settings.NEWSLETTER_MIN_SUBMIT_SECONDS = 0
    rendered_at = SubscribeForm.fresh_stamp()
    response = client.post("/newsletter/", {"email": "nope", "rendered_at": rendered_at})
    assert response.status_code == 400
    path = tmp_path / "errors.html"
    path.write_bytes(response.content)
    result = subprocess.run(
        [str(VALIDATOR), "--config", str(ROOT / ".htmlvalidate.json"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
