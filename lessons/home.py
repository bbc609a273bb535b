"""The micro-classroom on the home page: today's lessons, my plans' progress, upcoming
offline sessions, and an organiser's to-do entry for reflections to review. Each card is one
query (the plans' progress is read from lessons.progress's tables)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.scoping import Access

from . import progress
from .models import Lesson, Reflection, Session, StudyRecord

TODAY_LESSONS = 3
HOME_PLANS = 3
HOME_SESSIONS = 3
REVIEW_DAYS = 7  # reflections of the last week are an organiser's to review


def learned_by(user) -> Exists:
    """Whether `user` learned the lesson of the row (an annotation)."""
    return Exists(
        StudyRecord.objects.filter(user=user, lesson=OuterRef("pk"), completed_at__isnull=False)
    )


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    user = request.user
    lessons = (
        Lesson.objects.visible_to(access)
        .annotate(learned=learned_by(user))
        .order_by("-publish_at", "-pk")
        .values("pk", "title", "reading_minutes", "series__name", "learned")[:TODAY_LESSONS]
    )
    plans = progress.my_plans(access)[:HOME_PLANS]
    result = [
        {
            "template": "lessons/_home_today.html",
            "lessons": list(lessons),
            "plans": plans,
            "todo": _todo(access),
        }
    ]
    sessions = list(
        Session.objects.visible_to(access)
        .filter(ends_at__gte=timezone.now())
        .order_by("starts_at", "pk")
        .values("pk", "title", "kind", "starts_at", "place")[:HOME_SESSIONS]
    )
    if sessions:
        kinds = dict(Session.Kind.choices)
        for session in sessions:
            session["kind_label"] = kinds.get(session["kind"], session["kind"])
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
