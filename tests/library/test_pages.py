"""Public pages read library images through joins: their query counts do not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def add_content(make_post, make_organisation, images, category, count):
    """Posts and members that show the library's images (shared: the joins are the same)."""
    logo, photo = images
    for n in range(count):
        member = make_organisation(name=f"Member {n}", logo=logo)
        make_post(category=category, image=photo).organisations.add(member)


@pytest.mark.parametrize(
    "url",
    ["/", "/news/", "/news/the-story/", "/members/", "/members/forest-watch/", "/search/?q=story"],
)
def test_pages_with_library_images_ask_a_fixed_number_of_queries(
    client, make_post, make_category, make_organisation, make_image, url, django_assert_num_queries
):
    category = make_category()
    logo = make_image(alt_text="Logo of Forest Watch")
    member = make_organisation(name="Forest Watch", slug="forest-watch", logo=logo)
    photo = make_image(alt_text="Rangers on patrol")
    make_post(
        title="The story", slug="the-story", category=category, image=photo
    ).organisations.add(member)
    add_content(make_post, make_organisation, (logo, photo), category, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert response.status_code == 200
    assert len(small) <= 6
    add_content(make_post, make_organisation, (logo, photo), category, 30)
    with django_assert_num_queries(len(small)):
        html = client.get(url).text
    assert "<img" in html


def test_member_page_and_directory_show_library_logo(client, make_organisation, make_image):
    logo = make_image(alt_text="Logo of Forest Watch")
    member = make_organisation(name="Forest Watch", logo=logo)
    page = client.get(member.get_absolute_url()).text
    assert 'alt="Logo of Forest Watch"' in page
    directory = client.get("/members/").text
    assert logo.rendition_files("logo")["png"][0]["url"] in directory
