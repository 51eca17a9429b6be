import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from library.models import Image as LibraryImage
from tests.conftest import image_upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
]

ADD_URL = "/admin/library/image/add/"
EXIF_MAKE, EXIF_SOFTWARE, EXIF_ORIENTATION = 0x010F, 0x0131, 0x0112


def noisy_jpeg(width=1600, height=900, **save_options) -> bytes:
    """A JPEG whose scan data is large, so cutting it leaves a decodable header."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def first_half(content: bytes) -> bytes:
    return content[: len(content) // 2]


def jpeg_with_exif(width=1600, height=900, orientation=1) -> bytes:
    exif = Image.Exif()
    exif[EXIF_MAKE] = "SpyCam 3000"
    exif[EXIF_SOFTWARE] = "Leaky editor"
    exif[EXIF_ORIENTATION] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#3a7d44").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png_header(width: int, height: int) -> bytes:
    """A tiny file that claims to be an enormous 1-bit PNG."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def png_bytes(width, height, mode="1") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def image_form_data(**overrides):
    """The library's add form as an editor fills it in, without the file."""
    return {
        "title": "",
        "alt_text": "A pangolin on a branch",
        "credit": "",
        "licence": "unknown",
        "focal_x": "0.5",
        "focal_y": "0.5",
    } | overrides


def upload_image(editor_client, image, **overrides):
    return editor_client.post(ADD_URL, image_form_data(file=image, **overrides))


def image_errors(response):
    assert response.status_code == 200, "the upload was accepted"
    return " ".join(response.context["adminform"].form.errors.get("file", []))


# --- Rejected uploads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(lambda: upload("photo.jpg", b"Just some text, not a photo.\n"), id="text"),
        pytest.param(lambda: upload("photo.jpg", first_half(noisy_jpeg())), id="truncated-jpeg"),
        pytest.param(
            lambda: upload(
                "logo.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                b'<script>alert(1)</script><rect width="10" height="10"/></svg>',
                "image/svg+xml",
            ),
            id="svg",
        ),
        pytest.param(
            lambda: upload("logo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
            id="svg-renamed",
        ),
        pytest.param(lambda: upload("empty.jpg", b""), id="empty"),
    ],
)
def test_unreadable_upload_gives_form_error_and_saves_nothing(editor_client, settings, image):
    response = upload_image(editor_client, image())
    assert image_errors(response)
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


def test_truncated_jpeg_is_reported_as_damaged(editor_client):
    truncated = upload("photo.jpg", first_half(noisy_jpeg()))
    response = upload_image(editor_client, truncated)
    assert "damaged or incomplete" in image_errors(response)


def test_image_in_unaccepted_format_names_the_format(editor_client, settings):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "#3a7d44").save(buffer, "TIFF")
    response = upload_image(editor_client, upload("scan.tif", buffer.getvalue()))
    assert "this file is TIFF" in image_errors(response)
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


def test_decompression_bomb_gives_too_large_error(editor_client, settings):
    bomb = upload("bomb.png", png_bytes(10_000, 10_000), "image/png")
    response = upload_image(editor_client, bomb)
    assert "too large" in image_errors(response)
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


def test_palette_decompression_bomb_is_rejected(editor_client, settings):
    bomb = upload("bomb.png", png_bytes(10_000, 10_000, mode="P"), "image/png")
    response = upload_image(editor_client, bomb)
    assert "too large" in image_errors(response)
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


def test_image_above_configured_pixel_limit_is_rejected(editor_client, settings):
    settings.NCASITE_MAX_IMAGE_PIXELS = 1_000_000
    response = upload_image(editor_client, image_upload(width=1200, height=900))
    assert "1200 × 900" in image_errors(response)
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


def test_image_at_configured_pixel_limit_is_accepted(editor_client, settings):
    settings.NCASITE_MAX_IMAGE_PIXELS = 1_000_000
    response = upload_image(editor_client, image_upload(width=1000, height=1000))
    assert response.status_code == 302
    assert LibraryImage.objects.get().file


