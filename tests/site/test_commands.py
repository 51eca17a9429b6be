from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_ensure_editor_creates_staff_account_and_prints_login(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("ensure_editor", stdout=out)
    password = (tmp_path / "editor-password.txt").read_text().strip()
    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and not user.is_superuser
    assert user.check_password(password)
    assert user.groups.filter(name="Editors").exists()
    assert f"password: {password}" in out.getvalue()


def test_ensure_editor_twice_keeps_one_account_and_same_password(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("ensure_editor", stdout=StringIO())
    call_command("ensure_editor", stdout=StringIO())
    assert get_user_model().objects.filter(username="editor").count() == 1
    password = (tmp_path / "editor-password.txt").read_text().strip()
    assert get_user_model().objects.get(username="editor").check_password(password)


def test_load_demo_runs_twice(settings):
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())


def test_load_demo_fills_every_part_of_the_site_once():
    from members.models import Organisation
    from news.models import Post
    from newsletter.models import Issue

    call_command("load_demo", stdout=StringIO())
    counts = (Post.objects.count(), Organisation.objects.count(), Issue.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Post.objects.count(), Organisation.objects.count(), Issue.objects.count()) == counts
    assert Post.objects.published().count() >= 12
    assert Post.objects.filter(status=Post.Status.DRAFT).exists()
    assert (
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .exclude(pk__in=Post.objects.published())
        .exists()
    )
    assert Organisation.objects.current().count() >= 40
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind)
    assert set(Organisation.objects.values_list("region", flat=True)) == set(Organisation.Region)
    assert Organisation.objects.filter(posts__isnull=False).exists()
    assert Issue.objects.get().items.count() > 0


@pytest.mark.parametrize(
    "base_url,email",
    [
        ("http://127.0.0.1:8000", "editor@localhost"),
        ("http://[::1]:8000", "editor@localhost"),
        ("http://localhost:8000", "editor@localhost"),
        ("https://www.nature-alliance.example.org", "editor@nature-alliance.example.org"),
        ("https://news.example.org/", "editor@news.example.org"),
    ],
)
def test_ensure_editor_gives_an_email_at_the_site_domain(settings, tmp_path, base_url, email):
    settings.VAR_DIR = tmp_path
    settings.NCASITE_BASE_URL = base_url
    out = StringIO()
    call_command("ensure_editor", stdout=out)
    assert get_user_model().objects.get(username="editor").email == email
    assert f"email: {email}" in out.getvalue()


def test_ensure_editor_keeps_an_email_the_editor_chose(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("ensure_editor", stdout=StringIO())
    get_user_model().objects.filter(username="editor").update(email="me@example.org")
    call_command("ensure_editor", stdout=StringIO())
    assert get_user_model().objects.get(username="editor").email == "me@example.org"


def test_ensure_editor_uses_the_email_from_the_environment(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("ensure_editor", stdout=StringIO())
    settings.NCASITE_EDITOR_EMAIL = "desk@example.org"
    call_command("ensure_editor", stdout=StringIO())
    assert get_user_model().objects.get(username="editor").email == "desk@example.org"


def test_ensure_editor_refuses_a_configured_email_that_is_not_one(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.NCASITE_EDITOR_EMAIL = "not an address"
    with pytest.raises(CommandError, match="NCASITE_EDITOR_EMAIL"):
        call_command("ensure_editor", stdout=StringIO())


def test_make_runs_editor_can_send_a_newsletter_test_to_themselves(
    settings, tmp_path, client, make_post, mailoutbox
):
    from newsletter.models import Issue, IssueItem

    settings.VAR_DIR = tmp_path
    call_command("ensure_editor", stdout=StringIO())
    issue = Issue.objects.create(subject="Forest news", slug="forest-news")
    IssueItem.objects.create(issue=issue, post=make_post(title="Rangers meet"), position=1)
    client.force_login(get_user_model().objects.get(username="editor"))
    response = client.post(reverse("admin:newsletter_issue_send_test", args=[issue.pk]))
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == ["editor@localhost"]
    assert "Rangers meet" in message.body
    assert "A test was sent to editor@localhost." in client.get(response.url).content.decode()
