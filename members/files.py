"""Uploaded files that are reached only through the object they belong to.

Every file field of the project is a `PrivateFileField` or a `PrivateImageField` (a test walks
the models to hold this). Their files:

- are stored under a random name, `<upload_to>/<year>/<uuid hex>.<ext>`, the extension in lower
  case: a stored name tells nothing about the file and cannot be guessed. The name the file was
  uploaded with is kept in the model's column `name_field`, and the file downloads under it;
- have a URL naming the owning object, `/files/<app_label>.<model_name>/<pk>/<field>/`, and
  `…/<field>/<width>/` for a rendition kept in the JSON column `renditions_field`.
  `partyportal.media` answers it after fetching the object from `files_visible_to(access)`.

The protocol: every model with such a field defines the classmethod `files_visible_to(access)`,
the queryset of its objects whose files the person may fetch, built from the querysets the
model's pages and admin already use (never a second copy of their rule).

It lives in `members`, beside `images`, because every app may import `members`.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import PurePath

from django.apps import apps
from django.core import checks
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.urls import reverse
from django.utils import timezone

SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
NAME_MAX = 255


def stored_suffix(name: str) -> str:
    """The extension a stored file keeps: lower case, letters and digits only, or none."""
    suffix = PurePath(name).suffix.lower()
    return suffix if SAFE_SUFFIX.fullmatch(suffix) else ""


def clean_original_name(name: str) -> str:
    """The uploaded name as shown and sent back: no folders, no control characters, at most
    255 characters with its extension kept."""
    name = "".join(ch for ch in PurePath(str(name)).name if ch.isprintable()).strip()
    if not name.strip("."):
        return ""
    if len(name) > NAME_MAX:
        suffix = PurePath(name).suffix[:16]
        name = name[: NAME_MAX - len(suffix)] + suffix
    return name


def _version(name: str) -> str:
    # Part of the URL so that a replaced file gets a new URL: the answers may be kept in the
    # browser for an hour (Cache-Control in partyportal.media), and the object's URL is stable.
    return hashlib.blake2s(name.encode(), digest_size=4).hexdigest()


class PrivateFieldFileMixin:
    """What a private field's file adds: the owner's URL, renditions, the download name."""

    def _owner_url(self, url_name: str, stored: str, **extra) -> str:
        if self.instance.pk is None:
            raise ValueError("A private file has no URL before its owner is saved.")
        kwargs = {
            "model": self.instance._meta.concrete_model._meta.label_lower,
            "pk": self.instance.pk,
            "field": self.field.name,
            **extra,
        }
        return f"{reverse(url_name, kwargs=kwargs)}?v={_version(stored)}"

    @property
    def url(self) -> str:
        self._require_file()
        return self._owner_url("file", self.name)

    @property
    def renditions(self) -> dict:
        """{"360": stored name, …, "w": width, "h": height} from the renditions column."""
        column = self.field.renditions_field
        return (getattr(self.instance, column, None) or {}) if column else {}

    def rendition_name(self, width: int) -> str | None:
        return self.renditions.get(str(width)) if self else None

    def rendition_url(self, width: int) -> str:
        """The URL of the rendition exactly `width` wide (members.images picks the width)."""
        name = self.rendition_name(width)
        if not name:
            raise ValueError(f"No rendition {width} wide.")
        return self._owner_url("file_rendition", name, width=width)

    @property
    def original_name(self) -> str:
        return getattr(self.instance, self.field.name_field, "") or ""

    @property
    def download_name(self) -> str:
        """The name it was uploaded with; under the stored extension if that differs (a
        picture re-encoded as JPEG downloads as .jpg). A file stored before names were random
        kept the name it was uploaded with."""
        stored = PurePath(self.name or "")
        if not self.original_name:
            return stored.name
        original = PurePath(self.original_name)
        if stored.suffix in ("", original.suffix.lower()):
            return original.name
        return original.stem + stored.suffix

    def rendition_download_name(self, width: int) -> str:
        return f"{PurePath(self.download_name).stem}-{width}.webp"

    def save(self, name, content, save=True) -> None:
        # `name` is still the uploaded one here: the field replaces it by a random one.
        setattr(self.instance, self.field.name_field, clean_original_name(name))
        super().save(name, content, save)


class PrivateFieldFile(PrivateFieldFileMixin, FieldFile):
    pass


class PrivateImageFieldFile(PrivateFieldFileMixin, ImageFieldFile):
    pass


class PrivateFieldMixin:
    """`upload_to` is a folder; `name_field` names the column of the uploaded name (declared
    after the file field: its value is read after the file is saved); `renditions_field`, if
    given, the JSON column of resized copies (members.images.make_renditions)."""

    non_db_attrs = (*models.FileField.non_db_attrs, "name_field", "renditions_field")

    def __init__(self, *args, name_field: str, renditions_field: str | None = None, **kwargs):
        self.name_field = name_field
        self.renditions_field = renditions_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["name_field"] = self.name_field
        if self.renditions_field:
            kwargs["renditions_field"] = self.renditions_field
        return name, path, args, kwargs

    def generate_filename(self, instance, filename: str) -> str:
        folder = str(self.upload_to).strip("/")
        year = timezone.localdate().year
        return self.storage.generate_filename(
            f"{folder}/{year}/{uuid.uuid4().hex}{stored_suffix(filename)}"
        )

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_private()]

    def _check_private(self) -> list[checks.CheckMessage]:
        errors = []
        model, here = self.model, f"{self.model._meta.label}.{self.name}"
        if not callable(getattr(model, "files_visible_to", None)):
            errors.append(
                checks.Error(
                    f"{model._meta.label} has a private file field but no files_visible_to().",
                    obj=self,
                    id="members.E101",
                )
            )
        if not isinstance(self.upload_to, str) or "%" in self.upload_to:
            errors.append(
                checks.Error(
                    f"{here}: upload_to must be a plain folder.", obj=self, id="members.E102"
                )
            )
        names = [f.name for f in model._meta.concrete_fields]
        if self.name_field not in names or names.index(self.name_field) < names.index(self.name):
            errors.append(
                checks.Error(
                    f"{here}: name_field {self.name_field!r} must be a column declared after it.",
                    obj=self,
                    id="members.E103",
                )
            )
        if self.renditions_field and self.renditions_field not in names:
            errors.append(
                checks.Error(
                    f"{here}: no column {self.renditions_field!r} for the renditions.",
                    obj=self,
                    id="members.E104",
                )
            )
        return errors


class PrivateFileField(PrivateFieldMixin, models.FileField):
    attr_class = PrivateFieldFile


class PrivateImageField(PrivateFieldMixin, models.ImageField):
    attr_class = PrivateImageFieldFile


def private_fields() -> list[tuple[type[models.Model], PrivateFieldMixin]]:
    """Every private file field of the project, with its model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, PrivateFieldMixin)
    ]
