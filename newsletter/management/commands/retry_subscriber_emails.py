from django.core.management.base import BaseCommand

from newsletter.tasks import retry_due_subscriber_emails


class Command(BaseCommand):
    help = (
        "Hand confirmation and welcome emails that are still owed (their worker died, or the "
        "mail server was down) back to the task queue. Safe to run at any time."
    )

    def handle(self, *args, **options):
        count = retry_due_subscriber_emails()
        self.stdout.write(f"{count} owed email(s) queued again.")
