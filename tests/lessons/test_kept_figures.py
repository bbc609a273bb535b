"""The figures the micro-classroom keeps in tables (lessons' learned and like counts, study
per branch and month, study plans' progress per member and per branch) equal a recount from
the raw rows after every kind of write: the demo data, learning (twice), the short check,
likes, plans assigned and changed, lessons unpublished and deleted, members transferred,
leaving or losing their login, units moved, and bulk writes (which the recount finds and
corrects)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lessons import progress, rollups, services, stats
from lessons.models import (
    Lesson,
    LessonLike,
    PlanItem,
    PlanProgress,
    PlanUnit,
    PlanUnitProgress,
    Question,
    Session,
    StudyMonth,
    StudyRecord,
)
from members import services as member_services
from members.models import Member, OrgUnit

from .test_admin import _plan_post


def assert_agrees() -> None:
    """Every kept figure equals its recount from the raw rows."""
    assert rollups.recount(fix=False) == []
    assert progress.recount(fix=False) == []


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def cell(unit) -> tuple[int, int]:
    row = StudyMonth.objects.filter(unit=unit, month=this_month()).first()
    return (row.completions, row.last_learners) if row else (0, 0)


def done(plan, member) -> int | None:
    return (
        PlanProgress.objects.filter(plan=plan, member=member).values_list("done", flat=True).first()
    )


def test_the_demo_data_agrees_with_a_recount(db, monkeypatch):
    monkeypatch.setattr("members.management.commands.seed_demo.DEMO_APPS", ("members", "lessons"))
    call_command("seed_demo", stdout=io.StringIO())
    assert_agrees()
    assert Lesson.objects.filter(learned_count__gt=0).exists()
    assert Lesson.objects.filter(like_count__gt=0).exists()
    assert StudyMonth.objects.filter(completions__gt=0).exists()
    assert PlanProgress.objects.filter(done__gt=0).exists()
    call_command("recount_figures", "--check", stdout=io.StringIO())


def test_the_scale_data_agrees_with_a_recount(db):
    call_command(
        "seed_scale",
        "--scale",
        "0.002",
        "--seed",
        "7",
        "--today",
        "2026-11-24",
        stdout=io.StringIO(),
    )
    assert_agrees()
    assert StudyRecord.objects.filter(completed_at__isnull=False, unit__isnull=True).count() == 0
    assert PlanProgress.objects.filter(done__gt=0).exists()
    assert not Lesson.objects.filter(search_grams="").exists()  # the index of every lesson


def test_learning_twice_counts_once(org, client_for, make_lesson, make_plan):
    lesson = make_lesson()
    plan = make_plan([lesson, make_lesson("另一课")], units=[org.branch_a])
    client = client_for("member_a")
    for _ in range(2):
        client.get(reverse("lessons:detail", args=[lesson.pk]))  # opened: nothing counts yet
        assert_agrees()
        client.post(reverse("lessons:learned", args=[lesson.pk]))
    lesson.refresh_from_db()
    assert lesson.learned_count == 1
    assert cell(org.branch_a) == (1, 1)
    assert done(plan, org.member_a) == 1 and done(plan, org.secretary_a) == 0
    services.study_record_complete(user=org.member_a.user, lesson=lesson)
    assert_agrees()
    lesson.refresh_from_db()
    assert lesson.learned_count == 1


def test_a_new_month_moves_the_learner_not_the_completions(org, make_lesson):
    earlier = timezone.now() - datetime.timedelta(days=62)
    StudyRecord.objects.create(user=org.member_a.user, lesson=make_lesson(), completed_at=earlier)
    services.study_record_complete(user=org.member_a.user, lesson=make_lesson("新课"))
    assert_agrees()
    old = StudyMonth.objects.get(unit=org.branch_a, month=rollups.month_of(earlier))
    assert (old.completions, old.last_learners) == (1, 0)
    assert cell(org.branch_a) == (1, 1)
    figures = stats.completions_by_branch_month(OrgUnit.objects.branches(), timezone.localdate())
    assert figures["learners"] == {org.branch_a.pk: 1}


def test_the_short_check_counts_when_passed(org, client_for, make_lesson):
    lesson = make_lesson()
    question = Question.objects.create(
        lesson=lesson, text="问题", option_a="甲", option_b="乙", answer="a"
    )
    client = client_for("member_b")
    client.post(reverse("lessons:check", args=[lesson.pk]), {f"q{question.pk}": "b"})
    assert_agrees()
    assert cell(org.branch_b) == (0, 0)
    for _ in range(2):
        client.post(reverse("lessons:check", args=[lesson.pk]), {f"q{question.pk}": "a"})
    assert_agrees()
    assert cell(org.branch_b) == (1, 1)


def test_likes_and_unlikes(org, client_for, make_lesson):
    lesson = make_lesson()
    url = reverse("lessons:like", args=[lesson.pk])
    client_for("member_a").post(url)
    client_for("member_b").post(url)
    LessonLike.objects.create(lesson=lesson, user=org.secretary_a.user)
    assert_agrees()
    client_for("member_a").post(url)  # taken back
    assert_agrees()
    lesson.refresh_from_db()
    assert lesson.like_count == 2


def test_a_plan_assigned_and_changed(org, client_for, make_lesson):
    lessons = [make_lesson(f"课{i}") for i in range(3)]
    services.study_record_complete(user=org.member_a.user, lesson=lessons[0])
    services.study_record_complete(user=org.member_b.user, lesson=lessons[1])
    response = client_for("organiser").post(
        reverse("admin:lessons_studyplan_add"), _plan_post(org, lessons[:2], [org.branch_a])
    )
    assert response.status_code == 302
    plan = lessons[0].plans.get()
    assert_agrees()
    assert done(plan, org.member_a) == 1 and done(plan, org.member_b) is None
    PlanUnit.objects.create(plan=plan, unit=org.branch_b)  # another branch
    assert done(plan, org.member_b) == 1
    PlanItem.objects.create(plan=plan, lesson=lessons[2], order=3)  # another lesson
    PlanItem.objects.get(plan=plan, lesson=lessons[1]).delete()  # a lesson taken out
    assert_agrees()
    assert done(plan, org.member_b) == 0
    rows = {row["pk"]: row for row in progress.branch_rows(plan, OrgUnit.objects.all(), 2)}
    assert rows[org.branch_a.pk]["lesson_done"] == 1
    assert rows[org.branch_b.pk]["member_count"] == 1


def test_a_lesson_unpublished_and_published_again(org, client_for, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan = make_plan(lessons, units=[org.branch_a])
    for lesson in lessons:
        services.study_record_complete(user=org.member_a.user, lesson=lesson)
    client = client_for("organiser")
    changelist = reverse("admin:lessons_lesson_changelist")
    client.post(changelist, {"action": "archive", "_selected_action": [lessons[1].pk]})
    assert_agrees()
    assert done(plan, org.member_a) == 1
    [branch] = progress.branch_rows(plan, OrgUnit.objects.filter(pk=org.branch_a.pk), 1)
    assert branch["finished_count"] == 1  # everything published is learned
    client.post(changelist, {"action": "publish_now", "_selected_action": [lessons[1].pk]})
    assert_agrees()
    assert done(plan, org.member_a) == 2


def test_a_member_transferred_keeps_past_study_with_the_old_branch(org, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan_a = make_plan(lessons, units=[org.branch_a], title="一支部计划")
    plan_b = make_plan(lessons, units=[org.branch_b], title="二支部计划")
    services.study_record_complete(user=org.member_a.user, lesson=lessons[0])
    member_services.member_transfer(
        member=org.member_a, on=timezone.localdate(), by=None, to_unit=org.branch_b
    )
    assert_agrees()
    assert done(plan_a, org.member_a) is None and done(plan_b, org.member_a) == 1
    services.study_record_complete(user=org.member_a.user, lesson=lessons[1])
    assert_agrees()
    # What each branch did this month: one lesson in A, then one in B, by the same person.
    assert cell(org.branch_a) == (1, 1) and cell(org.branch_b) == (1, 1)
    figures = stats.completions_by_branch_month(OrgUnit.objects.branches(), timezone.localdate())
    assert figures["cells"] == {
        (org.branch_a.pk, this_month()): 1,
        (org.branch_b.pk, this_month()): 1,
    }
    assert figures["learners"] == {org.branch_a.pk: 1, org.branch_b.pk: 1}
    assert figures["totals"] == {this_month(): 2}


def test_a_member_leaving_or_losing_their_login(org, make_lesson, make_plan):
    lesson = make_lesson()
    plan = make_plan([lesson])
    for person in (org.member_a, org.member_b):
        services.study_record_complete(user=person.user, lesson=lesson)
    member_services.member_leave(
        member=org.member_a, status=Member.Status.LEFT, on=timezone.localdate(), by=None
    )
    assert_agrees()
    assert done(plan, org.member_a) is None
    assert cell(org.branch_a) == (1, 1)  # what they learned in the branch stays counted
    get_user_model().objects.filter(pk=org.member_b.user_id).delete()
    assert_agrees()
    assert done(plan, Member.objects.get(pk=org.member_b.pk)) == 0
    assert cell(org.branch_b) == (0, 0)


def test_a_lesson_deleted(org, make_lesson):
    kept, gone = make_lesson("留下的课"), make_lesson("删除的课")
    for lesson in (kept, gone):
        services.study_record_complete(user=org.member_a.user, lesson=lesson)
    services.lesson_like_toggle(user=org.member_a.user, lesson=gone)
    gone.delete()
    assert_agrees()
    assert cell(org.branch_a) == (1, 1)


def test_a_unit_moved_in_the_tree(org, make_lesson, make_plan):
    lesson = make_lesson()
    plan = make_plan([lesson])  # for the committee and everything under it
    services.study_record_complete(user=org.member_b.user, lesson=lesson)
    assert done(plan, org.member_b) == 1
    branch_b = OrgUnit.objects.get(pk=org.branch_b.pk)
    branch_b.parent = org.other_committee
    branch_b.save()
    assert_agrees()
    assert done(plan, org.member_b) is None


def test_a_makeup_plan_given_and_updated(org, make_lesson):
    now = timezone.now()
    session = Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title="主题党日",
        unit=org.committee,
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
        place="活动室",
    )
    lesson = make_lesson()
    session.lessons.set([lesson])
    services.study_record_complete(user=org.member_b.user, lesson=lesson)
    plan = services.session_assign_makeup(session=session)
    assert_agrees()
    assert done(plan, org.member_b) == 1
    from lessons.models import Attendance

    Attendance.objects.create(session=session, member=org.member_b)
    services.session_assign_makeup(session=session)
    assert_agrees()
    assert done(plan, org.member_b) is None


def test_bulk_writes_are_found_and_corrected_by_the_recount(org, make_lesson, make_plan):
    lesson = make_lesson()
    plan = make_plan([lesson])
    StudyRecord.objects.bulk_create(
        [
            StudyRecord(
                user=org.member_b.user,
                lesson=lesson,
                completed_at=timezone.now(),
                unit=org.branch_b,
            )
        ]
    )
    LessonLike.objects.bulk_create([LessonLike(user=org.member_b.user, lesson=lesson)])
    PlanUnitProgress.objects.filter(plan=plan).update(members=7)
    Lesson.objects.filter(pk=lesson.pk).update(title="廉洁从业")  # its index not rewritten
    lines = rollups.recount(fix=False) + progress.recount(fix=False)
    assert any(f"lesson {lesson.pk}:" in line for line in lines)
    assert any(f"unit {org.branch_b.pk} in" in line for line in lines)
    assert any(f"plan {plan.pk}" in line for line in lines)
    out = io.StringIO()
    call_command("recount_figures", stdout=out)
    assert "Corrected" in out.getvalue()
    assert_agrees()
    lesson.refresh_from_db()
    assert (lesson.learned_count, lesson.like_count) == (1, 1)
    assert "廉洁" in lesson.search_grams.split()
    assert done(plan, org.member_b) == 1


@pytest.mark.parametrize("count", [10, 1_000])
def test_the_statistics_ask_one_query_whatever_the_study(org, count, django_assert_num_queries):
    branches = OrgUnit.objects.bulk_create(
        OrgUnit(name=f"支部{n}", kind=OrgUnit.Kind.BRANCH, path=f"{900000 + n:06d}.")
        for n in range(count)
    )
    StudyMonth.objects.bulk_create(
        StudyMonth(unit=unit, month=this_month(), completions=3, last_learners=2)
        for unit in branches
    )
    # The rollup's rows of the period: the cells, summed per branch and per month as read.
    with django_assert_num_queries(1):
        figures = stats.completions_by_branch_month(
            OrgUnit.objects.branches(), timezone.localdate()
        )
    assert figures["totals"] == {this_month(): 3 * count}
    assert len(figures["learners"]) == count
