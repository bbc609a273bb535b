"""What people do in the micro-classroom, each an atomic function named `<entity>_<action>`.

Views call these; nothing here trusts that the caller checked visibility, so every function
takes objects already fetched from a scoped queryset.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member

from . import progress, signals
from .models import (
    AgendaItem,
    Attendance,
    Lesson,
    LessonLike,
    PlanItem,
    PlanMember,
    Question,
    Reflection,
    ReflectionLike,
    Session,
    SignInFailure,
    StudyPlan,
    StudyRecord,
)
from .rollups import bump

MAKEUP_DAYS = 14
# A six-digit code falls to guessing without a limit: after this many wrong codes for one
# session a person must ask the organiser (counted in SignInFailure).
SIGN_IN_MAX_FAILURES = 10


def study_record_open(
    *, user, lesson: Lesson | None = None, lesson_id: int | None = None
) -> StudyRecord:
    """The first opening is kept; later visits change nothing (no time counting). The lesson
    is given as an object or by its pk."""
    if lesson is not None:
        lesson_id = lesson.pk
    record, _created = StudyRecord.objects.get_or_create(user=user, lesson_id=lesson_id)
    return record


@transaction.atomic
def study_record_complete(*, user, lesson: Lesson, passed_check: bool = False) -> StudyRecord:
    """Mark the lesson learned (once: a second time changes nothing). StudyRecord.save keeps
    the figures that count it."""
    record, _created = StudyRecord.objects.select_for_update().get_or_create(
        user=user, lesson=lesson
    )
    changed = []
    if record.completed_at is None:
        record.completed_at = timezone.now()
        changed.append("completed_at")
    if passed_check and not record.passed_check:
        record.passed_check = True
        changed.append("passed_check")
    if changed:
        record.save(update_fields=changed)
    return record


def lesson_check(*, user, lesson: Lesson, answers: dict[int, str]) -> list[Question]:
    """Mark the short check. Returns the questions answered wrongly (or not at all); with
    none wrong the lesson is learned. No points are kept."""
    questions = list(lesson.questions.all())
    wrong = [q for q in questions if answers.get(q.pk) != q.answer]
    if questions and not wrong:
        study_record_complete(user=user, lesson=lesson, passed_check=True)
    return wrong


@transaction.atomic
def lesson_like_toggle(*, user, lesson: Lesson) -> tuple[bool, int]:
    """Like the lesson, or take the like back; returns whether it is liked now and the
    lesson's like count (kept on the lesson by LessonLike.save and .delete)."""
    existing = LessonLike.objects.filter(lesson=lesson, user=user).first()
    if existing is not None:
        existing.delete()
    else:
        try:
            with transaction.atomic():
                LessonLike.objects.create(lesson=lesson, user=user)
        except IntegrityError:  # a double tap raced us and counted it: liked either way
            pass
    count = Lesson.objects.filter(pk=lesson.pk).values_list("like_count", flat=True).get()
    return existing is None, count


def reflection_like_toggle(*, user, reflection: Reflection) -> tuple[bool, int]:
    deleted, _rows = ReflectionLike.objects.filter(reflection=reflection, user=user).delete()
    if not deleted:
        try:
            with transaction.atomic():
                ReflectionLike.objects.create(reflection=reflection, user=user)
        except IntegrityError:  # a double tap raced us; it is liked either way
            pass
    return not deleted, ReflectionLike.objects.filter(reflection=reflection).count()


def reflection_create(*, user, lesson: Lesson, text: str) -> Reflection:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    reflection = Reflection(lesson=lesson, author=user, text=text)
    reflection.full_clean()
    reflection.save()
    return reflection


def session_sign_in(*, session: Session, member: Member, code: str, now=None) -> Attendance:
    """Sign in with the code the organiser shows, during the session's window."""
    now = now or timezone.now()
    if not session.sign_in_open(now):
        raise ValidationError(_("Sign-in is open only during the session."))
    failures = SignInFailure.objects.filter(session=session, member=member)
    if failures.filter(count__gte=SIGN_IN_MAX_FAILURES).exists():
        raise ValidationError(
            _("Too many wrong codes: ask the organiser of the session to sign you in.")
        )
    if (code or "").strip() != session.sign_in_code:
        # Not inside a transaction that the refusal would roll back: the count stays.
        bump(SignInFailure, {"session": session, "member": member}, count=1)
        raise ValidationError({"code": _("The code is not right; ask the organiser.")})
    if not member.unit.path.startswith(session.unit.path):
        raise ValidationError(_("This session is not for your unit."))
    failures.delete()
    attendance, _created = Attendance.objects.get_or_create(
        session=session, member=member, defaults={"signed_in_at": now}
    )
    return attendance


@transaction.atomic
def session_apply_agenda_template(*, session: Session) -> int:
    """Fill in the usual agenda of an ethics lecture hall after any items already there."""
    start = session.agenda.count()
    items = [
        AgendaItem(session=session, order=start + index, kind=kind)
        for index, kind in enumerate(AgendaItem.ETHICS_HALL_TEMPLATE, start=1)
    ]
    AgendaItem.objects.bulk_create(items)
    return len(items)


@transaction.atomic
def session_assign_makeup(*, session: Session, by=None, today=None, now=None) -> StudyPlan | None:
    """Give the members who did not sign in the session's published lessons as a make-up
    plan, once the session is over (before that nobody is absent yet). Run again, it adds
    newcomers to the absentees and drops those who signed in late."""
    now = now or timezone.now()
    if session.ends_at > now:
        raise ValidationError(
            _("%(session)s has not ended yet: give a make-up plan after the session.")
            % {"session": session}
        )
    lessons = list(session.lessons.published(now).order_by("pk"))
    if not lessons:
        return None
    today = today or timezone.localdate()
    plan = StudyPlan.objects.filter(session=session).first()
    if plan is None:
        plan = StudyPlan.objects.create(
            title=_("Make-up: %(title)s") % {"title": session.title},
            description=_("You missed %(title)s on %(date)s; study its lessons to make up.")
            % {"title": session.title, "date": timezone.localtime(session.starts_at).date()},
            unit=session.unit,
            due_on=today + datetime.timedelta(days=MAKEUP_DAYS),
            session=session,
            created_by=by,
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, lesson=lesson, order=index)
            for index, lesson in enumerate(lessons, start=1)
        )
    absent = set(
        session.expected_members()
        .exclude(attendances__session=session)
        .values_list("pk", flat=True)
    )
    current = set(PlanMember.objects.filter(plan=plan).values_list("member_id", flat=True))
    PlanMember.objects.filter(plan=plan, member_id__in=current - absent).delete()
    added = sorted(absent - current)
    PlanMember.objects.bulk_create(PlanMember(plan=plan, member_id=pk) for pk in added)
    # The bulk writes above (and the items of a new plan) bypass PlanMember.save: recount.
    progress.plan_changed(plan.pk)
    if added:
        signals.plan_assigned.send(
            sender=StudyPlan, plan=plan, members=list(Member.objects.filter(pk__in=added))
        )
    return plan
