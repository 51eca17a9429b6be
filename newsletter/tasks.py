from django_tasks import task


@task()
def deliver_subscriber_email(email_id: int) -> None:
    from .sending import deliver_subscriber_email as deliver

    deliver(email_id)


@task()
def send_issue_task(issue_id: int) -> None:
    from .issue_sending import send_issue

    send_issue(issue_id)
