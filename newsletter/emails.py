"""The emails about a subscription (confirm, welcome) and the list headers every email carries."""

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Subscriber


def subscriber_headers(subscriber: Subscriber, *, unsubscribe_url: str = "") -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button."""
    mailto = f"mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe"
    url = unsubscribe_url or subscriber.unsubscribe_url()
    return {
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML (with its CSS inlined) from emails/<template>_*."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = css_inline.inline(render_to_string(f"emails/{template}.html", context))
    return subject, text, html


def build_subscriber_message(subscriber: Subscriber, kind: str) -> EmailMultiAlternatives:
    context = {
        "subscriber": subscriber,
        "site_name": settings.SITE_NAME,
        "base_url": settings.NCASITE_BASE_URL,
        "confirm_url": subscriber.confirmation_url(),
        "unsubscribe_url": subscriber.unsubscribe_url(),
        "confirmation_days": settings.NEWSLETTER_CONFIRMATION_DAYS,
    }
    with translation.override(subscriber.language):
        subject, text, html = render_email(kind, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[subscriber.email],
        headers=subscriber_headers(subscriber),
    )
    message.attach_alternative(html, "text/html")
    return message
