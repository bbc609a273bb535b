"""`manage.py backup [--output DIR]`: one dated archive of the database and the media, made
while the portal runs (see partyportal/backup.py). Meant for cron."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partyportal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a consistent, dated archive of the database and the media files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "backups"),
            help="Folder for the archive (default: backups/ in the project).",
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, **options):
        try:
            path, manifest = backup_create(
                output_dir=Path(options["output"]), using=options["database"]
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        media = [f for f in manifest.files if f["name"].startswith("media/")]
        size = path.stat().st_size
        self.stdout.write(
            f"Backed up the {manifest.vendor} database ({len(manifest.migrations)} migrations "
            f"applied) and {len(media)} media files to {path} ({size / 1_048_576:.1f} MiB)."
        )
