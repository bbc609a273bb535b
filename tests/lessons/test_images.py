"""Cover uploads: real pictures of allowed types only, re-encoded, with renditions."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lessons.models import Lesson
from members import images

from .conftest import png_bytes

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def upload(data: bytes, name: str = "cover.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    "data, name, code",
    [
        (b"just some text, not a picture", "cover.png", "invalid"),
        (SVG, "cover.svg", "svg"),
        (SVG, "cover.png", "svg"),  # an SVG in disguise
        (PNG_SIGNATURE + b"<html><script>alert(1)</script></html>", "cover.png", "invalid"),
        (b"%PDF-1.4 not an image", "cover.jpg", "invalid"),
    ],
    ids=["text", "svg", "svg-renamed", "png-header-then-html", "pdf"],
)
def test_validate_image_refuses_what_is_not_a_picture(data, name, code):
    with pytest.raises(ValidationError) as error:
        images.validate_image(upload(data, name))
    assert error.value.code == code


def test_validate_image_refuses_oversized_files(monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError) as error:
        images.validate_image(upload(png_bytes(size=(400, 400)) + b"\0" * 2000))
    assert error.value.code == "too_large"


def test_validate_image_refuses_too_many_pixels(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    with pytest.raises(ValidationError) as error:
        images.validate_image(upload(png_bytes(size=(200, 200))))
    assert error.value.code == "too_many_pixels"


def test_decompression_bomb_is_refused_with_a_message(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow raises above twice this
    with pytest.raises(ValidationError) as error:
        images.validate_image(upload(png_bytes(size=(100, 100))))
    assert error.value.code == "bomb"
    assert "decompression bomb" in str(error.value.messages[0])


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_allowed_formats_pass(fmt):
    mode = "P" if fmt == "GIF" else "RGB"
    images.validate_image(upload(png_bytes(fmt=fmt, mode=mode), name=f"c.{fmt.lower()}"))


def test_valid_png_with_html_appended_is_stored_reencoded(org, make_lesson):
    polyglot = png_bytes() + b"<html><script>alert(1)</script></html>"
    images.validate_image(upload(polyglot))  # a naive check lets it through...
    lesson = make_lesson("有封面的课程", cover=upload(polyglot))
    with lesson.cover.open("rb") as stored:
        data = stored.read()
    assert b"<script" not in data  # ...but re-encoding drops the passenger
    assert lesson.cover.name.endswith(".jpg")


def test_renditions_are_made_at_phone_widths(org, make_lesson):
    lesson = make_lesson("大封面", cover=upload(png_bytes(size=(1600, 900))))
    lesson.refresh_from_db()
    assert sorted(k for k in lesson.cover_renditions if k.isdigit()) == ["1080", "360", "720"]
    assert lesson.cover_renditions["w"] == "1600"
    small = lesson.cover_renditions["360"]
    with lesson.cover.storage.open(small, "rb") as stored, Image.open(stored) as image:
        assert image.format == "WEBP" and image.width == 360
    assert "360w" in lesson.cover_srcset and "1080w" in lesson.cover_srcset


def test_small_picture_is_never_enlarged(org, make_lesson):
    lesson = make_lesson("小封面", cover=upload(png_bytes(size=(500, 300))))
    lesson.refresh_from_db()
    assert sorted(int(k) for k in lesson.cover_renditions if k.isdigit()) == [360, 500]


def test_lesson_page_uses_srcset_and_loads_the_cover_first(org, client_for, make_lesson):
    lesson = make_lesson("带封面", cover=upload(png_bytes(size=(1200, 600))))
    page = client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).text
    # The cover is at the top of the page, its largest picture: lazy loading would delay it.
    assert 'srcset="' in page and 'sizes="' in page and 'fetchpriority="high"' in page


def _admin_add(client, org, series, cover):
    return client.post(
        reverse("admin:lessons_lesson_add"),
        {
            "title": "后台新建",
            "series": series.pk,
            "unit": org.committee.pk,
            "summary": "",
            "body": "<p>正文</p><script>x()</script>",
            "reading_minutes": 5,
            "status": Lesson.Status.PUBLISHED,
            "audience_all": "on",
            "cover": cover,
            "lessonaudience_set-TOTAL_FORMS": 0,
            "lessonaudience_set-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0,
            "questions-INITIAL_FORMS": 0,
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
        },
    )


def test_admin_refuses_svg_cover_with_a_message_and_writes_nothing(org, client_for, series):
    response = _admin_add(client_for("organiser"), org, series, upload(SVG, "cover.svg"))
    assert response.status_code == 200
    assert "SVG images are not accepted" in response.text
    assert not Lesson.objects.filter(title="后台新建").exists()


def test_admin_accepts_a_real_picture_and_sanitises_body(org, client_for, series):
    response = _admin_add(client_for("organiser"), org, series, upload(png_bytes()))
    assert response.status_code == 302, response.text[:2000]
    lesson = Lesson.objects.get(title="后台新建")
    assert "<script" not in lesson.body and lesson.cover_renditions


def test_reencode_keeps_transparency_as_png():
    out = images.reencode(upload(png_bytes(mode="RGBA", colour=(0, 0, 0, 0))))
    assert out.name.endswith(".png")
    with Image.open(io.BytesIO(out.read())) as image:
        assert image.mode == "RGBA"
