"""`manage.py backup` and `manage.py restore`: a round trip puts the database and the media
back as they were; a tampered archive, one from the other database vendor and one whose
member names would escape MEDIA_ROOT are refused before anything changes.

Runs on SQLite (the test database is in memory: the backup API copies it all the same) and
on PostgreSQL (pg_dump and pg_restore on test_<name>, while the test's data is committed).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from members.models import Member, OrgUnit, Post
from partyportal.backup import DATABASE_FILES, MANIFEST

OTHER_VENDOR = "sqlite" if connection.vendor == "postgresql" else "postgresql"


def media(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def write_media(name: str, content: bytes) -> None:
    media(name).parent.mkdir(parents=True, exist_ok=True)
    media(name).write_bytes(content)


def backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    archives = sorted((tmp_path / "backups").glob("partyportal-*.tar.gz"))
    assert len(archives) == 1, out.getvalue()
    assert str(archives[0]) in out.getvalue()
    return archives[0]


def restore(archive: Path) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), interactive=False, stdout=out)
    return out.getvalue()


def read_archive(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def write_tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def make_archive(path: Path, files: dict[str, bytes], **manifest) -> Path:
    """An archive laid out as `backup` writes it, with a manifest that matches `files`."""
    body = {
        "format": 1,
        "created_at": "2026-11-24T10:00:00+00:00",
        "vendor": connection.vendor,
        "django_version": "5.2",
        "migrations": [],
        "files": [
            {"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()}
            for n, c in files.items()
        ],
        **manifest,
    }
    return write_tar(path, {**files, MANIFEST: json.dumps(body).encode()})


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_puts_database_and_media_back(org, tmp_path):
    write_media("members/photos/ann.jpg", b"\xff\xd8 ann's photo")
    write_media("campaigns/evidence/2026q4.pdf", b"%PDF-1.4 evidence")
    posts = Post.objects.count()

    archive = backup(tmp_path)

    files = read_archive(archive)
    manifest = json.loads(files[MANIFEST])
    assert manifest["vendor"] == connection.vendor
    assert "members.0001_initial" in manifest["migrations"]
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files) - {MANIFEST}
    assert DATABASE_FILES[connection.vendor] in listed
    photo = listed["media/members/photos/ann.jpg"]
    assert photo["sha256"] == hashlib.sha256(b"\xff\xd8 ann's photo").hexdigest()

    # Life goes on after the backup: records change, a unit is added, media is replaced.
    Member.objects.filter(pk=org.member_a.pk).update(name="改过的名字")
    Post.objects.filter(member=org.secretary_a).delete()
    OrgUnit.objects.create(name="备份之后的支部", kind=OrgUnit.Kind.BRANCH, parent=org.committee)
    write_media("members/photos/ann.jpg", b"a different photo")
    media("campaigns/evidence/2026q4.pdf").unlink()

    output = restore(archive)

    assert "Restored the database and 2 media files" in output
    assert "up to date" in output
    assert Member.objects.get(pk=org.member_a.pk).name == "李安"
    assert Post.objects.count() == posts
    assert not OrgUnit.objects.filter(name="备份之后的支部").exists()
    assert media("members/photos/ann.jpg").read_bytes() == b"\xff\xd8 ann's photo"
    assert media("campaigns/evidence/2026q4.pdf").read_bytes() == b"%PDF-1.4 evidence"
    # The portal goes on writing to the restored database.
    OrgUnit.objects.create(name="恢复之后的支部", kind=OrgUnit.Kind.BRANCH, parent=org.committee)


@pytest.mark.django_db(transaction=True)
def test_tampered_archive_is_refused_and_nothing_changes(org, tmp_path):
    write_media("members/photos/ann.jpg", b"the real photo")
    archive = backup(tmp_path)
    files = read_archive(archive)
    # The same manifest, the same size, other bytes: only the checksum tells.
    files["media/members/photos/ann.jpg"] = b"the fake photo"
    tampered = write_tar(tmp_path / "tampered.tar.gz", files)

    Member.objects.filter(pk=org.member_a.pk).update(name="改过的名字")
    with pytest.raises(CommandError, match="does not match its checksum"):
        restore(tampered)
    assert Member.objects.get(pk=org.member_a.pk).name == "改过的名字"
    assert media("members/photos/ann.jpg").read_bytes() == b"the real photo"


def test_archive_of_the_other_database_vendor_is_refused(tmp_path):
    archive = make_archive(
        tmp_path / "other.tar.gz",
        {DATABASE_FILES[OTHER_VENDOR]: b"a dump"},
        vendor=OTHER_VENDOR,
    )
    with pytest.raises(CommandError, match=f"holds a {OTHER_VENDOR} database"):
        restore(archive)


@pytest.mark.parametrize(
    "name",
    [
        "../escaped.txt",
        "media/../../escaped.txt",
        "/partyportal-escaped.txt",
        "media/./x/../../../e.txt",
    ],
)
def test_archive_with_a_name_outside_media_is_refused(tmp_path, name):
    database = DATABASE_FILES[connection.vendor]
    archive = make_archive(tmp_path / "evil.tar.gz", {database: b"x", name: b"escaped"})
    with pytest.raises(CommandError, match="unsafe file name"):
        restore(archive)
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/partyportal-escaped.txt").exists()


def test_archive_with_a_link_is_refused(tmp_path):
    database = DATABASE_FILES[connection.vendor]
    path = make_archive(tmp_path / "link.tar.gz", {database: b"x"})
    files = read_archive(path)
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        link = tarfile.TarInfo("media/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(CommandError, match="not a plain file"):
        restore(path)
    assert not media("passwd").exists()


def test_truncated_archive_is_refused(tmp_path):
    database = DATABASE_FILES[connection.vendor]
    whole = make_archive(tmp_path / "whole.tar.gz", {database: bytes(range(256)) * 4000})
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(CommandError, match="readable, complete"):
        restore(cut)


@pytest.mark.django_db(transaction=True)
def test_restore_asks_first_and_no_changes_nothing(org, tmp_path, monkeypatch):
    archive = backup(tmp_path)
    Member.objects.filter(pk=org.member_a.pk).update(name="改过的名字")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Member.objects.get(pk=org.member_a.pk).name == "改过的名字"


@pytest.mark.django_db(transaction=True)
def test_restore_of_an_archive_older_than_the_code_says_to_migrate(org, tmp_path):
    # An archive made before sessions.0001_initial was applied, as far as its records go.
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("sessions", "0001_initial")
    try:
        archive = backup(tmp_path)
        assert (
            "sessions.0001_initial" not in json.loads(read_archive(archive)[MANIFEST])["migrations"]
        )
        output = restore(archive)
    finally:
        recorder.record_applied("sessions", "0001_initial")
    assert "older than the code: 1 migrations are not applied" in output
    assert "manage.py migrate" in output
