"""The demo micro-classroom: complete, and idempotent when seeded twice."""

from __future__ import annotations

from lessons import demo
from lessons.models import (
    Attendance,
    Lesson,
    LessonLike,
    Reflection,
    Series,
    Session,
    StudyPlan,
    StudyRecord,
)
from members import demo as members_demo
from members.models import Member


def counts():
    return [
        m.objects.count()
        for m in (Series, Lesson, StudyPlan, Session, Attendance, Reflection, LessonLike)
    ] + [StudyRecord.objects.count()]


def test_demo_seeds_a_living_classroom_and_is_idempotent(db):
    members_demo.seed()
    demo.seed()
    first = counts()
    assert first[:4] == [4, 30, 3, 2]  # two plans and the ethics hall's make-up plan
    assert all(first)
    assert all(lesson.cover_renditions for lesson in Lesson.objects.all())
    me = Member.objects.get(user__username="member")
    assert StudyPlan.objects.for_member(me).count() == 3
    demo.seed()
    assert counts() == first
