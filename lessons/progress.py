"""Study plans' progress, kept in tables, and the other study figures of the pages.

`PlanProgress` has one row for each plan and each member it is for (the active members of
its units and the units under them, and the members it names), with the member's branch and
`done`: how many of the plan's lessons they have learned, counting the plan's published and
scheduled lessons (nobody can learn a scheduled lesson before it appears, so until then it
adds nothing). `PlanUnitProgress` counts those rows per plan, branch and `done`, so that a
branch's member count, lessons learned and members finished are sums over a few rows, even
for a plan of the whole province.

What a page shows against them, the plan's number of lessons, is counted when the page is
drawn from the plan's few items: those published now (and, for one person, those they may
read), so that a scheduled lesson counts from the moment it appears, with no write, and
finishing everything readable is 100 %. A member's `done` is shown at most that number.

Who keeps the rows (each change goes through one of the functions below):
- a completion (StudyRecord.save, lessons.rollups): `member_learned`;
- a plan's units, lessons or named members changed (PlanUnit, PlanItem and PlanMember
  save/delete, the make-up service), or one of its lessons published or unpublished
  (Lesson.save): `plan_changed`, which recounts that plan (once per `batch()`, as the admin's
  inlines save several rows);
- a member saved (joined, transferred, left, their login changed) or a login deleted, a unit
  moved in the tree: `member_refresh` / `plan_changed`, from lessons.receivers (those writes
  are the members app's).
`recount` counts every plan again from the raw rows (members.recounts).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections import Counter

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least, Substr, TruncDate
from django.utils import timezone

from members.models import PATH_SEGMENT, Member, OrgUnit
from members.scoping import Access

from .models import (
    Lesson,
    PlanItem,
    PlanMember,
    PlanProgress,
    PlanUnit,
    PlanUnitProgress,
    StudyPlan,
    StudyRecord,
    path_unit_ids,
)
from .rollups import Report, bump


def count_of(queryset: QuerySet, group_by: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as an integer annotation (0 when empty).
    `group_by` is the field the queryset is correlated on."""
    subquery = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def percent(done: int, total: int) -> int:
    """Whole per cent, rounded down so that 100 means everything is done."""
    if not total:
        return 0
    return min(100, done * 100 // total)


# --- what the pages read ------------------------------------------------------------------------
def plan_lesson_ids(plan: StudyPlan) -> list[int]:
    """The plan's lessons that count for everyone's progress: those published now."""
    return list(
        plan.items.filter(lesson__in=Lesson.objects.published().values("pk")).values_list(
            "lesson_id", flat=True
        )
    )


def my_plans(access: Access) -> list[dict]:
    """The plans the person is a member of, as {"pk", "title", "due_on", "session_id",
    "lesson_total" (their lessons the person may read now), "lesson_done", "percent",
    "finished"}, unfinished first (soonest due), then finished ones. Two small queries: the
    person's PlanProgress rows, and the readable lessons of those plans."""
    if access.member is None:
        return []
    rows = list(
        PlanProgress.objects.filter(member=access.member).values(
            "plan_id", "plan__title", "plan__due_on", "plan__session_id", "done"
        )
    )
    if not rows:
        return []
    readable = Lesson.objects.visible_to(access).values("pk")
    totals = dict(
        PlanItem.objects.filter(plan_id__in=[row["plan_id"] for row in rows], lesson__in=readable)
        .order_by()
        .values_list("plan_id")
        .annotate(n=Count("pk"))
    )
    plans = []
    for row in rows:
        total = totals.get(row["plan_id"], 0)
        done = min(row["done"], total)
        plans.append(
            {
                "pk": row["plan_id"],
                "title": row["plan__title"],
                "due_on": row["plan__due_on"],
                "session_id": row["plan__session_id"],
                "lesson_total": total,
                "lesson_done": done,
                "percent": percent(done, total),
                "finished": bool(total) and done >= total,
            }
        )
    plans.sort(key=lambda p: (p["finished"], p["due_on"], p["pk"]))
    return plans


def _progress_sums(total: int) -> dict:
    """What a branch row sums from PlanUnitProgress rows."""
    return {
        "member_count": Sum("members"),
        "lesson_done": Sum(Least(F("done"), Value(total)) * F("members")),
        "finished_count": Coalesce(Sum("members", filter=Q(done__gte=max(total, 1))), 0),
    }


def _row(pk: int, name: str, short_name: str, kind: str, sums: dict, total: int) -> dict:
    return {
        "pk": pk,
        "name": name,
        "label": short_name or name,
        "is_branch": kind == OrgUnit.Kind.BRANCH,
        "member_count": sums["member_count"],
        "lesson_done": sums["lesson_done"],
        "finished_count": sums["finished_count"],
        "rate": percent(sums["lesson_done"], sums["member_count"] * total),
    }


def branch_rows(plan: StudyPlan, branches: QuerySet[OrgUnit], total: int) -> list[dict]:
    """The branches of `branches` with members in the plan, in tree order: their
    `member_count`, `lesson_done` (lessons learned by them all) and `finished_count`, summed
    from PlanUnitProgress (one query, a few rows a branch)."""
    rows = (
        PlanUnitProgress.objects.filter(plan=plan, unit__in=branches, members__gt=0)
        .values("unit_id", "unit__name", "unit__short_name", "unit__kind", "unit__path")
        .annotate(**_progress_sums(total))
        .order_by("unit__path")
    )
    return [
        _row(r["unit_id"], r["unit__name"], r["unit__short_name"], r["unit__kind"], r, total)
        for r in rows
    ]


def unit_rows(plan: StudyPlan, parent: OrgUnit, total: int) -> list[dict]:
    """For a scope of too many branches to list (a province's 3,000): one row per unit
    directly under `parent` (each county, or a branch right under it), summed over the
    branches under it by the database (two queries)."""
    child_path = Substr("unit__path", 1, len(parent.path) + PATH_SEGMENT)
    rows = list(
        PlanUnitProgress.objects.filter(
            plan=plan, unit__path__startswith=parent.path, members__gt=0
        )
        .exclude(unit=parent)
        .annotate(child_path=child_path)
        .values("child_path")
        .annotate(**_progress_sums(total))
        .order_by("child_path")
    )
    units = {
        unit["path"]: unit
        for unit in OrgUnit.objects.filter(path__in=[r["child_path"] for r in rows]).values(
            "pk", "path", "name", "short_name", "kind"
        )
    }
    return [
        _row(unit["pk"], unit["name"], unit["short_name"], unit["kind"], r, total)
        for r in rows
        if (unit := units.get(r["child_path"]))
    ]


def member_rows(plan: StudyPlan, units: QuerySet[OrgUnit], total: int) -> QuerySet:
    """The plan's members in `units` as {"name", "unit__name", "lesson_done"} (from
    PlanProgress), by branch and name."""
    return (
        PlanProgress.objects.filter(plan=plan, unit__in=units)
        .annotate(name=F("member__name"), lesson_done=Least(F("done"), Value(total)))
        .values("member_id", "name", "unit__name", "lesson_done")
        .order_by("unit__path", "name", "member_id")
    )


def members_with_progress(members: QuerySet[Member], lesson_ids: list[int]) -> QuerySet[Member]:
    """Each member with `lesson_done`: how many of `lesson_ids` they have learned, counted
    from their study records (the plan reminders' query: it runs in a background task)."""
    done = StudyRecord.objects.filter(
        user=OuterRef("user"), completed_at__isnull=False, lesson_id__in=lesson_ids
    )
    return members.annotate(lesson_done=count_of(done, "user"))


def learned_days(user, limit: int = 400) -> list[datetime.date]:
    """The distinct local days on which the user learned something, newest first."""
    tz = timezone.get_current_timezone()
    return list(
        StudyRecord.objects.filter(user=user, completed_at__isnull=False)
        .annotate(day=TruncDate("completed_at", tzinfo=tz))
        .order_by("-day")
        .values_list("day", flat=True)
        .distinct()[:limit]
    )


def streak(days: list[datetime.date], today: datetime.date) -> int:
    """Consecutive days with a completion, ending today (or yesterday: today is not over)."""
    if not days:
        return 0
    wanted = today if days[0] == today else today - datetime.timedelta(days=1)
    count = 0
    for day in days:
        if day != wanted:
            break
        count += 1
        wanted -= datetime.timedelta(days=1)
    return count


# --- keeping the rows ---------------------------------------------------------------------------
def _tally(plan_id: int, unit_id: int, done: int, change: int) -> None:
    bump(PlanUnitProgress, {"plan_id": plan_id, "unit_id": unit_id, "done": done}, members=change)


def member_learned(*, member_id: int, lesson_id: int, change: int) -> None:
    """The member learned a lesson (change=1) or it no longer counts as learned (-1): one
    more (or less) done in each plan that holds it (published or scheduled) and is for
    them. The caller holds the member's row lock (lessons.rollups.record_saving)."""
    rows = PlanProgress.objects.filter(
        member_id=member_id,
        plan__items__lesson_id=lesson_id,
        plan__items__lesson__status__in=Lesson.LIVE_STATUSES,
    ).values_list("pk", "plan_id", "unit_id", "done")
    for pk, plan_id, unit_id, done in rows:
        PlanProgress.objects.filter(pk=pk).update(done=F("done") + change)
        _tally(plan_id, unit_id, done, -1)
        _tally(plan_id, unit_id, done + change, 1)


def _member_wanted(member_id: int) -> dict[int, tuple[int, int]]:
    """{plan pk: (unit pk, done)} that the member should have, from the raw rows."""
    member = (
        Member.objects.active()
        .filter(pk=member_id)
        .values_list("unit_id", "unit__path", "user_id")
        .first()
    )
    if member is None:
        return {}
    unit_id, path, user_id = member
    plans = set(
        PlanUnit.objects.filter(unit_id__in=path_unit_ids(path)).values_list("plan_id", flat=True)
    ) | set(PlanMember.objects.filter(member_id=member_id).values_list("plan_id", flat=True))
    if not plans:
        return {}
    done: dict[int, int] = {}
    if user_id is not None:
        done = dict(
            StudyRecord.objects.filter(
                user_id=user_id,
                completed_at__isnull=False,
                lesson__status__in=Lesson.LIVE_STATUSES,
                lesson__plan_items__plan_id__in=plans,
            )
            .order_by()
            .values_list("lesson__plan_items__plan_id")
            .annotate(n=Count("pk"))
        )
    return {plan_id: (unit_id, done.get(plan_id, 0)) for plan_id in plans}


@transaction.atomic
def member_refresh(member_id: int) -> None:
    """Bring one member's rows in line with their unit, status, login and study (after any
    save of their record, or their login deleted)."""
    # Without the default order, which joins the unit: FOR UPDATE would lock it too.
    list(Member.objects.select_for_update().filter(pk=member_id).order_by().values_list("pk"))
    wanted = _member_wanted(member_id)
    have = {
        plan_id: (pk, unit_id, done)
        for pk, plan_id, unit_id, done in PlanProgress.objects.filter(
            member_id=member_id
        ).values_list("pk", "plan_id", "unit_id", "done")
    }
    for plan_id, (pk, unit_id, done) in have.items():
        if wanted.get(plan_id) != (unit_id, done):
            _tally(plan_id, unit_id, done, -1)
            if plan_id not in wanted:
                PlanProgress.objects.filter(pk=pk).delete()
    for plan_id, (unit_id, done) in wanted.items():
        old = have.get(plan_id)
        if old is not None and old[1:] == (unit_id, done):
            continue
        if old is None:
            PlanProgress.objects.create(
                plan_id=plan_id, member_id=member_id, unit_id=unit_id, done=done
            )
        else:
            PlanProgress.objects.filter(pk=old[0]).update(unit_id=unit_id, done=done)
        _tally(plan_id, unit_id, done, 1)


def member_forget(member_id: int) -> None:
    """Before a member's record is deleted (their rows go with it): the branch counts."""
    for plan_id, unit_id, done in PlanProgress.objects.filter(member_id=member_id).values_list(
        "plan_id", "unit_id", "done"
    ):
        _tally(plan_id, unit_id, done, -1)


def _plan_wanted(plan: StudyPlan) -> dict[int, tuple[int, int]]:
    """{member pk: (unit pk, done)} for everyone the plan is for, from the raw rows."""
    live = PlanItem.objects.filter(plan=plan, lesson__status__in=Lesson.LIVE_STATUSES)
    done = dict(
        StudyRecord.objects.filter(
            completed_at__isnull=False, lesson_id__in=live.values("lesson_id")
        )
        .order_by()
        .values_list("user_id")
        .annotate(n=Count("pk"))
    )
    members = plan.assigned_members().order_by().values_list("pk", "unit_id", "user_id")
    return {
        pk: (unit_id, done.get(user_id, 0) if user_id else 0)
        for pk, unit_id, user_id in members.iterator(chunk_size=10_000)
    }


def _sync_plan(plan: StudyPlan, report: Report | None, fix: bool) -> None:
    """Compare the plan's rows and branch counts with a count from the raw rows; report
    each difference and, with `fix`, write the counted figures."""
    wanted = _plan_wanted(plan)
    have = {
        member_id: (pk, unit_id, done)
        for pk, member_id, unit_id, done in PlanProgress.objects.filter(plan=plan)
        .values_list("pk", "member_id", "unit_id", "done")
        .iterator(chunk_size=10_000)
    }
    gone, new, changed = [], [], []
    for member_id, (pk, unit_id, done) in have.items():
        if member_id not in wanted:
            gone.append(pk)
            if report is not None:
                report.add("plan members", f"plan {plan.pk}: member {member_id} is not for it")
        elif wanted[member_id] != (unit_id, done):
            changed.append(
                PlanProgress(pk=pk, unit_id=wanted[member_id][0], done=wanted[member_id][1])
            )
            if report is not None:
                report.add(
                    "plan members",
                    f"plan {plan.pk}, member {member_id}: kept unit {unit_id} and {done} "
                    f"learned, counted unit {wanted[member_id][0]} and {wanted[member_id][1]}",
                )
    for member_id, (unit_id, done) in wanted.items():
        if member_id not in have:
            new.append(PlanProgress(plan=plan, member_id=member_id, unit_id=unit_id, done=done))
            if report is not None:
                report.add("plan members", f"plan {plan.pk}: member {member_id} has no row")
    counted = Counter(wanted.values())
    kept = {
        (unit_id, done): n
        for unit_id, done, n in PlanUnitProgress.objects.filter(plan=plan).values_list(
            "unit_id", "done", "members"
        )
    }
    tally_wrong = False
    for key in sorted(set(counted) | set(kept)):
        if counted.get(key, 0) != kept.get(key, 0):
            tally_wrong = True
            if report is not None:
                report.add(
                    "plan branches",
                    f"plan {plan.pk}, unit {key[0]}, {key[1]} learned: kept {kept.get(key, 0)} "
                    f"members, counted {counted.get(key, 0)}",
                )
    if not fix:
        return
    for start in range(0, len(gone), 5_000):
        PlanProgress.objects.filter(pk__in=gone[start : start + 5_000]).delete()
    PlanProgress.objects.bulk_create(new, batch_size=5_000)
    PlanProgress.objects.bulk_update(changed, ["unit", "done"], batch_size=1_000)
    if tally_wrong:
        PlanUnitProgress.objects.filter(plan=plan).delete()
        PlanUnitProgress.objects.bulk_create(
            (
                PlanUnitProgress(plan=plan, unit_id=unit_id, done=done, members=n)
                for (unit_id, done), n in counted.items()
            ),
            batch_size=5_000,
        )


@transaction.atomic
def plan_refresh(plan_id: int) -> None:
    """Count one plan's rows again (its units, lessons or named members changed)."""
    plan = StudyPlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is not None:
        _sync_plan(plan, None, fix=True)


_pending: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "lessons_plans_pending", default=None
)


@contextlib.contextmanager
def batch():
    """Recount each plan changed inside the block once, at its end (the admin saves a
    plan's units and lessons row by row)."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set(set())
    try:
        yield
        for plan_id in sorted(_pending.get()):
            plan_refresh(plan_id)
    finally:
        _pending.reset(token)


def plan_changed(plan_id: int) -> None:
    """A plan's units, lessons or named members changed: recount it (now, or at the end of
    the enclosing `batch()`)."""
    pending = _pending.get()
    if pending is not None:
        pending.add(plan_id)
    else:
        plan_refresh(plan_id)


def lesson_counts_changed(*, lesson_id: int) -> None:
    """A lesson was published or unpublished: it counts, or no longer, in its plans."""
    for plan_id in (
        PlanItem.objects.filter(lesson_id=lesson_id).values_list("plan_id", flat=True).distinct()
    ):
        plan_changed(plan_id)


def recount(*, fix: bool) -> list[str]:
    """Every plan's rows and branch counts against a count from the raw rows."""
    report = Report()
    for plan in StudyPlan.objects.order_by("pk"):
        _sync_plan(plan, report, fix)
    return report.result()
