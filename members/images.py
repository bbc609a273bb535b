"""Uploaded pictures, for every app: checked to be real images, re-encoded, and resized.

It lives in `members` because that is the app every other app may import (member photos,
lesson covers, session photos, story photos and score evidence all pass through here).

A file is accepted only if Pillow can decode it as JPEG, PNG, WebP or GIF within the size and
pixel limits. It is then re-encoded, which drops anything hidden after or inside it (a PNG
header followed by HTML, metadata, a polyglot). Renditions at a few widths let a phone
download only the width it shows (`srcset`). SVG is refused: it is a document that can run
script, not a picture.
"""

from __future__ import annotations

import io
import posixpath
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
RENDITION_WIDTHS = (360, 720, 1080)
MAX_BYTES = getattr(settings, "IMAGE_MAX_BYTES", 8 * 1024 * 1024)
# Well below Pillow's own decompression-bomb limit (about 179 megapixels for the error).
MAX_PIXELS = 40_000_000


def _read_head(file, size: int = 512) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def validate_image(file) -> None:
    """Refuse anything that is not a real JPEG/PNG/WebP/GIF picture of sensible size."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("The image is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    name = (getattr(file, "name", "") or "").lower()
    head = _read_head(file).lstrip().lower()
    if name.endswith((".svg", ".svgz")) or head.startswith((b"<svg", b"<?xml", b"<!doctype svg")):
        raise ValidationError(
            _("SVG images are not accepted; upload a JPEG, PNG, WebP or GIF picture."),
            code="svg",
        )
    try:
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            if image_format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Only JPEG, PNG, WebP and GIF pictures are accepted."), code="format"
                )
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("The picture has too many pixels (%(w)s × %(h)s); make it smaller.")
                    % {"w": width, "h": height},
                    code="too_many_pixels",
                )
            image.verify()
        file.seek(0)
        # verify() does not decode the pixels: load them once to catch truncated data.
        with Image.open(file) as image:
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            _("The picture is too large to open safely (a decompression bomb); make it smaller."),
            code="bomb",
        ) from None
    except Exception:
        raise ValidationError(
            _("The file is not a picture that can be read; upload a JPEG, PNG, WebP or GIF."),
            code="invalid",
        ) from None
    finally:
        file.seek(0)


def _open_rgb(file) -> tuple[Image.Image, bool]:
    file.seek(0)
    image = Image.open(file)
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    return image, has_alpha


def reencode(file, max_side: int | None = None) -> ContentFile:
    """The picture decoded and written again: PNG if it has transparency, JPEG otherwise.
    Whatever rode along in the original bytes is gone. `max_side` shrinks large pictures.
    It keeps the uploaded name's stem (the private file field stores it under a random name
    and downloads it under this one)."""
    image, has_alpha = _open_rgb(file)
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        image.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{_stem(file)}.{ext}")


def make_renditions(name: str, folder: str) -> dict[str, str]:
    """WebP renditions of a stored picture at RENDITION_WIDTHS (never wider than the
    original); returns {"360": storage name, ...} and the original size."""
    with default_storage.open(name, "rb") as stored:
        image, _has_alpha = _open_rgb(stored)
    result: dict[str, str] = {"w": str(image.width), "h": str(image.height)}
    stem = posixpath.splitext(posixpath.basename(name))[0]
    widest = min(image.width, RENDITION_WIDTHS[-1])
    widths = sorted({w for w in RENDITION_WIDTHS if w < widest} | {widest})
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        resized = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=78, method=3)
        target = f"{folder}/{stem}-{width}.webp"
        if default_storage.exists(target):
            default_storage.delete(target)
        result[str(width)] = default_storage.save(target, ContentFile(out.getvalue()))
    return result


def _stem(file) -> str:
    return PurePath(getattr(file, "name", "") or "").stem or uuid.uuid4().hex


def _widths(file) -> list[int]:
    return sorted(int(k) for k in file.renditions if k.isdigit()) if file else []


def srcset(file) -> str:
    """The `srcset` of a private image field's file (members.files): its renditions' URLs,
    each through the object the picture belongs to."""
    return ", ".join(f"{file.rendition_url(width)} {width}w" for width in _widths(file))


def rendition_url(file, wanted: int) -> str:
    """The URL of the smallest rendition of `file` at least `wanted` wide (or the largest
    there is); empty when it has none."""
    widths = _widths(file)
    if not widths:
        return ""
    return file.rendition_url(next((w for w in widths if w >= wanted), widths[-1]))


def clean_image(file, max_side: int | None = None) -> ContentFile:
    """Validate and re-encode in one step: the clean picture, or ValidationError."""
    validate_image(file)
    return reencode(file, max_side=max_side)


def clean_evidence(file) -> ContentFile:
    """Evidence for a score or a record: a picture (re-encoded) or a PDF (checked by its
    signature); the private file field stores it under a random name."""
    name = (getattr(file, "name", "") or "").lower()
    if not name.endswith(".pdf"):
        return clean_image(file)
    size = getattr(file, "size", 0) or 0
    if size > MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    if not _read_head(file, 5).startswith(b"%PDF-"):
        raise ValidationError(_("The file is not a PDF document."), code="not_pdf")
    file.seek(0)
    return ContentFile(file.read(), name=f"{_stem(file)}.pdf")
