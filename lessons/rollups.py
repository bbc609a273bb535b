"""The micro-classroom's figures kept in tables, and their recount (members.recounts).

- `Lesson.learned_count`: people who learned the lesson (completed study records);
- `Lesson.like_count`: likes of the lesson;
- `StudyMonth`: per branch and calendar month (the portal's time zone), the lessons learned
  there (`completions`) and the people whose latest completion in that branch falls in that
  month (`last_learners`), so that "people who learned in the branch since month M" is the sum
  of the branch's rows from M on (lessons.stats);
- the study plans' progress: lessons.progress.

A completion counts for the branch the learner was in when they learned
(`StudyRecord.unit`, set when the record is completed); see lessons.stats for why.

Who keeps what: `StudyRecord.save()` and `.delete()` (and so `services.study_record_complete`
and the short check) call `record_saving` and `record_saved`; the like services keep
`like_count`; deleting a login or a lesson takes its records out first (`records_removed`,
from the receivers in lessons.receivers, since those deletions are Django's cascades). Bulk
inserts (seed_demo, seed_scale) bypass all of it and recount afterwards.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Model, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from members.models import Member

from .models import Lesson, LessonLike, StudyMonth, StudyRecord
from .textsearch import grams

# Differences reported per kind of figure by a recount; the rest are summed in one line.
REPORT_LINES = 200


def bump(model: type[Model], keys: dict, **deltas: int) -> None:
    """Add `deltas` to the counters of the row of `model` found by `keys`, making the row
    if it is missing (a concurrent maker wins the race and we add to its row)."""
    deltas = {name: value for name, value in deltas.items() if value}
    if not deltas:
        return
    changes = {name: F(name) + value for name, value in deltas.items()}
    if model.objects.filter(**keys).update(**changes):
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys, **deltas)
    except IntegrityError:
        model.objects.filter(**keys).update(**changes)


def month_of(when: datetime.datetime) -> datetime.date:
    """The first day of the calendar month of `when` in the portal's time zone."""
    return timezone.localtime(when).date().replace(day=1)


def _month_expression():
    return TruncMonth("completed_at", tzinfo=timezone.get_current_timezone())


def _as_date(value) -> datetime.date:
    # TruncMonth gives an aware datetime on PostgreSQL and SQLite alike; keep the local date.
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


# --- one record -------------------------------------------------------------------------------
def record_saving(record: StudyRecord, before: tuple, save_kwargs: dict) -> None:
    """Before a study record's completion is saved (or taken back): lock the learner's member
    record, so that two completions of one person are counted one after the other, and note
    their branch on a new completion."""
    learner = (
        Member.objects.select_for_update()
        .filter(user_id=record.user_id)
        .order_by()  # the default order joins the unit, which FOR UPDATE would lock too
        .values_list("pk", "unit_id")
        .first()
    )
    record._learner = learner[0] if learner else None
    if before[0] is None and record.completed_at is not None:
        record.unit_id = learner[1] if learner else None
    elif record.completed_at is None:
        record.unit_id = None
    fields = save_kwargs.get("update_fields")
    if fields is not None:
        save_kwargs["update_fields"] = {*fields, "unit"}


def _latest_elsewhere(record: StudyRecord, unit_id: int) -> datetime.datetime | None:
    """The learner's latest completion in `unit_id`, this record left out."""
    others = StudyRecord.objects.filter(
        user_id=record.user_id, unit_id=unit_id, completed_at__isnull=False
    )
    if record.pk is not None:
        others = others.exclude(pk=record.pk)
    return others.aggregate(last=Max("completed_at"))["last"]


