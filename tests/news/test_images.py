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

from news.models import Post
from tests.conftest import image_upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
]

ADD_URL = "/admin/news/post/add/"
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


def post_with_image(editor_client, post_form_data, image, **overrides):
    data = post_form_data(image=image, image_alt="A pangolin on a branch", **overrides)
    return editor_client.post(ADD_URL, data)


def image_errors(response):
    assert response.status_code == 200, "the upload was accepted"
    return " ".join(response.context["adminform"].form.errors.get("image", []))


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
def test_unreadable_upload_gives_form_error_and_saves_nothing(
    editor_client, post_form_data, settings, image
):
    response = post_with_image(editor_client, post_form_data, image())
    assert image_errors(response)
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_truncated_jpeg_is_reported_as_damaged(editor_client, post_form_data):
    truncated = upload("photo.jpg", first_half(noisy_jpeg()))
    response = post_with_image(editor_client, post_form_data, truncated)
    assert "damaged or incomplete" in image_errors(response)


def test_image_in_unaccepted_format_names_the_format(editor_client, post_form_data, settings):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "#3a7d44").save(buffer, "TIFF")
    response = post_with_image(editor_client, post_form_data, upload("scan.tif", buffer.getvalue()))
    assert "this file is TIFF" in image_errors(response)
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_decompression_bomb_gives_too_large_error(editor_client, post_form_data, settings):
    bomb = upload("bomb.png", png_bytes(10_000, 10_000), "image/png")
    response = post_with_image(editor_client, post_form_data, bomb)
    assert "too large" in image_errors(response)
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_palette_decompression_bomb_is_rejected(editor_client, post_form_data, settings):
    bomb = upload("bomb.png", png_bytes(10_000, 10_000, mode="P"), "image/png")
    response = post_with_image(editor_client, post_form_data, bomb)
    assert "too large" in image_errors(response)
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_image_above_configured_pixel_limit_is_rejected(editor_client, post_form_data, settings):
    settings.NCASITE_MAX_IMAGE_PIXELS = 1_000_000
    response = post_with_image(editor_client, post_form_data, image_upload(width=1200, height=900))
    assert "1200 × 900" in image_errors(response)
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_image_at_configured_pixel_limit_is_accepted(editor_client, post_form_data, settings):
    settings.NCASITE_MAX_IMAGE_PIXELS = 1_000_000
    response = post_with_image(editor_client, post_form_data, image_upload(width=1000, height=1000))
    assert response.status_code == 302
    assert Post.objects.get().image


def test_gigantic_image_header_is_rejected(editor_client, post_form_data, settings):
    bomb = upload("bomb.png", huge_png_header(50_000, 50_000), "image/png")
    response = post_with_image(editor_client, post_form_data, bomb)
    assert image_errors(response)
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_gigantic_image_is_reported_as_too_large(editor_client, post_form_data):
    bomb = upload("bomb.png", huge_png_header(50_000, 50_000), "image/png")
    response = post_with_image(editor_client, post_form_data, bomb)
    assert "too large" in image_errors(response)


def test_image_without_alt_text_gives_error_on_alt(editor_client, post_form_data, settings):
    data = post_form_data(image=image_upload(), image_alt="   ")
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "alt text" in " ".join(errors["image_alt"])
    assert not Post.objects.exists()
    assert stored_files(settings) == []


# --- Accepted uploads ---------------------------------------------------------------------


@pytest.fixture
def uploaded_post(editor_client, post_form_data):
    image = upload("holiday.jpg", jpeg_with_exif())
    response = post_with_image(editor_client, post_form_data, image, _action="publish")
    assert response.status_code == 302
    return Post.objects.get()


def test_upload_makes_every_rendition_family(uploaded_post, settings):
    renditions = uploaded_post.image_renditions
    assert {"card", "article", "social"} <= set(renditions)
    assert set(renditions["card"]) == {"webp", "jpg"}
    assert set(renditions["article"]) == {"webp", "jpg"}
    assert set(renditions["social"]) == {"jpg"}
    for family in ["card", "article", "social"]:
        for entries in renditions[family].values():
            for entry in entries:
                assert default_storage.exists(entry["name"]), entry
    # The re-encoded original and 2×2 card, 3×2 article and 1 social renditions; no raw upload.
    assert len(stored_files(settings)) == 12
    assert Path(settings.MEDIA_ROOT, uploaded_post.image.name).is_file()


