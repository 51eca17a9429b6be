import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make sure a local editor account exists and print its login. The password is made "
        "once and kept in var/editor-password.txt (git-ignored), never in the repository."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        password_file = settings.VAR_DIR / "editor-password.txt"
        password_file.parent.mkdir(parents=True, exist_ok=True)
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(12) + "\n")
            password_file.chmod(0o600)
        password = password_file.read_text().strip()

        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True}
        )
        if created or not user.check_password(password) or not user.is_staff:
            user.is_staff = True
            user.set_password(password)
            user.save()
        editors, _ = Group.objects.get_or_create(name="Editors")
        user.groups.add(editors)

        self.stdout.write(
            self.style.SUCCESS(
                f"Editor login: http://127.0.0.1:8000/admin/  user: {username}  "
                f"password: {password}"
            )
        )
