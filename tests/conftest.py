import io
from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from news.models import Category, Post

_sequence = count(1)


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def image_bytes(width=1600, height=900, fmt="JPEG", colour="#3a7d44") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")


@pytest.fixture
def make_category(db):
    def make(**overrides):
        n = next(_sequence)
        fields = {"name": f"Category {n}", "slug": f"category-{n}"} | overrides
        return Category.objects.create(**fields)

    return make


@pytest.fixture
def make_post(db, make_category):
    """Make a post; published an hour ago unless told otherwise."""

    def make(**overrides):
        n = next(_sequence)
        fields = {
            "title": f"Post number {n}",
            "standfirst": f"Summary of post {n}.",
            "body": f"<p>Body of post {n}.</p>",
            "status": Post.Status.PUBLISHED,
            "published_at": timezone.now() - timedelta(hours=1, minutes=n),
        } | overrides
        if "category" not in fields:
            fields["category"] = make_category()
        return Post.objects.create(**fields)

    return make


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, *, group=None, **fields):
        user = django_user_model.objects.create_user(
            username=username, password="correct horse battery staple", is_staff=True, **fields
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def editor(make_user):
    return make_user("editor", group="Editors")


@pytest.fixture
def contributor(make_user):
    return make_user("contributor", group="Contributors")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client
