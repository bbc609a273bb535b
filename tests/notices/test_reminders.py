"""`send_reminders`: each reminder goes out once, and not at all once the thing is done."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, ScoreSheet
from lessons.models import Lesson, PlanItem, PlanUnit, StudyPlan, StudyRecord
from notices.models import Kind, Notice, Notification, Reminder
from tests.campaigns.conftest import open_campaign


@pytest.fixture
def emails(org):
    for member in (org.organiser, org.secretary_a, org.member_a, org.member_b):
        member.user.email = f"{member.user.username}@example.cn"
        member.user.save()


@pytest.fixture
def due_plan(org):
    lessons = [
        Lesson.objects.create(
            title=f"课{i}", unit=org.committee, status=Lesson.Status.PUBLISHED, audience_all=True
        )
        for i in range(2)
    ]
    plan = StudyPlan.objects.create(
        title="冬训计划",
        unit=org.committee,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    PlanUnit.objects.create(plan=plan, unit=org.branch_a)
    for order, lesson in enumerate(lessons):
        PlanItem.objects.create(plan=plan, lesson=lesson, order=order)
    return plan, lessons


def run(capture):
    with capture(execute=True):
        call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_running_twice_sends_each_plan_reminder_once(
    org, emails, due_plan, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    told = Notification.objects.filter(kind=Kind.PLAN_DUE)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "member_a", "organiser", "secretary_a",
    ]  # fmt: skip
    assert len(mail.outbox) == 3
    assert Reminder.objects.filter(kind=Kind.PLAN_DUE).count() == 3


def test_no_reminder_for_a_plan_completed(org, due_plan, django_capture_on_commit_callbacks):
    _plan, lessons = due_plan
    for lesson in lessons:
        StudyRecord.objects.create(
            user=org.member_a.user, lesson=lesson, completed_at=timezone.now()
        )
    StudyRecord.objects.create(
        user=org.secretary_a.user, lesson=lessons[0], completed_at=timezone.now()
    )
    run(django_capture_on_commit_callbacks)
    told = set(
        Notification.objects.filter(kind=Kind.PLAN_DUE).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"organiser", "secretary_a"}  # half done is not done


def test_a_draft_lesson_in_the_plan_does_not_keep_it_unfinished(
    org, due_plan, django_capture_on_commit_callbacks
):
    plan, lessons = due_plan
    draft = Lesson.objects.create(
        title="未发布的课", unit=org.committee, status=Lesson.Status.DRAFT, audience_all=True
    )
    PlanItem.objects.create(plan=plan, lesson=draft, order=9)
    for lesson in lessons:
        StudyRecord.objects.create(
            user=org.member_a.user, lesson=lesson, completed_at=timezone.now()
        )
    run(django_capture_on_commit_callbacks)
    told = set(
        Notification.objects.filter(kind=Kind.PLAN_DUE).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"organiser", "secretary_a"}  # member_a learned every published lesson


def test_a_plan_of_draft_lessons_only_reminds_nobody(org, django_capture_on_commit_callbacks):
    plan = StudyPlan.objects.create(
        title="草稿计划",
        unit=org.committee,
        due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    PlanUnit.objects.create(plan=plan, unit=org.branch_a)
    draft = Lesson.objects.create(
        title="草稿课", unit=org.committee, status=Lesson.Status.DRAFT, audience_all=True
    )
    PlanItem.objects.create(plan=plan, lesson=draft, order=0)
    run(django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=Kind.PLAN_DUE).exists()


def test_no_reminder_for_a_plan_due_later_or_past(
    org, due_plan, django_capture_on_commit_callbacks
):
    plan, _lessons = due_plan
    for due in (
        timezone.localdate() + datetime.timedelta(days=4),
        timezone.localdate() - datetime.timedelta(days=1),
    ):
        plan.due_on = due
        plan.save()
        run(django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=Kind.PLAN_DUE).exists()


def test_sheet_reminder_once_and_stops_when_submitted(
    org, emails, django_capture_on_commit_callbacks
):
    campaign = open_campaign(org, kind=Campaign.Kind.BRANCHES)
    # Branch B has no officer: only branch A's secretary is reminded.
    ScoreSheet.objects.filter(campaign=campaign, unit=org.branch_b).update(
        status=ScoreSheet.Status.SUBMITTED
    )
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    told = Notification.objects.filter(kind=Kind.SHEET_TO_SCORE)
    assert list(told.values_list("recipient__username", flat=True)) == ["secretary_a"]
    assert [m.to for m in mail.outbox] == [["secretary_a@example.cn"]]


def test_no_sheet_reminder_once_submitted_or_campaign_closed(
    org, django_capture_on_commit_callbacks
):
    campaign = open_campaign(org, kind=Campaign.Kind.BRANCHES)
    ScoreSheet.objects.filter(campaign=campaign).update(status=ScoreSheet.Status.SUBMITTED)
    run(django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=Kind.SHEET_TO_SCORE).exists()
    other = open_campaign(org, kind=Campaign.Kind.BRANCHES, quarter=3)
    Campaign.objects.filter(pk=other.pk).update(status=Campaign.Status.REVIEW)
    run(django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=Kind.SHEET_TO_SCORE).exists()


def test_scheduled_notice_is_announced_when_due_and_once(
    org, make_notice, django_capture_on_commit_callbacks
):
    notice = make_notice(
        units=[org.branch_a],
        status=Notice.Status.SCHEDULED,
        publish_at=timezone.now() + datetime.timedelta(hours=2),
    )
    run(django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(kind=Kind.NOTICE).exists()
    Notice.objects.filter(pk=notice.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    # branch A: secretary_a and member_a (the organiser wrote it)
    assert Notification.objects.filter(kind=Kind.NOTICE).count() == 2
