"""Backup and restore of the whole portal: the database and the uploaded media, in one dated
archive with a manifest of checksums (`manage.py backup`, `manage.py restore`).

An archive `partyportal-YYYYmmdd-HHMMSS.tar.gz` holds

    database.pgdump    PostgreSQL: `pg_dump --format=custom`, one consistent snapshot
    database.sqlite3   SQLite: a copy made by SQLite's online backup API, consistent too
    media/...          every file under MEDIA_ROOT, as it was when it was read
    manifest.json      when, which database vendor, Django's version, the applied
                       migrations, and every other member's size and sha256

Both are made while the portal runs. The database is dumped first, then the media, so that
every file a database row names is in the archive (uploads are written before their row).

A restore checks everything before it changes anything: the manifest, that every member is
a plain file with a safe relative name (no absolute path, no "..", no link) listed in the
manifest with the right size and checksum, and that the archive comes from the same database
vendor. Then it replaces the database (pg_restore --clean --if-exists --no-owner in one
transaction; SQLite through the backup API) and writes the media files back into MEDIA_ROOT,
each through a temporary name and an atomic rename. Files added to MEDIA_ROOT after the
backup are left alone: no database row of the restored data names them.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    django_version: str
    migrations: list[str]  # "app.name", as `showmigrations` would list them
    files: list[dict] = field(default_factory=list)
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            manifest = cls(
                created_at=str(raw["created_at"]),
                vendor=str(raw["vendor"]),
                django_version=str(raw["django_version"]),
                migrations=[str(key) for key in raw["migrations"]],
                files=[
                    {"name": str(f["name"]), "size": int(f["size"]), "sha256": str(f["sha256"])}
                    for f in raw["files"]
                ],
                format=int(raw["format"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(f"The manifest is not readable: {error}") from None
        if manifest.format != FORMAT:
            raise BackupError(
                f"Unknown archive format {manifest.format}; this portal reads {FORMAT}."
            )
        return manifest


# --- helpers ----------------------------------------------------------------------------------
def _connection(using: str):
    connection = connections[using]
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups of a {connection.vendor} database are not supported.")
    return connection


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the configured database: the password never appears on a
    command line, where any user of the machine could read it in the process list."""
    env = dict(os.environ)
    mapping = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    for key, variable in mapping.items():
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    env["PGDATABASE"] = settings_dict["NAME"]
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        )
    completed = subprocess.run(  # noqa: S603 - a fixed program with arguments, no shell
        [program, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()}")


def _applied_migrations(connection) -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Hashes exactly the bytes tarfile copies into the archive, so the manifest describes
    the archive even when a media file changes while it is read."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(directory, filename)
            if path.is_symlink() or not path.is_file():
                continue  # uploads are plain files; a link could point anywhere
            yield path, MEDIA_PREFIX + path.relative_to(root).as_posix()


# --- backup -----------------------------------------------------------------------------------
def _dump_database(connection, target: Path) -> None:
    if connection.vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--file", str(target)],
            _pg_env(connection.settings_dict),
        )
        return
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # pages=-1 copies the whole database in one step: one consistent snapshot, even
        # while other processes write (they wait a moment on the lock, as they do anyway).
        connection.connection.backup(destination, pages=-1)
    finally:
        destination.close()


def _archive_name(output_dir: Path, now: datetime.datetime) -> Path:
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    candidate = output_dir / f"partyportal-{stamp}.tar.gz"
    number = 1
    while candidate.exists():
        number += 1
        candidate = output_dir / f"partyportal-{stamp}-{number}.tar.gz"
    return candidate


def backup_create(*, output_dir: Path, using: str = "default") -> tuple[Path, Manifest]:
    """Write a new archive into `output_dir`; returns its path and manifest."""
    connection = _connection(using)
    output_dir.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    manifest = Manifest(
        created_at=now.isoformat(),
        vendor=connection.vendor,
        django_version=django.get_version(),
        migrations=_applied_migrations(connection),
    )
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
        database = Path(work) / DATABASE_FILES[connection.vendor]
        _dump_database(connection, database)
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            entries = [(database, database.name)]
            entries += list(_media_files(Path(settings.MEDIA_ROOT)))
            for path, name in entries:
                try:
                    handle = path.open("rb")
                except FileNotFoundError:
                    continue  # a media file deleted while the backup ran
                with handle:
                    info = tar.gettarinfo(fileobj=handle, arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    reader = _HashingReader(handle)
                    tar.addfile(info, reader)
                manifest.files.append(
                    {"name": name, "size": info.size, "sha256": reader.digest.hexdigest()}
                )
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)  # personal data: readable by the portal's user only
        final = _archive_name(output_dir, now)
        # The archive appears under its name only when complete: a cron job cut off
        # half-way leaves no archive that looks good.
        os.replace(partial, final)
    return final, manifest


# --- restore ----------------------------------------------------------------------------------
def _safe_name(name: str) -> str:
    """The member's name if it is a safe relative path, else BackupError."""
    normal = posixpath.normpath(name)
    if (
        not name
        or name.startswith(("/", "\\"))
        or "\\" in name
        or "\x00" in name
        or (len(name) > 1 and name[1] == ":")
        or normal != name
        or normal == ".."
        or normal.startswith("../")
        or ".." in name.split("/")
    ):
        raise BackupError(f"The archive holds an unsafe file name: {name!r}. Nothing was restored.")
    return name


