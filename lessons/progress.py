"""Study progress, computed by the database: each figure is a correlated subquery or an
aggregate, so a page asks the same number of queries for ten members as for ten thousand.

Only lessons people can read count: a plan's draft or archived lesson (or a scheduled one not
yet due) is neither shown nor counted, so that finishing everything readable is 100%. For one
person, `plans_with_progress` counts exactly the lessons visible to them (their audience too).
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from members.models import Member, OrgUnit
from members.scoping import Access, access_for

from .models import Lesson, PlanItem, StudyPlan, StudyRecord


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


def plan_lesson_ids(plan: StudyPlan) -> list[int]:
    """The plan's lessons that count for everyone's progress: those published now."""
    return list(
        plan.items.filter(lesson__in=Lesson.objects.published().values("pk")).values_list(
            "lesson_id", flat=True
        )
    )


def plans_with_progress(
    plans: QuerySet[StudyPlan], user, access: Access | None = None
) -> QuerySet[StudyPlan]:
    """Each plan with `lesson_total` (its lessons the user may read) and the user's
    `lesson_done` among them."""
    readable = Lesson.objects.visible_to(access or access_for(user)).values("pk")
    done = StudyRecord.objects.filter(
        user=user,
        completed_at__isnull=False,
        lesson__plan_items__plan=OuterRef("pk"),
        lesson__in=readable,
    )
    return plans.annotate(
        lesson_total=count_of(
            PlanItem.objects.filter(plan=OuterRef("pk"), lesson__in=readable), "plan"
        ),
        lesson_done=count_of(done, "user"),
    )


def members_with_progress(members: QuerySet[Member], lesson_ids: list[int]) -> QuerySet[Member]:
    """Each member with `lesson_done`: how many of `lesson_ids` they have learned."""
    done = StudyRecord.objects.filter(
        user=OuterRef("user"), completed_at__isnull=False, lesson_id__in=lesson_ids
    )
    return members.annotate(lesson_done=count_of(done, "user"))


def branches_with_progress(
    plan: StudyPlan, branches: QuerySet[OrgUnit], lesson_ids: list[int]
) -> QuerySet[OrgUnit]:
    """Each branch with the plan's `member_count` there, the lessons learned by them
    (`lesson_done`) and how many have finished every lesson (`finished_count`)."""
    assigned = plan.assigned_members()
    total = len(lesson_ids)
    done = StudyRecord.objects.filter(
        completed_at__isnull=False,
        lesson_id__in=lesson_ids,
        user__member__in=assigned,
        user__member__unit=OuterRef("pk"),
    )
    finished = members_with_progress(assigned.filter(unit=OuterRef("pk")), lesson_ids).filter(
        lesson_done__gte=max(total, 1)
    )
    return branches.annotate(
        member_count=count_of(assigned.filter(unit=OuterRef("pk")), "unit"),
        lesson_done=count_of(done, "user__member__unit"),
        finished_count=count_of(finished, "unit"),
    )


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


# --- "learned by N colleagues" on a lesson page -----------------------------------------------
# Counting a lesson's completed records among 5 million took a query on every page view; the
# figure changes only when someone completes (or a record is removed), so it is cached per
# lesson and dropped by the signals below. Bulk writes bypass signals: the timeout bounds how
# long a figure can lag after one (seed_demo, seed_scale).
LEARNED_TIMEOUT = 15 * 60


def learned_key(lesson_id: int) -> str:
    return f"lessons:learned-count:{lesson_id}"


def learned_count(lesson_id: int) -> int:
    """How many people completed the lesson (cached; no query when warm)."""
    key = learned_key(lesson_id)
    found = cache.get(key)
    if found is None:
        found = StudyRecord.objects.filter(lesson_id=lesson_id, completed_at__isnull=False).count()
        cache.set(key, found, LEARNED_TIMEOUT)
    return found


@receiver(post_save, sender=StudyRecord, dispatch_uid="lessons.progress.record_saved")
@receiver(post_delete, sender=StudyRecord, dispatch_uid="lessons.progress.record_deleted")
def _record_changed(instance: StudyRecord, created: bool = False, **kwargs) -> None:
    if created and instance.completed_at is None:
        return  # a first opening: nobody learned anything yet
    # Now, and again after the commit: a reader between the two would cache the old figure.
    key = learned_key(instance.lesson_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