def record_saved(record: StudyRecord, before: tuple) -> None:
    """After a study record's completion was saved, changed or taken back (or the record
    deleted): the lesson's learned count, the study per branch and month, and the plans'
    progress follow."""
    from . import progress

    old_at, old_unit = before
    new_at, new_unit = record.completed_at, record.unit_id
    if old_at is not None and old_unit is not None:
        bump(StudyMonth, {"unit_id": old_unit, "month": month_of(old_at)}, completions=-1)
    if new_at is not None and new_unit is not None:
        bump(StudyMonth, {"unit_id": new_unit, "month": month_of(new_at)}, completions=1)
    for unit_id in {old_unit, new_unit} - {None}:
        elsewhere = _latest_elsewhere(record, unit_id)
        was = [t for t in (elsewhere, old_at if old_unit == unit_id else None) if t]
        now = [t for t in (elsewhere, new_at if new_unit == unit_id else None) if t]
        was_month = month_of(max(was)) if was else None
        now_month = month_of(max(now)) if now else None
        if was_month != now_month:
            if was_month is not None:
                bump(StudyMonth, {"unit_id": unit_id, "month": was_month}, last_learners=-1)
            if now_month is not None:
                bump(StudyMonth, {"unit_id": unit_id, "month": now_month}, last_learners=1)
    change = (new_at is not None) - (old_at is not None)
    if change:
        Lesson.objects.filter(pk=record.lesson_id).update(learned_count=F("learned_count") + change)
        learner = getattr(record, "_learner", None)
        if learner is not None:
            progress.member_learned(member_id=learner, lesson_id=record.lesson_id, change=change)


# --- many records at once ---------------------------------------------------------------------
def records_removed(records: QuerySet[StudyRecord]) -> None:
    """Before `records` are deleted together (with a login or a lesson): take their
    completions out of the lessons' learned counts and the study per branch and month.
    (Their plans' progress: lessons.receivers, once the records are gone.)"""
    done = records.filter(completed_at__isnull=False).order_by()
    for lesson_id, n in done.values_list("lesson_id").annotate(n=Count("pk")):
        Lesson.objects.filter(pk=lesson_id).update(learned_count=F("learned_count") - n)
    counted = done.filter(unit__isnull=False)
    cells = counted.annotate(month=_month_expression()).values_list("unit_id", "month")
    for unit_id, month, n in cells.annotate(n=Count("pk")):
        bump(StudyMonth, {"unit_id": unit_id, "month": _as_date(month)}, completions=-n)
    pairs = set(counted.values_list("user_id", "unit_id").distinct())
    if not pairs:
        return
    users = {user for user, _unit in pairs}
    theirs = StudyRecord.objects.filter(
        user_id__in=users, unit__isnull=False, completed_at__isnull=False
    ).order_by()

    def latest(rows) -> dict:
        found = rows.values_list("user_id", "unit_id").annotate(last=Max("completed_at"))
        return {(u, unit): month_of(last) for u, unit, last in found if (u, unit) in pairs}

    was, now = latest(theirs), latest(theirs.exclude(pk__in=done.values("pk")))
    for (_user, unit_id), month in was.items():
        if now.get((_user, unit_id)) != month:
            bump(StudyMonth, {"unit_id": unit_id, "month": month}, last_learners=-1)
            if (_user, unit_id) in now:
                bump(
                    StudyMonth, {"unit_id": unit_id, "month": now[_user, unit_id]}, last_learners=1
                )


def likes_removed(likes: QuerySet[LessonLike]) -> None:
    """Before `likes` are deleted together (with a login): the lessons' like counts."""
    for lesson_id, n in likes.order_by().values_list("lesson_id").annotate(n=Count("pk")):
        Lesson.objects.filter(pk=lesson_id).update(like_count=F("like_count") - n)


