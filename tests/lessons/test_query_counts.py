"""The micro-classroom's pages ask the same number of queries with 10 rows as with 1,000:
lessons, reflections, likes, study records, members and plans are all counted by the
database (annotations and subqueries), never fetched row by row."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons.models import (
    Lesson,
    LessonLike,
    PlanItem,
    PlanUnit,
    Reflection,
    ReflectionLike,
    StudyPlan,
    StudyRecord,
)
from members.models import Member
from members.recounts import recount_all


def count_queries(client, url: str, params: dict | None = None) -> int:
    client.get(url, params)  # warm the session so both runs start alike
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def add_lessons(org, series, count: int, start: int = 0) -> list[Lesson]:
    now = timezone.now()
    return Lesson.objects.bulk_create(
        Lesson(
            title=f"批量课程{n:04d}",
            body="<p>支部学习</p>",
            series=series,
            unit=org.committee,
            status=Lesson.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(minutes=n + 1),
            cover_renditions={"360": f"lessons/renditions/x{n}-360.webp", "w": "360", "h": "200"},
        )
        for n in range(start, start + count)
    )


def add_learners(org, count: int, start: int = 0) -> list:
    """`count` members of branch A with logins (bulk: one user and one member insert)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bulk{n:05d}", password="!") for n in range(start, start + count)
    )
    Member.objects.bulk_create(
        Member(
            unit=org.branch_a if n % 2 else org.branch_b,
            name=f"学员{n:05d}",
            gender=Member.Gender.MALE,
            stage=Member.Stage.FULL,
            applied_on=datetime.date(2010, 1, 1),
            full_on=datetime.date(2012, 1, 1),
            user=user,
        )
        for n, user in zip(range(start, start + count), users, strict=True)
    )
    return users


def test_lesson_list_queries_do_not_grow_with_lessons(org, client_for, series):
    # Count, page (series joined), the learned flag as EXISTS, series choices, reading list.
    client = client_for("member_a")
    url = reverse("lessons:list")
    add_lessons(org, series, 10)
    small = count_queries(client, url)
    add_lessons(org, series, 990, start=10)
    assert count_queries(client, url) == small
    assert count_queries(client, url, {"q": "批量 支部", "page": 3}) == count_queries(
        client, url, {"q": "批量 支部"}
    )


def _crowd_lesson(lesson, users):
    StudyRecord.objects.bulk_create(
        StudyRecord(user=u, lesson=lesson, completed_at=timezone.now()) for u in users
    )
    LessonLike.objects.bulk_create(LessonLike(user=u, lesson=lesson) for u in users)
    reflections = Reflection.objects.bulk_create(
        Reflection(lesson=lesson, author=u, text="心得") for u in users
    )
    ReflectionLike.objects.bulk_create(
        ReflectionLike(reflection=r, user=u) for r, u in zip(reflections, users, strict=True)
    )


def test_lesson_page_queries_do_not_grow_with_readers(org, client_for, make_lesson):
    # Reflections come with their author, member, like count and own like in one query.
    lesson = make_lesson()
    client = client_for("member_a")
    url = reverse("lessons:detail", args=[lesson.pk])
    _crowd_lesson(lesson, add_learners(org, 10))
    small = count_queries(client, url)
    _crowd_lesson(lesson, add_learners(org, 990, start=10))
    assert StudyRecord.objects.filter(lesson=lesson).count() >= 1000
    assert count_queries(client, url) == small


def _learn_all(users, lessons):
    StudyRecord.objects.bulk_create(
        StudyRecord(user=u, lesson=lesson, completed_at=timezone.now())
        for u in users
        for lesson in lessons
    )


@pytest.mark.parametrize("persona", ["secretary_a", "organiser"])
def test_progress_page_queries_do_not_grow_with_members(
    org, client_for, make_lesson, make_plan, persona
):
    # Branch rates: member, learned and finished counts as three correlated subqueries;
    # member rows: one learned count subquery.
    lessons = [make_lesson(f"课{i}") for i in range(3)]
    plan = make_plan(lessons)
    client = client_for(persona)
    url = reverse("lessons:plan_progress", args=[plan.pk])
    params = {"branch": org.branch_a.pk}
    _learn_all(add_learners(org, 10), lessons[:2])
    small, small_branch = count_queries(client, url), count_queries(client, url, params)
    _learn_all(add_learners(org, 990, start=10), lessons[:2])
    assert count_queries(client, url) == small
    assert count_queries(client, url, params) == small_branch


def test_my_plans_home_and_my_study_do_not_grow_with_plans_and_records(org, client_for, series):
    client = client_for("member_a")
    user = org.member_a.user

    def add(start: int, count: int) -> None:
        lessons = add_lessons(org, series, count, start=start)
        plans = StudyPlan.objects.bulk_create(
            StudyPlan(title=f"计划{n}", unit=org.committee, due_on=timezone.localdate())
            for n in range(start, start + count)
        )
        PlanUnit.objects.bulk_create(PlanUnit(plan=p, unit=org.branch_a) for p in plans)
        PlanItem.objects.bulk_create(
            PlanItem(plan=p, lesson=lesson) for p, lesson in zip(plans, lessons, strict=True)
        )
        StudyRecord.objects.bulk_create(
            StudyRecord(user=user, lesson=lesson, completed_at=timezone.now()) for lesson in lessons
        )
        recount_all(fix=True)  # bulk writes, as the seeds make them, then the recount

    add(0, 10)
    urls = [reverse("lessons:plans"), reverse("home"), reverse("lessons:my_study")]
    small = [count_queries(client, url) for url in urls]
    assert "计划9" in client.get(urls[0]).text  # the plans are there, with their progress
    add(10, 990)
    assert [count_queries(client, url) for url in urls] == small


def test_admin_lesson_changelist_does_not_grow(org, client_for, series):
    client = client_for("organiser")
    url = reverse("admin:lessons_lesson_changelist")
    add_lessons(org, series, 10)
    small = count_queries(client, url)
    add_lessons(org, series, 990, start=10)
    assert count_queries(client, url) == small


def test_session_page_does_not_grow_with_attendance(org, client_for):
    from lessons.models import Attendance, Session

    now = timezone.now()
    session = Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title="主题党日",
        unit=org.committee,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=1),
        place="活动室",
    )
    client = client_for("organiser")
    url = reverse("lessons:session", args=[session.pk])

    def attend(start, count):
        add_learners(org, count, start=start)
        Attendance.objects.bulk_create(
            Attendance(session=session, member=m)
            for m in Member.objects.filter(name__startswith="学员").exclude(
                attendances__session=session
            )
        )

    attend(0, 10)
    small = count_queries(client, url)
    attend(10, 990)
    assert count_queries(client, url) == small
