"""A draft newsletter issue for `manage.py load_demo`, so editors can try sending one."""

from .models import Issue


def load(*, stdout) -> None:
    issue, created = Issue.objects.get_or_create(
        slug="demo-round-up",
        defaults={
            "subject": "This month at the alliance",
            "preheader": "New members, a joint investigation and how gold is laundered",
            "intro": "<p>Welcome to our round-up of the month's news from the alliance.</p>",
        },
    )
    if created:
        issue.add_posts_since_last_issue()
    stdout.write(f"Newsletter: draft issue “{issue.subject}” with {issue.items.count()} posts.")