def test_gigantic_image_header_is_rejected(editor_client, settings):
    bomb = upload("bomb.png", huge_png_header(50_000, 50_000), "image/png")
    response = upload_image(editor_client, bomb)
    assert image_errors(response)
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


def test_gigantic_image_is_reported_as_too_large(editor_client):
    bomb = upload("bomb.png", huge_png_header(50_000, 50_000), "image/png")
    response = upload_image(editor_client, bomb)
    assert "too large" in image_errors(response)


@pytest.mark.parametrize("alt_text", ["", "   "])
def test_image_without_alt_text_gives_error_on_alt(editor_client, settings, alt_text):
    response = upload_image(editor_client, image_upload(), alt_text=alt_text)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["alt_text"]
    assert not LibraryImage.objects.exists()
    assert stored_files(settings) == []


# --- Accepted uploads ---------------------------------------------------------------------


@pytest.fixture
def uploaded(editor_client):
    image = upload("holiday.jpg", jpeg_with_exif())
    response = upload_image(editor_client, image, credit="Ana Quispe / AFN")
    assert response.status_code == 302
    return LibraryImage.objects.get()


def test_upload_makes_every_rendition_family(uploaded, settings):
    renditions = uploaded.renditions
    assert {"thumb", "card", "article", "social", "logo"} <= set(renditions)
    assert set(renditions["card"]) == {"webp", "jpg"}
    assert set(renditions["article"]) == {"webp", "jpg"}
    assert set(renditions["social"]) == {"jpg"}
    assert set(renditions["logo"]) == {"webp", "png"}
    for family in ["thumb", "card", "article", "social", "logo"]:
        for entries in renditions[family].values():
            for entry in entries:
                assert default_storage.exists(entry["name"]), entry
    # The re-encoded original, 1 thumb, 2×2 card, 3×2 article, 1 social and 2×2 logo
    # renditions; no raw upload.
    assert len(stored_files(settings)) == 17
    assert Path(settings.MEDIA_ROOT, uploaded.file.name).is_file()


def test_upload_records_who_uploaded_it_and_its_size(uploaded, editor):
    assert uploaded.uploaded_by == editor
    assert (uploaded.width, uploaded.height) == (1600, 900)
    assert uploaded.title == "holiday"  # from the file name when left empty


def test_rendition_files_have_their_format_and_size(uploaded):
    renditions = uploaded.renditions
    assert [e["width"] for e in renditions["card"]["jpg"]] == [400, 800]
    assert [e["height"] for e in renditions["card"]["jpg"]] == [225, 450]
    assert [e["width"] for e in renditions["article"]["webp"]] == [640, 960, 1280]
    assert [(e["width"], e["height"]) for e in renditions["social"]["jpg"]] == [(1200, 630)]
    for fmt, pillow_format in [("jpg", "JPEG"), ("webp", "WEBP")]:
        for entry in renditions["article"][fmt]:
            with default_storage.open(entry["name"]) as file, Image.open(file) as image:
                assert image.format == pillow_format
                assert image.size == (entry["width"], entry["height"])


def test_upload_is_reencoded_without_metadata(uploaded):
    with uploaded.file.open("rb") as file:
        content = file.read()
    assert b"SpyCam" not in content
    assert b"Leaky editor" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


def test_sideways_photo_is_stored_upright(editor_client):
    image = upload("sideways.jpg", jpeg_with_exif(1600, 900, orientation=6))
    assert upload_image(editor_client, image).status_code == 302
    stored = LibraryImage.objects.get()
    assert (stored.file.width, stored.file.height) == (900, 1600)
    assert (stored.width, stored.height) == (900, 1600)


def test_transparent_png_stays_png(editor_client):
    buffer = io.BytesIO()
    Image.new("RGBA", (800, 600), (10, 20, 30, 0)).save(buffer, "PNG")
    image = upload("logo.png", buffer.getvalue(), "image/png")
    assert upload_image(editor_client, image).status_code == 302
    stored = LibraryImage.objects.get()
    assert stored.file.name.endswith(".png")
    with stored.file.open("rb") as file, Image.open(file) as picture:
        assert picture.mode == "RGBA"


