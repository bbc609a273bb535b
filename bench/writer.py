"""The write mix of the benchmarks: a process that saves member records and marks lessons
learned at a steady rate, through the portal's own code, and prints every write it makes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench .venv/bin/python bench/writer.py

Every tick (one a second unless --rate says otherwise) it makes two writes:

- member: a random active member of the database gets another job title and phone number,
  saved with `Member.save()`, so that the history and any figure-keeping code on that path
  run as they do for an edit in the admin;
- learned: a random member login marks a lesson visible to them (`Lesson.objects.visible_to`)
  that they have not learned yet as learned, through
  `lessons.services.study_record_complete`, as the "learned" button does.

It writes nothing else and undoes nothing: run it on a benchmark database only. It prints one
JSON line when it is ready, one per write (what it changed and how long the write took) and
one when it stops (SIGTERM or SIGINT, after the write in progress). bench/run.py (`make bench`)
and bench/load.py --writer run it in a process of its own beside the pages they time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent

# Titles of a power-supply company's staff, as the seeds use.
JOB_TITLES = ["班组长", "技术员", "运维专责", "营销专责", "安全员", "调度员", "检修工", "客户经理"]
CHANGE_REASON = "bench/writer.py"


class Writer:
    """The writes of one tick. The candidates are read once: a benchmark minute does not
    change who is active."""

    def __init__(self, rng: random.Random) -> None:
        from django.contrib.auth import get_user_model

        from members.models import Member

        self.rng = rng
        self.member_ids = list(
            Member.objects.filter(status=Member.Status.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.login_ids = list(
            get_user_model()
            .objects.filter(is_active=True, member__status=Member.Status.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not self.member_ids or not self.login_ids:
            raise SystemExit("writer: no active member (with a login) in this database")

    def save_member(self) -> dict:
        from django.db import transaction

        from members.models import Member

        member = Member.objects.get(pk=self.rng.choice(self.member_ids))
        old = {"job_title": member.job_title, "phone": member.phone}
        member.job_title = self.rng.choice([t for t in JOB_TITLES if t != member.job_title])
        member.phone = f"139{self.rng.randint(0, 99_999_999):08d}"
        member._change_reason = CHANGE_REASON  # shown in the member's history
        started = time.perf_counter()
        with transaction.atomic():
            member.save()
        return {
            "write": "member",
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "member": member.pk,
            "name": member.name,
            "job_title": [old["job_title"], member.job_title],
            "phone": [old["phone"], member.phone],
        }

    def learn_lesson(self, tries: int = 5) -> dict:
        from django.contrib.auth import get_user_model

        from lessons.models import Lesson, StudyRecord
        from lessons.services import study_record_complete
        from members.scoping import access_for

        for _ in range(tries):
            user = get_user_model().objects.get(pk=self.rng.choice(self.login_ids))
            learned = StudyRecord.objects.filter(user=user, completed_at__isnull=False)
            candidates = list(
                Lesson.objects.visible_to(access_for(user))
                .exclude(pk__in=learned.values("lesson_id"))
                .values_list("pk", flat=True)
            )
            if candidates:
                break
        else:
            return {"write": "learned", "skipped": f"no unlearned lesson for {tries} logins"}
        lesson = Lesson.objects.get(pk=self.rng.choice(candidates))
        started = time.perf_counter()
        study_record_complete(user=user, lesson=lesson)
        return {
            "write": "learned",
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "user": user.get_username(),
            "lesson": lesson.pk,
            "title": lesson.title,
        }

    def tick(self) -> list[dict]:
        done = []
        for kind, write in (("member", self.save_member), ("learned", self.learn_lesson)):
            try:
                done.append(write())
            except Exception as error:
                # Reported, and the next tick tries again: one failed write ends no benchmark.
                done.append({"write": kind, "error": f"{type(error).__name__}: {error}"})
        return done


# --- the side that runs it -----------------------------------------------------------------
class WriterProcess:
    """bench/writer.py in a process of its own, for a `with` block: started and ready (its
    candidates read) on entry, stopped after its write in progress on exit. Every line it
    prints goes to `log`; the writes are kept in `records`."""

    def __init__(self, env: dict[str, str], rate: float, log: TextIO, label: str) -> None:
        self.env, self.rate, self.log, self.label = env, rate, log, label
        self.records: list[dict] = []
        self.ready = threading.Event()

    def __enter__(self) -> WriterProcess:
        self.log.write(f"# {self.label}\n")
        self.log.flush()
        self.process = subprocess.Popen(  # noqa: S603 - our own script with fixed arguments
            [sys.executable, str(Path(__file__)), "--rate", str(self.rate)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(120) or self.process.poll() is not None:
            self._stop()
            raise RuntimeError(f"bench/writer.py did not start: see {self.log.name}")
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=10)
        self.log.flush()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.write(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("ready"):
                self.ready.set()
            elif "write" in record:
                self.records.append(record)


def summarise(records: list[dict]) -> dict[str, dict]:
    """Per kind of write: how many, their median duration, how many failed or were skipped."""
    summary = {}
    for kind in ("member", "learned"):
        done = [r["ms"] for r in records if r["write"] == kind and "ms" in r]
        summary[kind] = {
            "writes": len(done),
            "median_ms": round(statistics.median(done), 1) if done else None,
            "failed": sum(1 for r in records if r["write"] == kind and "error" in r),
            "skipped": sum(1 for r in records if r["write"] == kind and "skipped" in r),
        }
    return summary


def describe(records: list[dict]) -> str:
    """One line for a report: '12 member saves (median 27.6 ms), 12 lessons learned (…)'."""
    summary = summarise(records)
    words = {"member": "member saves", "learned": "lessons marked learned"}
    parts = []
    for kind, figures in summary.items():
        median = f" (median {figures['median_ms']} ms)" if figures["median_ms"] is not None else ""
        extra = [f"{figures[k]} {k}" for k in ("failed", "skipped") if figures[k]]
        parts.append(
            f"{figures['writes']} {words[kind]}{median}"
            + (f" [{', '.join(extra)}]" if extra else "")
        )
    return ", ".join(parts)


# --- the writer process ------------------------------------------------------------------
def emit(record: dict) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1.0, help="ticks a second (two writes each)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: any)")
    options = parser.parse_args(argv)
    if options.rate <= 0:
        parser.error("--rate must be positive")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings")
    # Production settings (DEBUG off: no query log growing for the whole run); the writer signs
    # nothing, so any key will do when the caller gives none.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    writer = Writer(random.Random(options.seed))  # noqa: S311 - choosing rows, not secrets
    emit({"ready": True, "members": len(writer.member_ids), "logins": len(writer.login_ids)})
    interval = 1 / options.rate
    counts: dict[str, int] = {}
    next_tick = time.monotonic()
    # A fixed schedule, not a sleep after each tick: a slow write does not lower the rate.
    while not stop.wait(max(0.0, next_tick - time.monotonic())):
        for record in writer.tick():
            key = record["write"] + (" errors" if "error" in record else "")
            counts[key] = counts.get(key, 0) + 1
            emit(record)
        # Behind schedule (a write took longer than a tick): go on from now, no burst.
        next_tick = max(next_tick + interval, time.monotonic())
    emit({"stopped": True, "counts": counts})
    return 0


if __name__ == "__main__":
    sys.exit(main())
