import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from PIL import Image as Picture

from core.images import Rendition, make_renditions
from library.models import Image, Licence
from library.renditions import image_for_stored_file
from tests.conftest import image_upload

pytestmark = pytest.mark.django_db

RED, BLUE = (200, 30, 30), (20, 40, 220)


def valid_image(**overrides) -> Image:
    fields = {"title": "Rangers", "alt_text": "Two rangers on a river bank"} | overrides
    return Image(file=fields.pop("file", image_upload()), **fields)


# --- Validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("alt_text", ["", "   "])
def test_alt_text_is_required(alt_text):
    image = valid_image(alt_text=alt_text.strip())
    with pytest.raises(ValidationError) as error:
        image.full_clean()
    assert "alt_text" in error.value.message_dict


def test_database_refuses_an_image_without_alt_text_saved_in_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.create(title="No alt", alt_text="", file=image_upload())


@pytest.mark.parametrize("field", ["focal_x", "focal_y"])
@pytest.mark.parametrize("value", [-0.01, 1.01, 50.0])
def test_focal_point_outside_the_image_is_rejected(field, value):
    image = valid_image(**{field: value})
    with pytest.raises(ValidationError) as error:
        image.full_clean()
    assert field in error.value.message_dict


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_focal_point_on_the_edges_is_accepted(value):
    valid_image(focal_x=value, focal_y=value).full_clean()


def test_database_refuses_a_focal_point_outside_the_image(make_image):
    image = make_image()
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.filter(pk=image.pk).update(focal_x=2)


