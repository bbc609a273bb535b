"""`manage.py seed_scale`: a provincial organisation in bulk, for benchmarks (partyportal.scale).

Refuses a database that has members already, unless `--flush` empties it first.
"""

from __future__ import annotations

import datetime
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from members.models import Member
from partyportal import scale as dataset


class Command(BaseCommand):
    help = (
        "Build a provincial organisation in bulk for benchmarks: at --scale 1.0, 150 county "
        "committees, 3,000 branches, 100,000 members with logins, 2,000 lessons, 5,000,000 "
        "study records, twelve quarters of appraisals, notices and more. Every login's "
        f"password is {dataset.PASSWORD!r}. Refuses a database that already has members unless "
        "--flush is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Size relative to the full province (1.0); e.g. 0.01 for a quick build.",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="The day the data is built around (YYYY-MM-DD); default: today.",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty the WHOLE database first (manage.py flush: every table, superusers too).",
        )

    def handle(self, *args, scale: float, seed: int, today, flush: bool, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be more than 0 and at most 10.")
        if Member.objects.exists():
            if not flush:
                raise CommandError(
                    "This database already has members: seed_scale builds a whole organisation "
                    "and would mix it with them. Use another database, or add --flush to empty "
                    "this one first (every table is emptied, superusers too)."
                )
            started = time.monotonic()
            self.stdout.write("Emptying the database (--flush) …")
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write(f"flush: {time.monotonic() - started:.1f} s")
        today = today or timezone.localdate()
        figures = dataset.plan(scale)
        self.stdout.write(
            f"Building at scale {scale} (seed {seed}, today {today}) on "
            f"{connection.vendor}: {figures['counties']} counties, {figures['branches']} "
            f"branches, {figures['members']:,} members, {figures['lessons']:,} lessons, "
            f"{figures['study_records']:,} study records."
        )
        started = time.monotonic()
        build = dataset.build(scale=scale, seed=seed, today=today, log=self.stdout.write)
        total = time.monotonic() - started

        self.stdout.write("")
        self.stdout.write("Time per step:")
        for name, seconds in build.timings:
            self.stdout.write(f"  {name:<34} {seconds:8.1f} s")
        self.stdout.write(f"  {'total':<34} {total:8.1f} s")
        self.stdout.write("Rows:")
        for label, count in dataset.counts().items():
            self.stdout.write(f"  {label:<34} {count:>10,}")
        self.stdout.write(self.style.SUCCESS(f"Done. Every login's password is {dataset.PASSWORD}"))
        self.stdout.write("Named logins (ordinary members are m000001, m000002, …):")
        for username, role, unit, name in dataset.iter_named(build):
            self.stdout.write(f"  {username:<16} {role}: {name}, {unit}")
