"""The micro-classroom on the home page: today's lessons, my plans' progress, upcoming
offline sessions, and an organiser's to-do entry for reflections to review."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import person_cache
from members.scoping import Access

from . import progress
from . import signals as lesson_signals
from .models import (
    Lesson,
    LessonAudience,
    PlanItem,
    PlanMember,
    PlanUnit,
    Reflection,
    Series,
    Session,
    StudyPlan,
    StudyRecord,
)

TODAY_LESSONS = 3
HOME_PLANS = 3
HOME_SESSIONS = 3
REVIEW_DAYS = 7  # reflections of the last week are an organiser's to review
# Replaced on every write to lessons, plans and sessions; a person's own study records drop
# only their entry (members.person_cache). A scheduled lesson shows within its timeout.
VERSION_KEY = "lessons:home:version"
person_cache.register("lessons-home", VERSION_KEY)


def _cards(user, access: Access) -> tuple[list, list, list]:
    """The newest lessons, the person's plans with progress and the coming sessions (three
    queries); kept per person by members.person_cache."""
    learned = Exists(
        StudyRecord.objects.filter(user=user, lesson=OuterRef("pk"), completed_at__isnull=False)
    )
    lessons = list(
        Lesson.objects.visible_to(access)
        .select_related("series")
        .defer("body", "body_text")  # a few kB each; the card shows titles
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
    now = timezone.now()
    sessions = list(
        Session.objects.visible_to(access)
        .filter(ends_at__gte=now)
        .select_related("unit")
        .order_by("starts_at", "pk")[:HOME_SESSIONS]
    )
    return lessons, plans[:HOME_PLANS], sessions


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    lessons, plans, sessions = person_cache.cached(
        "lessons-home", request.user, VERSION_KEY, lambda: _cards(request.user, access)
    )
    result = [
        {
            "template": "lessons/_home_today.html",
            "lessons": lessons,
            "plans": plans,
            "todo": _todo(access),
        }
    ]
    if sessions:
        result.append({"template": "lessons/_home_sessions.html", "sessions": sessions})
    return result


def _todo(access: Access) -> list[dict]:
    """An organiser's reflections to review: those written in the last week under the
    lessons they publish and not hidden (one count query)."""
    if not access.is_organiser:
        return []
    since = timezone.localdate() - datetime.timedelta(days=REVIEW_DAYS - 1)  # today included
    # From local midnight as an instant: `created_at__date` would convert every row's
    # timestamp before comparing, so no index on created_at could be used.
    since_start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    count = Reflection.objects.filter(
        lesson__in=Lesson.objects.managed_by(access),
        is_hidden=False,
        created_at__gte=since_start,
    ).count()
    url = reverse("admin:lessons_reflection_changelist")
    return [
        {
            "label": _("Reflections to review"),
            "count": count,
            "url": f"{url}?is_hidden__exact=0&created_at__date__gte={since.isoformat()}",
            "note": _("written in the last %(days)s days") % {"days": REVIEW_DAYS},
            "order": 20,
        }
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


def _cards_changed(**kwargs) -> None:
    person_cache.replace_token(VERSION_KEY, using=kwargs.get("using"))


for _model in (Lesson, LessonAudience, Series, StudyPlan, PlanUnit, PlanMember, PlanItem, Session):
    for _name, _signal in (("saved", post_save), ("deleted", post_delete), ("m2m", m2m_changed)):
        _signal.connect(
            _cards_changed, sender=_model, dispatch_uid=f"lessons.home.{_model.__name__}.{_name}"
        )
lesson_signals.plan_assigned.connect(_cards_changed, dispatch_uid="lessons.home.plan_assigned")


@receiver(post_save, sender=StudyRecord, dispatch_uid="lessons.home.record_saved")
@receiver(post_delete, sender=StudyRecord, dispatch_uid="lessons.home.record_deleted")
def _record_changed(instance: StudyRecord, **kwargs) -> None:
    person_cache.forget("lessons-home", instance.user_id, using=kwargs.get("using"))
