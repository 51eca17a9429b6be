from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from newsletter.models import Issue
from newsletter.tasks import send_issue_now


class Command(BaseCommand):
    help = (
        "Send every issue that is due: scheduled issues whose time has come and issues whose "
        "sending was interrupted. Workers do this on their own; run it to catch up by hand."
    )

    def handle(self, *args, **options):
        due = Issue.objects.filter(
            Q(status=Issue.Status.SENDING)
            | Q(status=Issue.Status.SCHEDULED, scheduled_for__lte=timezone.now())
        )
        for issue in due:
            send_issue_now(issue.pk)
            issue.refresh_from_db()
            self.stdout.write(f"{issue}: {issue.get_status_display()}, {issue.sent_count} sent")
