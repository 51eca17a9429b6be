"""An issue's emails: rendered once per language, personalised per subscriber."""

import uuid
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from .emails import subscriber_headers
from .models import Issue, Subscriber

# Placeholders in private-use characters, which CSS inlining keeps intact.
NAME = "\ue000NAME\ue000"
UNSUBSCRIBE = "\ue000UNSUBSCRIBE\ue000"


class IssueContent:
    """An issue rendered once per language, personalised per message by substitution."""

    def __init__(self, issue: Issue):
        self.issue = issue
        self.posts = list(issue.ordered_posts())
        self.rendered: dict[str, tuple[str, str, str]] = {}
        self.domain = urlsplit(settings.NCASITE_BASE_URL).hostname or "localhost"

    def render(self, language: str, *, name=NAME, unsubscribe_url=UNSUBSCRIBE):
        context = {
            "issue": self.issue,
            "posts": self.posts,
            "site_name": settings.SITE_NAME,
            "base_url": settings.NCASITE_BASE_URL,
            "name": name,
            "unsubscribe_url": unsubscribe_url,
        }
        with translation.override(language):
            text = render_to_string("emails/issue.txt", context)
            html = css_inline.inline(render_to_string("emails/issue.html", context))
        return self.issue.subject, text, html

    def message_for(self, subscriber: Subscriber) -> EmailMultiAlternatives:
        language = subscriber.language or settings.LANGUAGE_CODE
        if language not in self.rendered:
            self.rendered[language] = self.render(language)
        subject, text, html = self.rendered[language]
        url = subscriber.unsubscribe_url()
        name = f" {subscriber.name}" if subscriber.name else ""
        text = text.replace(NAME, name).replace(UNSUBSCRIBE, url)
        html = html.replace(NAME, escape(name)).replace(UNSUBSCRIBE, escape(url))
        headers = {
            **subscriber_headers(subscriber, unsubscribe_url=url),
            "List-Id": f"{settings.SITE_NAME} newsletter <newsletter.{self.domain}>",
            "Message-ID": f"<{uuid.uuid4().hex}.issue{self.issue.pk}@{self.domain}>",
            "Precedence": "bulk",
        }
        message = EmailMultiAlternatives(subject, text, to=[subscriber.email], headers=headers)
        message.attach_alternative(html, "text/html")
        return message


def send_test(issue: Issue, *, to: str) -> None:
    """Send the issue to one address (an editor's), marked as a test, now."""
    subject, text, html = IssueContent(issue).render(
        settings.LANGUAGE_CODE, name="", unsubscribe_url=settings.NCASITE_BASE_URL + "/newsletter/"
    )
    message = EmailMultiAlternatives(f"[TEST] {subject}", text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
