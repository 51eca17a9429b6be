import ipaddress
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email


def site_email(local_part: str) -> str:
    """Make an address at the public site's domain; `localhost` when it has no domain name."""
    host = (urlsplit(settings.NCASITE_BASE_URL).hostname or "").removeprefix("www.")
    try:
        ipaddress.ip_address(host)
        host = ""
    except ValueError:
        pass
    address = f"{local_part}@{host or 'localhost'}"
    try:
        validate_email(address)
    except ValidationError:
        return f"{local_part}@localhost"
    return address


class Command(BaseCommand):
    help = (
        "Make sure a local editor account exists and print its login. The password is made "
        "once and kept in var/editor-password.txt (git-ignored), never in the repository. "
        "The editor's email is NCASITE_EDITOR_EMAIL when set, else the one the account has, "
        "else editor@ the domain of NCASITE_BASE_URL (editor@localhost on 127.0.0.1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        password = self.password()
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True}
        )
        email = settings.NCASITE_EDITOR_EMAIL or user.email or site_email(username)
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"NCASITE_EDITOR_EMAIL is not an email address: {email!r}") from None
        if created or not user.check_password(password) or not user.is_staff:
            user.is_staff = True
            user.set_password(password)
            user.save()
        if user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        editors, _ = Group.objects.get_or_create(name="Editors")
        user.groups.add(editors)

        self.stdout.write(
            self.style.SUCCESS(
                f"Editor login: http://127.0.0.1:8000/admin/  user: {username}  "
                f"password: {password}  email: {email}"
            )
        )

    def password(self) -> str:
        password_file = settings.VAR_DIR / "editor-password.txt"
        password_file.parent.mkdir(parents=True, exist_ok=True)
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(12) + "\n")
            password_file.chmod(0o600)
        return password_file.read_text().strip()
