"""`manage.py restore ARCHIVE [--noinput]`: put back the database and the media of an archive
made by `manage.py backup`, after checking every file of it (see partyportal/backup.py)."""

from pathlib import Path

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError

from partyportal.backup import (
    BackupError,
    archive_check,
    archive_restore,
    unapplied_migrations,
    unknown_migrations,
)


class Command(BaseCommand):
    help = "Restore the database and the media files from a backup archive."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A partyportal-YYYYmmdd-HHMMSS.tar.gz archive.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, **options):
        using = options["database"]
        try:
            checked = archive_check(Path(options["archive"]), using=using)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = checked.manifest
        self.stdout.write(
            f"Archive of {manifest.created_at}: {manifest.vendor} database, "
            f"{len(checked.media)} media files, Django {manifest.django_version}; "
            "every checksum matches."
        )
        newer = unknown_migrations(manifest, using)
        if newer:
            self.stderr.write(
                f"Warning: the archive's database has {len(newer)} migrations this code does "
                f"not know (e.g. {newer[0]}): it comes from a newer version."
            )
        if options["interactive"]:
            answer = input(
                "This REPLACES the current database and overwrites media files. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            archive_restore(checked, using=using)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # Cached sessions and pages describe the data before the restore.
        for alias in caches:
            caches[alias].clear()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the database and {len(checked.media)} media files from {checked.path}."
            )
        )
        missing = unapplied_migrations(using)
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"The archive is older than the code: {len(missing)} migrations are not "
                    "applied. Run `manage.py migrate` now."
                )
            )
        else:
            self.stdout.write("Migrations: the database is up to date with the code.")
