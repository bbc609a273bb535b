"""Count every figure kept in a table again from the raw rows (members.recounts)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.recounts import recount_all


class Command(BaseCommand):
    help = (
        "Count the figures kept in tables (member figures, study rollups, appraisal "
        "summaries) again from the raw rows, report every difference and correct it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report differences (exit status 1 if any); change nothing.",
        )

    def handle(self, *args, check: bool, **options):
        with transaction.atomic():
            found = recount_all(fix=not check)
        differences = 0
        for name, lines in found.items():
            differences += len(lines)
            status = "ok" if not lines else f"{len(lines)} difference(s)"
            self.stdout.write(f"{name}: {status}")
            for line in lines:
                self.stdout.write(f"  {line}")
        if not differences:
            self.stdout.write(self.style.SUCCESS("Every kept figure agrees with the raw rows."))
        elif check:
            raise CommandError(f"{differences} kept figure(s) differ from the raw rows.")
        else:
            self.stdout.write(self.style.WARNING(f"Corrected {differences} kept figure(s)."))
