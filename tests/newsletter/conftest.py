import re
import time
from datetime import timedelta
from html.parser import HTMLParser
from itertools import count
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from newsletter.forms import RENDERED_AT_SALT
from newsletter.models import Issue, IssueItem, Subscriber

CHECK_INBOX = "/newsletter/check-your-inbox/"
CONFIRM_URL = re.compile(r"https?://[^\s\"'<>]+/newsletter/confirm/[^/\s\"'<>]+/")
UNSUBSCRIBE_URL = re.compile(r"https?://[^\s\"'<>]+/newsletter/unsubscribe/[^/\s\"'<>]+/")
_issue_numbers = count(1)
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


@pytest.fixture
def make_issue(make_post):
    """Make an issue with some published posts in it; a draft unless told otherwise."""

    def make(*, posts=2, **fields):
        n = next(_issue_numbers)
        fields = {"subject": f"Issue {n}", "slug": f"issue-{n}"} | fields
        if fields.get("status") == Issue.Status.SENT:
            fields.setdefault("started_at", timezone.now() - timedelta(days=n))
        issue = Issue.objects.create(**fields)
        for position in range(posts):
            IssueItem.objects.create(issue=issue, post=make_post(), position=position)
        return issue

    return make


@pytest.fixture(autouse=True)
def _one_sending_thread(settings):
    """Send issues from the test's own thread: other threads' connections can't see its
    transaction. Tests of several SMTP connections per worker use transactional_db."""
    settings.NEWSLETTER_SMTP_CONNECTIONS = 1


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counts():
    cache.clear()
    yield
    cache.clear()


def signed_rendered_at(seconds_ago: float = 60) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=RENDERED_AT_SALT)


def signup_data(email="ana@example.org", **overrides) -> dict:
    """Make the POST data of a person's sign-up, sent a minute after the form was shown."""
    return {
        "email": email,
        "name": "Ana Lima",
        "consent": "on",
        "homepage": "",
        "rendered_at": signed_rendered_at(),
        "source": "/news/",
    } | overrides


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """POST a sign-up and run what it queues for after the commit (sending its email)."""

    def post(email="ana@example.org", *, remote_addr="192.0.2.10", **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/newsletter/", signup_data(email, **overrides), REMOTE_ADDR=remote_addr
            )

    return post


def path_of(url: str) -> str:
    return urlsplit(url).path


def html_part(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def confirm_path(message) -> str:
    """The confirmation link's path, after checking both parts of the email carry it."""
    [url] = set(CONFIRM_URL.findall(message.body))
    assert url in html_part(message)
    return path_of(url)


def list_unsubscribe_urls(message) -> list[str]:
    return re.findall(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"])


def unsubscribes(url: str) -> Subscriber | None:
    """Whom a link unsubscribes: compare this, as links signed a second apart differ."""
    assert url.startswith(f"{settings.NCASITE_BASE_URL}/newsletter/unsubscribe/"), url
    return Subscriber.from_unsubscribe_token(path_of(url).split("/")[-2])


def unsubscribe_url_in(text: str) -> str:
    [url] = set(UNSUBSCRIBE_URL.findall(text))
    return url


class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag=None, **attrs):
        """Elements below this one with the tag and attributes (aria_hidden= means aria-hidden)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.iter()
            if tag in (None, element.tag)
            and all(element.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag=None, **attrs):
        [element] = self.find_all(tag, **attrs)
        return element

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def text(self):
        parts = (c if isinstance(c, str) else c.text for c in self.children)
        return " ".join(" ".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID_TAGS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(html: str | bytes) -> Element:
    builder = _TreeBuilder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root
