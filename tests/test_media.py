"""Uploaded files are served to logged-in users only, and never as a page of the portal."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings):
    root = settings.MEDIA_ROOT
    (root / "members" / "photos").mkdir(parents=True)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    (root / "members" / "photos" / "li.png").write_bytes(buffer.getvalue())
    (root / "evil.html").write_text("<script>alert(document.cookie)</script>")
    (root / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (root / "notes.txt").write_text("plain")
    (root / "no-extension").write_bytes(b"<html><script>alert(1)</script></html>")
    (root.parent / "secret.txt").write_text("outside MEDIA_ROOT")
    return root


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_anonymous_is_sent_to_login(client_for, media):
    response = client_for("anonymous").get("/media/members/photos/li.png")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["staff", "member_b"])
def test_a_logged_in_user_gets_an_image_inline_and_sandboxed(client_for, media, persona):
    response = client_for(persona).get("/media/members/photos/li.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert body(response).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "notes.txt", "no-extension"])
def test_anything_but_plain_media_is_an_attachment_never_a_page(client_for, media, name):
    response = client_for("member_a").get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "%2e%2e/secret.txt",
        "%2E%2E%2Fsecret.txt",
        "members/../../secret.txt",
        "members/%2e%2e/%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "members/photos/../../../secret.txt",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "members/photos/",
        "members/photos/missing.png",
        "..",
    ],
)
def test_path_traversal_and_missing_files_are_404(client_for, media, path):
    response = client_for("member_a").get(f"/media/{path}")
    assert response.status_code == 404


def test_normalised_paths_inside_media_are_refused_rather_than_rewritten(client_for, media):
    # members/photos/../photos/li.png stays inside MEDIA_ROOT but is not a canonical name.
    response = client_for("member_a").get("/media/members/photos/../photos/li.png")
    assert response.status_code == 404


def test_head_is_allowed_and_post_is_not(client_for, media):
    client = client_for("member_a")
    assert client.head("/media/members/photos/li.png").status_code == 200
    assert client.post("/media/members/photos/li.png").status_code == 405


def test_accel_redirect_hands_the_bytes_to_nginx(client_for, media, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = client_for("member_a").get("/media/evil.html")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/evil.html"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content == b""


@pytest.mark.parametrize("name", ["党员证明.pdf", 'quote".html'])
def test_file_names_are_quoted_in_the_header(client_for, media, name):
    (media / name).write_bytes(b"%PDF-1.4")
    response = client_for("member_a").get(f"/media/{name}")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    if name.endswith(".pdf"):
        assert disposition.startswith("inline; filename*=utf-8''")
    else:
        assert disposition == 'attachment; filename="quote\\".html"'


# --- nothing uploaded runs as a page, whatever its name or bytes -------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "EVIL.HTML",
        "photo.png.html",
        "page.htm",
        "page.xhtml",
        "feed.xml",
        "drawing.SVG",
        "drawing.svgz",
        "script.js",
        "style.css",
        "favicon.ico",
        "movie.swf",
    ],
)
def test_documents_and_scripts_are_attachments_whatever_the_case_or_double_extension(
    client_for, media, name
):
    (media / name).write_bytes(b"<html><script>alert(1)</script></html>")
    response = client_for("member_a").get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_html_bytes_under_a_picture_name_are_never_sniffed_into_a_page(client_for, media):
    # Pillow re-encodes uploads, but a file put there by other means must still be inert:
    # its declared type is an image and the browser is told not to guess.
    (media / "polyglot.png").write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>")
    response = client_for("member_a").get("/media/polyglot.png")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "sandbox" in policy
    assert "script-src" not in policy  # scripts fall back to default-src 'none'


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("a.jpg", "image/jpeg"),
        ("a.webp", "image/webp"),
        ("a.gif", "image/gif"),
        ("a.mp4", "video/mp4"),
        ("a.pdf", "application/pdf"),
    ],
)
def test_pictures_video_and_pdf_are_inline_with_the_same_protection(
    client_for, media, name, content_type
):
    (media / name).write_bytes(b"\x00" * 16)
    response = client_for("member_a").get(f"/media/{name}")
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_head_answers_carry_the_protective_headers_too(client_for, media):
    response = client_for("member_a").head("/media/evil.svg")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_link_inside_media_root_to_a_file_outside_is_404(client_for, media):
    (media / "members" / "link.txt").symlink_to(media.parent / "secret.txt")
    response = client_for("member_a").get("/media/members/link.txt")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["evil.html%00.png", "evil.html\x00.png", "%00", "a%5c..%5c..%5csecret.txt"]
)
def test_nul_bytes_and_backslashes_in_a_media_path_are_404(client_for, media, path):
    assert client_for("member_a").get(f"/media/{path}").status_code == 404
