"""The micro-classroom's panels on the home page: today's lessons and my plans' progress."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from members.scoping import Access

from . import progress
from .models import Lesson, StudyPlan, StudyRecord

TODAY_LESSONS = 3
HOME_PLANS = 3


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    user = request.user
    learned = Exists(
        StudyRecord.objects.filter(user=user, lesson=OuterRef("pk"), completed_at__isnull=False)
    )
    lessons = list(
        Lesson.objects.visible_to(access)
        .select_related("series")
        .annotate(learned=learned)
        .order_by("-publish_at", "-pk")[:TODAY_LESSONS]
    )
    plans = list(
        progress.plans_with_progress(StudyPlan.objects.for_member(access.member), user).order_by(
            "due_on", "pk"
        )[:20]
    )
    for plan in plans:
        plan.percent = progress.percent(plan.lesson_done, plan.lesson_total)
    # Unfinished plans first (soonest due), then finished ones.
    plans.sort(key=lambda p: (p.percent >= 100, p.due_on, p.pk))
    return [
        {"template": "lessons/_home_today.html", "lessons": lessons, "plans": plans[:HOME_PLANS]}
    ]


def profile_section(request, access: Access, member) -> dict | None:
    """A member's study on their profile: for them and for those who keep their record."""
    if member.user_id is None:
        return None
    is_me = access.member is not None and access.member.pk == member.pk
    if not (is_me or access.manages_unit(member.unit)):
        return None
    days = progress.learned_days(member.user_id)
    return {
        "template": "lessons/_profile_study.html",
        "learned": StudyRecord.objects.filter(
            user_id=member.user_id, completed_at__isnull=False
        ).count(),
        "streak": progress.streak(days, timezone.localdate()),
    }
