"""Photos of a post: up to nine real pictures, re-encoded; anything else refuses the whole
post with a message, and nothing is written (no post, no photo row, no file)."""

from __future__ import annotations

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from sharing.models import Photo, Post

from .conftest import picture

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def post_form(client, photos, text="支部活动照片", audience="branch"):
    return client.post(
        reverse("sharing:new"), {"text": text, "audience": audience, "photos": photos}
    )


def test_nine_photos_are_accepted_with_renditions(client_for, settings):
    response = post_form(client_for("member_a"), [picture(f"p{n}.png") for n in range(9)])
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    photos = list(post.photos.all())
    assert [p.order for p in photos] == list(range(9))
    for photo in photos:
        assert photo.image.name.endswith(".jpg")  # re-encoded, new name
        assert photo.renditions["360"].endswith("-360.webp")
        assert "360w" in photo.srcset
    page = client_for("member_a").get(post.get_absolute_url()).content.decode()
    assert page.count('loading="lazy"') == 9


def test_ten_photos_are_refused_and_nothing_is_written(client_for, settings):
    response = post_form(client_for("member_a"), [picture(f"p{n}.png") for n in range(10)])
    assert response.status_code == 400
    assert "Up to 9 photos per post; you chose 10." in response.content.decode()
    assert not Post.objects.exists() and not Photo.objects.exists()
    assert stored_files(settings) == []


def test_svg_is_refused_with_a_message_and_nothing_is_written(client_for, settings):
    svg = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    response = post_form(client_for("member_a"), [picture("ok.png"), svg])
    assert response.status_code == 400
    body = response.content.decode()
    assert "Photo 2 (logo.svg)" in body and "SVG images are not accepted" in body
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_a_file_that_is_not_a_picture_is_refused(client_for, settings):
    page = SimpleUploadedFile("page.jpg", b"<html><script>x</script></html>", "image/jpeg")
    response = post_form(client_for("member_a"), [page])
    assert response.status_code == 400
    assert "not a picture that can be read" in response.content.decode()
    assert not Post.objects.exists()


def test_png_followed_by_html_is_re_encoded_without_the_html(client_for, settings):
    polyglot = picture("trick.png", tail=b"<html><script>alert(1)</script></html>")
    response = post_form(client_for("member_a"), [polyglot])
    assert response.status_code == 302
    photo = Photo.objects.get()
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"<script>" not in data and b"<html>" not in data
    assert Image.open(io.BytesIO(data)).format == "JPEG"


def test_large_photo_is_shrunk_to_1600_px(client_for, settings):
    response = post_form(client_for("member_a"), [picture("big.jpg", (3200, 1200), fmt="JPEG")])
    assert response.status_code == 302
    with Photo.objects.get().image.open("rb") as stored:
        assert Image.open(stored).size == (1600, 600)


def test_an_empty_post_is_refused(client_for):
    response = post_form(client_for("member_a"), [], text="   ")
    assert response.status_code == 400
    assert "Write something or add a photo." in response.content.decode()
    assert not Post.objects.exists()


def test_photos_only_post_is_fine(client_for):
    assert post_form(client_for("member_a"), [picture()], text="").status_code == 302
    assert Post.objects.get().text == ""


def test_an_unknown_audience_is_refused(client_for):
    response = post_form(client_for("member_a"), [], audience="everyone")
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_committee_audience_from_the_form(org, client_for):
    post_form(client_for("member_b"), [], audience="committee")
    assert Post.objects.get().unit == org.committee