@dataclass
class Checked:
    """An archive whose every member was checked against its manifest."""

    path: Path
    manifest: Manifest
    database: str
    media: list[str]


def archive_check(path: Path, *, using: str = "default") -> Checked:
    """Read the whole archive and refuse it (BackupError) unless everything matches."""
    connection = _connection(using)
    try:
        with tarfile.open(path, "r:gz") as tar:
            return _check_members(tar, path, connection.vendor)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise BackupError(f"{path} is not a readable, complete .tar.gz archive: {error}") from None


def _check_members(tar: tarfile.TarFile, path: Path, vendor: str) -> Checked:
    members = tar.getmembers()
    names = [m.name for m in members]
    for member in members:
        _safe_name(member.name)
        if not member.isfile():
            raise BackupError(
                f"The archive holds {member.name!r}, which is not a plain file. "
                "Nothing was restored."
            )
    if len(set(names)) != len(names):
        raise BackupError("The archive holds a file name twice. Nothing was restored.")
    if MANIFEST not in names:
        raise BackupError("The archive has no manifest.json: it was not made by `backup`.")
    manifest = Manifest.from_json(tar.extractfile(MANIFEST).read())
    if manifest.vendor != vendor:
        raise BackupError(
            f"The archive holds a {manifest.vendor} database; this portal uses {vendor}. "
            "Nothing was restored."
        )
    expected = {f["name"]: f for f in manifest.files}
    database = DATABASE_FILES[manifest.vendor]
    if database not in expected:
        raise BackupError("The manifest lists no database dump.")
    if set(expected) != set(names) - {MANIFEST}:
        differing = sorted(set(expected) ^ (set(names) - {MANIFEST}))
        raise BackupError(
            f"The archive's files differ from its manifest: {differing[:5]}. Nothing was restored."
        )
    for member in members:  # in the archive's order: gzip reads forward only
        if member.name == MANIFEST:
            continue
        if member.name != database and not member.name.startswith(MEDIA_PREFIX):
            raise BackupError(f"Unexpected file in the archive: {member.name!r}.")
        digest = hashlib.sha256()
        size = 0
        handle = tar.extractfile(member)
        for chunk in iter(lambda handle=handle: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
        entry = expected[member.name]
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise BackupError(
                f"{member.name} does not match its checksum in the manifest: the archive was "
                "changed or damaged. Nothing was restored."
            )
    media = sorted(n for n in expected if n.startswith(MEDIA_PREFIX))
    return Checked(path=path, manifest=manifest, database=database, media=media)


def _restore_database(connection, dump: Path) -> None:
    if connection.vendor == "postgresql":
        # Other connections of this process would hold no lock, but close them anyway.
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",  # all or nothing: a failed restore changes nothing
                "--dbname",
                connection.settings_dict["NAME"],
                str(dump),
            ],
            _pg_env(connection.settings_dict),
        )
        return
    connection.ensure_connection()
    if not connection.get_autocommit():
        raise BackupError("Cannot restore inside a transaction.")
    source = sqlite3.connect(dump)
    try:
        # Replaces every page of the live database at once; other processes keep their
        # connections and simply read the restored data.
        source.backup(connection.connection, pages=-1)
    finally:
        source.close()


def _restore_media(tar: tarfile.TarFile, names: list[str], root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    real_root = root.resolve()
    wanted = set(names)
    for member in tar.getmembers():  # in the archive's order: gzip reads forward only
        name = member.name
        if name not in wanted:
            continue
        target = root / name[len(MEDIA_PREFIX) :]
        # The names are checked already; this also stops a symlinked folder inside MEDIA_ROOT
        # from carrying a file outside it.
        if not target.parent.resolve().is_relative_to(real_root):
            raise BackupError(f"{name} would be written outside MEDIA_ROOT.")
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
            os.chmod(temporary, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def unapplied_migrations(using: str = "default") -> list[tuple[str, str]]:
    """The code's migrations that the (restored) database has not applied."""
    loader = MigrationLoader(connections[using])
    return sorted(key for key in loader.graph.nodes if key not in loader.applied_migrations)


def unknown_migrations(manifest: Manifest, using: str = "default") -> list[str]:
    """Migrations the archive's database had that this code does not know (a newer archive)."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.graph.nodes}
    return [
        key
        for key in manifest.migrations
        if key not in known and key.partition(".")[0] in loader.migrated_apps
    ]


def archive_restore(checked: Checked, *, using: str = "default") -> None:
    """Restore a checked archive: the database, then the media files."""
    connection = _connection(using)
    with tempfile.TemporaryDirectory(prefix="partyportal-restore-") as work:
        dump = Path(work) / checked.database
        with tarfile.open(checked.path, "r:gz") as tar:
            with tar.extractfile(checked.database) as source, dump.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
            if _sha256_file(dump) != next(
                f["sha256"] for f in checked.manifest.files if f["name"] == checked.database
            ):
                raise BackupError("The archive changed while it was restored.")
            _restore_database(connection, dump)
            _restore_media(tar, checked.media, Path(settings.MEDIA_ROOT))
