"""Video plays inline on phones; attachments download; the reading list stands beside."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lessons.models import Attachment, Reading, validate_video

from .conftest import png_bytes

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def test_video_plays_inline_with_poster_and_metadata_preload(org, client_for, make_lesson):
    lesson = make_lesson(
        "视频课",
        video=SimpleUploadedFile("talk.mp4", MP4, content_type="video/mp4"),
        cover=SimpleUploadedFile("c.png", png_bytes(), content_type="image/png"),
    )
    page = client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).text
    video = page[page.index("<video") : page.index("</video>")]
    for attribute in ("controls", "playsinline", 'preload="metadata"', "poster="):
        assert attribute in video


def test_a_file_that_is_not_mp4_is_refused_as_video():
    with pytest.raises(ValidationError):
        validate_video(SimpleUploadedFile("talk.mp4", b"<html>not a video</html>" * 4))


def test_attachments_are_served_as_downloads(org, client_for, make_lesson):
    lesson = make_lesson()
    attachment = Attachment.objects.create(
        lesson=lesson,
        title="学习材料",
        file=SimpleUploadedFile("notes.docx", b"PK\x03\x04 fake docx"),
    )
    client = client_for("member_a")
    assert "学习材料" in client.get(reverse("lessons:detail", args=[lesson.pk])).text
    response = client.get(attachment.file.url)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_recommended_reading_beside_the_list(org, client_for):
    Reading.objects.create(name="共产党员网", url="https://www.12371.cn/", description="党员教育")
    Reading.objects.create(name="已下线", url="https://example.com/", is_active=False)
    page = client_for("member_a").get(reverse("lessons:list")).text
    assert "共产党员网" in page and 'rel="noopener noreferrer"' in page
    assert "已下线" not in page
