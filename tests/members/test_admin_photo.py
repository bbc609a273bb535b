"""Member photos uploaded in the admin are real pictures, re-encoded and shrunk; others are refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from .conftest import admin_url
from .test_admin_members import form_data

pytestmark = pytest.mark.django_db


def png_bytes(size=(1200, 900), trailer: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (183, 28, 28)).save(out, "PNG")
    return out.getvalue() + trailer


def test_photo_is_reencoded_and_shrunk(org, client_for):
    member = org.member_a
    upload = SimpleUploadedFile(
        "me.png", png_bytes(trailer=b"<script>alert(1)</script>"), "image/png"
    )
    response = client_for("secretary_a").post(
        admin_url("member_change", member.pk), {**form_data(member), "photo": upload}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    stored = member.photo.read()
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert max(image.size) == 480


@pytest.mark.parametrize(
    "name, content",
    [
        ("me.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("me.png", b"not a picture at all"),
    ],
)
def test_photo_that_is_not_a_picture_is_refused(org, client_for, name, content):
    member = org.member_a
    upload = SimpleUploadedFile(name, content, "image/png")
    response = client_for("secretary_a").post(
        admin_url("member_change", member.pk), {**form_data(member), "photo": upload}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"]
    member.refresh_from_db()
    assert not member.photo