# --- the recount ------------------------------------------------------------------------------
class Report:
    """Collects the difference lines of a recount, at most REPORT_LINES per kind."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counts: dict[str, int] = {}

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= REPORT_LINES:
            self.lines.append(line)

    def result(self) -> list[str]:
        lines = list(self.lines)
        for kind, n in self.counts.items():
            if n > REPORT_LINES:
                lines.append(f"{kind}: {n - REPORT_LINES} more differences not listed")
        return lines


def counted_study_months() -> dict[tuple[int, datetime.date], tuple[int, int]]:
    """{(unit pk, month): (completions, last learners)} counted from the study records."""
    completed = StudyRecord.objects.filter(
        completed_at__isnull=False, unit__isnull=False
    ).order_by()
    cells: dict[tuple[int, datetime.date], list[int]] = {}
    rows = completed.annotate(month=_month_expression()).values_list("unit_id", "month")
    for unit_id, month, n in rows.annotate(n=Count("pk")):
        cells.setdefault((unit_id, _as_date(month)), [0, 0])[0] += n
    lasts = completed.values_list("user_id", "unit_id").annotate(last=Max("completed_at"))
    for _user, unit_id, last in lasts.iterator(chunk_size=10_000):
        cells.setdefault((unit_id, month_of(last)), [0, 0])[1] += 1
    return {key: (c, n) for key, (c, n) in cells.items()}


def recount(*, fix: bool) -> list[str]:
    """The lessons' learned and like counts and search index, and the study per branch and
    month, against the study records, likes and texts (members.recounts)."""
    report = Report()
    learned = dict(
        StudyRecord.objects.filter(completed_at__isnull=False)
        .order_by()
        .values_list("lesson_id")
        .annotate(n=Count("pk"))
    )
    liked = dict(LessonLike.objects.order_by().values_list("lesson_id").annotate(n=Count("pk")))
    for pk, kept_learned, kept_likes in Lesson.objects.values_list(
        "pk", "learned_count", "like_count"
    ).order_by("pk"):
        counted = (learned.get(pk, 0), liked.get(pk, 0))
        if (kept_learned, kept_likes) != counted:
            report.add(
                "lessons",
                f"lesson {pk}: learned by {kept_learned}, likes {kept_likes}; "
                f"counted {counted[0]} and {counted[1]}",
            )
            if fix:
                Lesson.objects.filter(pk=pk).update(learned_count=counted[0], like_count=counted[1])
    # The search index is no count, but is kept the same way (Lesson.save) and bypassed the
    # same way (bulk inserts, queryset updates of a title or text): checked here too.
    stale = []
    for pk, title, summary, text, kept in Lesson.objects.values_list(
        "pk", "title", "summary", "body_text", "search_grams"
    ).iterator(chunk_size=500):
        if kept != grams(title, summary, text):
            report.add("lessons", f"lesson {pk}: its search index is not its text's")
            stale.append(pk)
    if fix and stale:
        for lesson in Lesson.objects.filter(pk__in=stale).only(
            "pk", "title", "summary", "body_text"
        ):
            Lesson.objects.filter(pk=lesson.pk).update(
                search_grams=grams(lesson.title, lesson.summary, lesson.body_text)
            )
    counted_cells = counted_study_months()
    kept_cells = {
        (unit_id, month): (c, n)
        for unit_id, month, c, n in StudyMonth.objects.values_list(
            "unit_id", "month", "completions", "last_learners"
        )
    }
    wrong = []
    for key in sorted(set(counted_cells) | set(kept_cells)):
        kept, counted = kept_cells.get(key, (0, 0)), counted_cells.get(key, (0, 0))
        if kept != counted:
            wrong.append(key)
            report.add(
                "study months",
                f"study of unit {key[0]} in {key[1]:%Y-%m}: kept {kept[0]} learned by "
                f"{kept[1]} last learners, counted {counted[0]} and {counted[1]}",
            )
    if fix and wrong:
        StudyMonth.objects.all().delete()
        StudyMonth.objects.bulk_create(
            (
                StudyMonth(unit_id=unit_id, month=month, completions=c, last_learners=n)
                for (unit_id, month), (c, n) in counted_cells.items()
            ),
            batch_size=5_000,
        )
    return report.result()
