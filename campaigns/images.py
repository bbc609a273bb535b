"""Uploads of the appraisals: story photos and score evidence.

A picture is accepted only when Pillow decodes it as JPEG, PNG or WebP within the size and
pixel limits, and it is then re-encoded, which drops whatever rode along in the bytes (a PNG
header followed by HTML, metadata, a polyglot). SVG is refused: it is a document that can run
script. Evidence may also be a PDF, checked by its signature. (The same rules as the
micro-classroom's images; `campaigns` does not import `lessons`, so it has its own copy.)
"""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def _head(file, size: int = 512) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def clean_image(file) -> ContentFile:
    """The picture re-encoded as JPEG (PNG if it has transparency), or ValidationError."""
    if getattr(file, "size", 0) > MAX_BYTES:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s MB.")
            % {"limit": MAX_BYTES // 1024 // 1024}
        )
    name = (getattr(file, "name", "") or "").lower()
    head = _head(file).lstrip().lower()
    if name.endswith((".svg", ".svgz")) or head.startswith((b"<svg", b"<?xml", b"<!doctype")):
        raise ValidationError(_("SVG images are not accepted; upload a JPEG or PNG picture."))
    try:
        with Image.open(file) as image:
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(_("Only JPEG, PNG and WebP pictures are accepted."))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels; make it smaller."))
            image.load()
            picture = ImageOps.exif_transpose(image)
            alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            picture = picture.convert("RGBA" if alpha else "RGB")
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            _("The picture is too large to open safely; make it smaller.")
        ) from None
    except Exception:
        raise ValidationError(
            _("The file is not a picture that can be read; upload a JPEG or PNG.")
        ) from None
    finally:
        file.seek(0)
    out = io.BytesIO()
    if alpha:
        picture.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        picture.save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")


def clean_evidence(file) -> ContentFile:
    """Evidence for a score: a picture (re-encoded) or a PDF."""
    name = (getattr(file, "name", "") or "").lower()
    if name.endswith(".pdf"):
        if getattr(file, "size", 0) > MAX_BYTES:
            raise ValidationError(
                _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": MAX_BYTES // 1024 // 1024}
            )
        if not _head(file, 5).startswith(b"%PDF-"):
            raise ValidationError(_("The file is not a PDF document."))
        file.seek(0)
        return ContentFile(file.read(), name=f"{uuid.uuid4().hex}.pdf")
    return clean_image(file)
