import threading

import pytest
from django.db import connection
from django.test import Client

from news.models import Post

from .conftest import change_url

pytestmark = pytest.mark.django_db


def test_every_save_counts_up_the_edit_version(make_post):
    post = make_post()
    assert post.edit_version == 1
    post.save()
    post.refresh_from_db()
    assert post.edit_version == 2
    post.rotate_preview_key()  # revoking preview links is no edit of the text
    post.refresh_from_db()
    assert post.edit_version == 2


def test_change_form_carries_the_version_it_was_opened_at(editor_client, make_post):
    post = make_post(status=Post.Status.DRAFT)
    html = editor_client.get(change_url(post)).content.decode()
    assert f'name="edit_version_seen" value="{post.edit_version}"' in html


def test_stale_save_is_refused_and_the_typed_text_is_kept(
    editor_client, make_user, make_post, post_change_data
):
    post = make_post(status=Post.Status.DRAFT, title="Original")
    opened_at = post_change_data(post, title="My careful rewrite", body="<p>My new text.</p>")
    ana = Client()
    ana.force_login(make_user("ana", group="Editors", first_name="Ana"))
    assert ana.post(change_url(post), post_change_data(post, title="Ana's")).status_code == 302

    response = editor_client.post(change_url(post), opened_at)
    assert response.status_code == 200
    form = response.context["adminform"].form
    [error] = form.non_field_errors()
    assert error.startswith("Ana saved this post at ")
    assert "Your text is kept below" in error
    assert form["title"].value() == "My careful rewrite"
    assert form["body"].value() == "<p>My new text.</p>"
    assert Post.objects.get(pk=post.pk).title == "Ana's"


def test_save_at_the_current_version_passes(editor_client, make_post, post_change_data):
    post = make_post(status=Post.Status.DRAFT)
    response = editor_client.post(change_url(post), post_change_data(post, title="Fine"))
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).edit_version == post.edit_version + 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_at_one_version_let_exactly_one_win(
    make_user, make_post, post_change_data
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks; SQLite serialises writers instead")
    post = make_post(status=Post.Status.DRAFT)
    users = [make_user(f"writer{n}", group="Editors") for n in range(2)]
    data = [post_change_data(post, title=f"Writer {n}") for n in range(2)]
    start = threading.Barrier(2)
    statuses = [None, None]

    def save(n):
        try:
            client = Client()
            client.force_login(users[n])
            start.wait()
            statuses[n] = client.post(change_url(post), data[n]).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 302]
    post.refresh_from_db()
    winner = statuses.index(302)
    assert post.title == f"Writer {winner}"
    assert post.edit_version == 2


def test_a_version_ahead_of_the_row_is_refused_too(editor_client, make_post, post_change_data):
    """A crafted version number larger than the row's cannot skip the check."""
    post = make_post(status=Post.Status.DRAFT, title="Original")
    data = post_change_data(post, title="Pushed through", edit_version_seen=post.edit_version + 5)
    response = editor_client.post(change_url(post), data)
    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).title == "Original"
