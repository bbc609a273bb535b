"""Serving uploaded files so that none of them can ever run as a page.

Uploads hold personal data (member photos, evidence), so only logged-in users get them
(LoginRequiredMiddleware covers this view). Every answer carries `nosniff` and a sandboxing
Content-Security-Policy; anything that is not an image, video, audio or PDF is sent as an
attachment. With MEDIA_ACCEL_REDIRECT set, nginx sends the bytes (and answers Range requests
for video) after Django has checked the login.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

INLINE_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "video/mp4",
    "audio/mpeg",
    "application/pdf",
)
SANDBOX_CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
)


@require_safe
def serve(request, path: str):
    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.startswith("..") or normalised != path.lstrip("/"):
        raise Http404
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, normalised))
    except Exception:
        raise Http404 from None
    # safe_join compares names only: a link inside MEDIA_ROOT may still point outside it.
    root = Path(settings.MEDIA_ROOT).resolve()
    if not full_path.is_file() or not full_path.resolve().is_relative_to(root):
        raise Http404
    content_type, _encoding = mimetypes.guess_type(full_path.name)
    content_type = content_type or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    if not inline:
        # An attachment is never labelled as a page or a picture that can script (HTML, SVG):
        # some in-app browsers ignore Content-Disposition and would render it.
        content_type = "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + normalised
    else:
        response = FileResponse(full_path.open("rb"), content_type=content_type)
    # RFC 6266 quoting: Chinese file names and quotes in a name cannot break the header.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=full_path.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response
