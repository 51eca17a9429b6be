from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