def test_rendition_files_have_their_format_and_size(uploaded_post):
    renditions = uploaded_post.image_renditions
    assert [e["width"] for e in renditions["card"]["jpg"]] == [400, 800]
    assert [e["height"] for e in renditions["card"]["jpg"]] == [225, 450]
    assert [e["width"] for e in renditions["article"]["webp"]] == [640, 960, 1280]
    assert [(e["width"], e["height"]) for e in renditions["social"]["jpg"]] == [(1200, 630)]
    for fmt, pillow_format in [("jpg", "JPEG"), ("webp", "WEBP")]:
        for entry in renditions["article"][fmt]:
            with default_storage.open(entry["name"]) as file, Image.open(file) as image:
                assert image.format == pillow_format
                assert image.size == (entry["width"], entry["height"])


def test_upload_is_reencoded_without_metadata(uploaded_post):
    with uploaded_post.image.open("rb") as file:
        content = file.read()
    assert b"SpyCam" not in content
    assert b"Leaky editor" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


def test_sideways_photo_is_stored_upright(editor_client, post_form_data):
    image = upload("sideways.jpg", jpeg_with_exif(1600, 900, orientation=6))
    assert post_with_image(editor_client, post_form_data, image).status_code == 302
    post = Post.objects.get()
    assert (post.image.width, post.image.height) == (900, 1600)


def test_transparent_png_stays_png(editor_client, post_form_data):
    buffer = io.BytesIO()
    Image.new("RGBA", (800, 600), (10, 20, 30, 0)).save(buffer, "PNG")
    image = upload("logo.png", buffer.getvalue(), "image/png")
    assert post_with_image(editor_client, post_form_data, image).status_code == 302
    post = Post.objects.get()
    assert post.image.name.endswith(".png")
    with post.image.open("rb") as file, Image.open(file) as stored:
        assert stored.mode == "RGBA"


def test_saving_again_keeps_image_and_renditions(editor_client, post_form_data, uploaded_post):
    renditions = uploaded_post.image_renditions
    name = uploaded_post.image.name
    data = post_form_data(
        title="Edited title",
        slug=uploaded_post.slug,
        category=uploaded_post.category_id,
        _action="update",
        image_alt=uploaded_post.image_alt,
    )
    url = reverse("admin:news_post_change", args=[uploaded_post.pk])
    assert editor_client.post(url, data).status_code == 302
    uploaded_post.refresh_from_db()
    assert uploaded_post.title == "Edited title"
    assert uploaded_post.image.name == name
    assert uploaded_post.image_renditions == renditions


def test_clearing_image_drops_renditions(editor_client, post_form_data, uploaded_post):
    data = post_form_data(
        slug=uploaded_post.slug,
        category=uploaded_post.category_id,
        _action="update",
        **{"image-clear": "on"},
    )
    url = reverse("admin:news_post_change", args=[uploaded_post.pk])
    assert editor_client.post(url, data).status_code == 302
    uploaded_post.refresh_from_db()
    assert not uploaded_post.image
    assert uploaded_post.image_renditions == {}


# --- Images on pages ----------------------------------------------------------------------


def test_post_page_renders_responsive_picture(client, uploaded_post):
    html = client.get(uploaded_post.get_absolute_url()).content.decode()
    picture = re.search(r"<picture.*?</picture>", html, re.S).group(0)
    assert '<source type="image/webp" srcset="' in picture
    img = re.search(r"<img [^>]*>", picture).group(0)
    assert re.search(r'srcset="[^"]+ 640w, [^"]+ 960w, [^"]+ 1280w"', img)
    assert 'width="1280"' in img and 'height="720"' in img
    assert 'alt="A pangolin on a branch"' in img
    assert 'fetchpriority="high"' in img
    assert 'loading="lazy"' not in img


def test_post_page_shares_social_image(client, uploaded_post):
    html = client.get(uploaded_post.get_absolute_url()).content.decode()
    social = uploaded_post.image_renditions["social"]["jpg"][0]["name"]
    assert f'<meta property="og:image" content="http://testserver/media/{social}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_list_page_lazy_loads_card_images(client, uploaded_post):
    html = client.get("/news/").content.decode()
    img = re.search(r'<picture class="post-card__image">.*?(<img [^>]*>)', html, re.S).group(1)
    assert 'loading="lazy"' in img
    assert re.search(r'srcset="[^"]+ 400w, [^"]+ 800w"', img)
    assert 'width="800"' in img and 'height="450"' in img


def test_admin_change_page_previews_image(editor_client, uploaded_post):
    url = reverse("admin:news_post_change", args=[uploaded_post.pk])
    html = editor_client.get(url).content.decode()
    card = uploaded_post.image_renditions["card"]["jpg"][0]
    assert f'<img src="/media/{card["name"]}" width="400" height="225" alt="">' in html


def test_post_created_in_code_gets_renditions(make_post):
    post = make_post(image=image_upload(), image_alt="Trees")
    assert set(post.image_renditions["card"]) == {"webp", "jpg"}
    assert default_storage.exists(post.image.name)