def change_url(image):
    return reverse("admin:library_image_change", args=[image.pk])


def test_saving_again_keeps_file_and_renditions(editor_client, uploaded):
    renditions, name = uploaded.renditions, uploaded.file.name
    data = image_form_data(title="Edited title", alt_text="A pangolin on a mossy branch")
    assert editor_client.post(change_url(uploaded), data).status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.title == "Edited title"
    assert uploaded.alt_text == "A pangolin on a mossy branch"
    assert uploaded.file.name == name
    assert uploaded.renditions == renditions


def test_new_file_replaces_renditions(editor_client, uploaded):
    old = uploaded.renditions["card"]["jpg"][0]["name"]
    new_file = image_upload(name="second.jpg", width=1000, height=1000)
    response = editor_client.post(change_url(uploaded), image_form_data(file=new_file))
    assert response.status_code == 302
    uploaded.refresh_from_db()
    assert (uploaded.width, uploaded.height) == (1000, 1000)
    assert uploaded.renditions["card"]["jpg"][0]["name"] != old
    assert uploaded.renditions["card"]["jpg"][0]["width"] == 400


def test_image_created_in_code_gets_renditions(make_image):
    image = make_image(alt_text="Trees")
    assert set(image.renditions["card"]) == {"webp", "jpg"}
    assert default_storage.exists(image.file.name)


# --- Images on pages ----------------------------------------------------------------------


@pytest.fixture
def uploaded_post(make_post, uploaded):
    return make_post(image=uploaded, image_caption="On patrol at dawn.")


def test_post_page_renders_responsive_picture_with_library_alt_text(client, uploaded_post):
    html = client.get(uploaded_post.get_absolute_url()).content.decode()
    picture = re.search(r"<picture.*?</picture>", html, re.S).group(0)
    assert '<source type="image/webp" srcset="' in picture
    img = re.search(r"<img [^>]*>", picture).group(0)
    assert re.search(r'srcset="[^"]+ 640w, [^"]+ 960w, [^"]+ 1280w"', img)
    assert 'width="1280"' in img and 'height="720"' in img
    assert 'alt="A pangolin on a branch"' in img
    assert 'fetchpriority="high"' in img
    assert 'loading="lazy"' not in img
    assert "On patrol at dawn." in html
    assert "Photo: Ana Quispe / AFN" in html


def test_post_page_follows_an_edited_alt_text(client, uploaded_post):
    uploaded_post.image.alt_text = "A pangolin curled up on a branch"
    uploaded_post.image.save()
    html = client.get(uploaded_post.get_absolute_url()).content.decode()
    assert 'alt="A pangolin curled up on a branch"' in html


def test_post_page_shares_social_image(client, uploaded_post):
    html = client.get(uploaded_post.get_absolute_url()).content.decode()
    social = uploaded_post.image.renditions["social"]["jpg"][0]["name"]
    assert f'<meta property="og:image" content="http://testserver/media/{social}">' in html
    assert '<meta property="og:image:alt" content="A pangolin on a branch">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_list_page_lazy_loads_card_images(client, uploaded_post):
    html = client.get("/news/").content.decode()
    img = re.search(r'<picture class="post-card__image">.*?(<img [^>]*>)', html, re.S).group(1)
    assert 'loading="lazy"' in img
    assert re.search(r'srcset="[^"]+ 400w, [^"]+ 800w"', img)
    assert 'width="800"' in img and 'height="450"' in img
    assert 'alt="A pangolin on a branch"' in img


def test_post_admin_change_page_previews_chosen_image(editor_client, uploaded_post):
    url = reverse("admin:news_post_change", args=[uploaded_post.pk])
    html = editor_client.get(url).content.decode()
    card = uploaded_post.image.rendition_url("card")
    preview = re.search(r'<div class="image-chooser-preview".*?</div>', html, re.S).group(0)
    assert f'<img src="{card}" alt="">' in preview
    assert "A pangolin on a branch" in preview
