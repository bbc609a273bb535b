"""Serving uploaded files: only through the object they belong to, and never as a page.

`/files/<app_label>.<model_name>/<pk>/<field>/` (and `…/<width>/` for a rendition), the URLs
members.files gives every private file, fetch the owner with
`get_object_or_404(Model.files_visible_to(access), pk=pk)`: an object outside the person's
scope, a missing one, an empty field and an unknown model, field or width are the same 404.

Old `/media/<stored name>` links (bookmarks, pictures pasted into a lesson's body) keep working
the same way: the owner is looked up by the stored name among the private file fields, in the
same querysets. A file that no object the person may see holds is a 404.

Every answer carries `nosniff` and a sandboxing Content-Security-Policy; anything that is not
an image, video, audio or PDF is sent as an attachment, under the name it was uploaded with.
With MEDIA_ACCEL_REDIRECT set, nginx sends the bytes (and answers Range requests for video)
after Django has done these checks.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from members.files import PrivateFieldFileMixin, PrivateFieldMixin, private_fields
from members.scoping import access_for

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
# members.images.make_renditions names a rendition after its picture: <folder>/<stem>-<width>.webp
RENDITION_NAME = re.compile(r".+/(?P<stem>[^/]+)-(?P<width>[0-9]+)\.webp")


@require_safe
def serve(request, model: str, pk: int, field: str, width: int | None = None):
    try:
        owner_model = apps.get_model(model)
        file_field = owner_model._meta.get_field(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        raise Http404 from None
    if not isinstance(file_field, PrivateFieldMixin):
        raise Http404
    owner = get_object_or_404(owner_model.files_visible_to(access_for(request.user)), pk=pk)
    return _send(getattr(owner, file_field.attname), width)


@require_safe
def serve_stored_name(request, path: str):
    """An old /media/ link: served if an object the person may see holds the file."""
    if not path.isprintable() or "\\" in path:
        raise Http404  # a NUL byte would not even reach the database as a name
    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.startswith("..") or normalised != path.lstrip("/"):
        raise Http404
    found = _held_by_visible_object(access_for(request.user), normalised)
    if found is None:
        raise Http404
    return _send(*found)


def _held_by_visible_object(access, name: str) -> tuple[PrivateFieldFileMixin, int | None] | None:
    """The file (and rendition width) of an object in `files_visible_to(access)` that holds
    the stored `name`: one query per model with private files, a few more for a rendition."""
    rendition = RENDITION_NAME.fullmatch(name)
    for model, field in private_fields():
        visible = model.files_visible_to(access)
        owner = visible.filter(**{field.attname: name}).first()
        if owner is not None:
            return getattr(owner, field.attname), None
        if rendition and field.renditions_field:
            # JSON key lookups treat "360" as an array index: narrow by the picture's stem in
            # the database, then match the rendition exactly here.
            width = int(rendition["width"])
            holders = visible.filter(**{f"{field.attname}__contains": f"/{rendition['stem']}."})
            for owner in holders[:10]:
                file = getattr(owner, field.attname)
                if file.rendition_name(width) == name:
                    return file, width
    return None


def _send(file: PrivateFieldFileMixin, width: int | None) -> HttpResponse:
    if not file:
        raise Http404
    if width is None:
        name, download_name = file.name, file.download_name
    else:
        name, download_name = file.rendition_name(width), file.rendition_download_name(width)
        if not name:
            raise Http404
    try:
        full_path = Path(file.storage.path(name))
    except (SuspiciousFileOperation, ValueError):
        raise Http404 from None
    # The storage compares names only: a link inside MEDIA_ROOT may still point outside it.
    root = Path(settings.MEDIA_ROOT).resolve()
    if not full_path.is_file() or not full_path.resolve().is_relative_to(root):
        raise Http404
    # The type comes from the stored name, which the portal chose, never from the uploaded one.
    content_type, _encoding = mimetypes.guess_type(full_path.name)
    content_type = content_type or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    if not inline:
        # An attachment is never labelled as a page or a picture that can script (HTML, SVG):
        # some in-app browsers ignore Content-Disposition and would render it.
        content_type = "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        # Percent-encoded, as nginx expects a URI (names stored before they were random may
        # hold Chinese or spaces).
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(name)
    else:
        response = FileResponse(full_path.open("rb"), content_type=content_type)
    # RFC 6266 quoting: Chinese file names and quotes in a name cannot break the header.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=download_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response