@pytest.mark.parametrize(
    "content",
    [b"", b"Just text, not a photo", b'<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ids=["empty", "text", "svg"],
)
def test_file_that_is_not_an_image_is_rejected_by_the_model(content):
    image = valid_image(file=ContentFile(content, name="photo.jpg"))
    with pytest.raises(ValidationError) as error:
        image.full_clean()
    assert "file" in error.value.message_dict


def test_title_defaults_to_the_file_name(make_image):
    assert make_image(title="", upload=image_upload(name="madre-de-dios.jpg")).title == (
        "madre-de-dios"
    )


def test_str_is_the_title(make_image):
    assert str(make_image(title="Peru joins")) == "Peru joins"


def test_only_open_licences_are_reusable(make_image):
    assert make_image(licence=Licence.CC_BY).is_reusable()
    assert not make_image(licence=Licence.PERMISSION).is_reusable()
    assert not make_image().is_reusable()  # unknown until an editor checks


# --- Renditions as data -------------------------------------------------------------------


def test_rendition_files_give_names_sizes_and_urls(make_image):
    image = make_image()
    files = image.rendition_files("article")
    assert list(files) == ["webp", "jpg"]
    assert [entry["width"] for entry in files["jpg"]] == [640, 960, 1280]
    for entry in files["jpg"]:
        assert entry["url"] == f"/media/{entry['name']}"
        assert default_storage.exists(entry["name"])
    assert image.rendition_url("article") == files["jpg"][-1]["url"]
    assert image.rendition_url("article", "webp") == files["webp"][-1]["url"]
    assert image.rendition_files("no-such-family") == {}
    assert image.rendition_url("no-such-family") == ""


# --- Focal point --------------------------------------------------------------------------


def wide_picture() -> bytes:
    """1600 × 400: red, but the right 10 % is blue."""
    picture = Picture.new("RGB", (1600, 400), RED)
    picture.paste(BLUE, (1440, 0, 1600, 400))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def has_blue(name: str) -> bool:
    with default_storage.open(name) as file, Picture.open(file) as picture:
        picture = picture.convert("RGB")
        colours = {picture.getpixel((x, picture.height // 2)) for x in range(picture.width)}
    return any(b > 150 and r < 100 for r, g, b in colours)


@pytest.fixture
def wide_image(make_image):
    def make(focal_x):
        upload = ContentFile(wide_picture(), name="wide.png")
        return make_image(upload=upload, focal_x=focal_x)

    return make


def test_crop_keeps_a_focal_point_at_the_right_edge(wide_image):
    image = wide_image(1.0)
    for family in ["card", "social"]:
        for entries in image.renditions[family].values():
            assert all(has_blue(entry["name"]) for entry in entries), family


def test_crop_with_focal_point_at_the_left_loses_the_right_edge(wide_image):
    image = wide_image(0.0)
    for entries in image.renditions["card"].values():
        assert not any(has_blue(entry["name"]) for entry in entries)


@pytest.mark.parametrize("focal_x,keeps_right_edge", [(1.0, True), (0.95, True), (0.0, False)])
def test_square_crop_follows_the_focal_point(wide_image, focal_x, keeps_right_edge):
    image = wide_image(focal_x)
    square = {"square": Rendition(widths=(300,), aspect=(1, 1), formats=("png",))}
    [entry] = make_renditions(image.file, square, focal_point=(focal_x, 0.5))["square"]["png"]
    assert (entry["width"], entry["height"]) == (300, 300)
    assert has_blue(entry["name"]) is keeps_right_edge


def test_uncropped_families_keep_the_whole_picture(wide_image):
    image = wide_image(0.0)
    assert all(has_blue(entry["name"]) for entry in image.renditions["article"]["jpg"])


def test_moving_the_focal_point_rebuilds_the_crops(wide_image):
    image = wide_image(0.0)
    before = image.renditions["card"]["jpg"][0]["name"]
    image.focal_x = 1.0
    image.save()
    image.refresh_from_db()
    after = image.renditions["card"]["jpg"][0]["name"]
    assert after != before and has_blue(after)


def test_saving_without_changes_keeps_the_renditions(make_image):
    image = make_image()
    reloaded = Image.objects.get(pk=image.pk)
    renditions = reloaded.renditions
    reloaded.credit = "New credit"
    reloaded.save()
    assert reloaded.renditions == renditions


# --- Uses and deletion --------------------------------------------------------------------


def test_uses_lists_posts_and_members_showing_the_image(make_image, make_post, make_organisation):
    image = make_image()
    post = make_post(image=image)
    member = make_organisation(logo=image)
    make_post(image=make_image())
    assert set(image.uses()) == {post, member}


def test_deleting_an_image_in_use_raises_protected_error(make_image, make_post):
    image = make_image()
    post = make_post(image=image)
    with pytest.raises(ProtectedError) as error, transaction.atomic():
        image.delete()
    assert list(error.value.protected_objects) == [post]
    assert Image.objects.filter(pk=image.pk).exists()


def test_deleting_a_logo_in_use_raises_protected_error(make_image, make_organisation):
    image = make_image()
    make_organisation(logo=image)
    with pytest.raises(ProtectedError), transaction.atomic():
        Image.objects.filter(pk=image.pk).delete()


def test_unused_image_can_be_deleted(make_image):
    image = make_image()
    image.delete()
    assert not Image.objects.exists()


# --- Moving stored files into the library (what the data migrations call) -----------------


def test_stored_file_becomes_a_library_image_in_place():
    name = default_storage.save("news/2024/05/old.jpg", image_upload())
    image = image_for_stored_file(
        Image, name, title="Old post", alt_text="An old photo", credit="Secretariat"
    )
    image.refresh_from_db()
    assert image.file.name == name  # not copied, not re-encoded
    assert (image.width, image.height) == (1600, 900)
    assert (image.alt_text, image.credit, image.focal_x) == ("An old photo", "Secretariat", 0.5)
    for family in ["thumb", "card", "article", "social", "logo"]:
        assert image.rendition_files(family), family
    again = image_for_stored_file(Image, name, title="Other", alt_text="Other")
    assert again.pk == image.pk and Image.objects.count() == 1


def test_missing_stored_file_is_skipped():
    assert image_for_stored_file(Image, "news/gone.jpg", title="Gone", alt_text="Gone") is None
    assert not Image.objects.exists()
