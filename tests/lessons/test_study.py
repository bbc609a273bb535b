"""Opening, marking learned, the short check, my study and the streak."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from lessons import progress, services
from lessons.models import Question, StudyRecord


def test_opening_a_lesson_records_it_once(org, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    client.get(reverse("lessons:detail", args=[lesson.pk]))
    first = StudyRecord.objects.get(user=org.member_a.user, lesson=lesson)
    client.get(reverse("lessons:detail", args=[lesson.pk]))
    again = StudyRecord.objects.get(user=org.member_a.user, lesson=lesson)
    assert again.opened_at == first.opened_at and again.completed_at is None


def test_mark_learned_completes_and_counts_colleagues(org, client_for, make_lesson):
    lesson = make_lesson()
    url = reverse("lessons:detail", args=[lesson.pk])
    services.study_record_complete(user=org.member_b.user, lesson=lesson)
    client = client_for("member_a")
    assert "1 colleague has learned this lesson." in client.get(url).text
    response = client.post(reverse("lessons:learned", args=[lesson.pk]))
    assert response.status_code == 302
    record = StudyRecord.objects.get(user=org.member_a.user, lesson=lesson)
    assert record.completed_at is not None
    page = client.get(url).text
    assert "2 colleagues have learned this lesson." in page and "You learned this lesson" in page
    # Marking again changes nothing.
    client.post(reverse("lessons:learned", args=[lesson.pk]))
    assert StudyRecord.objects.get(pk=record.pk).completed_at == record.completed_at


def test_mark_learned_needs_post(org, client_for, make_lesson):
    lesson = make_lesson()
    assert (
        client_for("member_a").get(reverse("lessons:learned", args=[lesson.pk])).status_code == 405
    )


def _questions(lesson):
    return [
        Question.objects.create(
            lesson=lesson, order=i, text=f"问题{i}", option_a="甲", option_b="乙", answer="a"
        )
        for i in (1, 2, 3)
    ]


def test_passing_the_check_marks_learned(org, client_for, make_lesson):
    lesson = make_lesson()
    qs = _questions(lesson)
    client = client_for("member_a")
    response = client.post(
        reverse("lessons:check", args=[lesson.pk]), {f"q{q.pk}": "a" for q in qs}, follow=True
    )
    assert "All answers right" in response.text
    record = StudyRecord.objects.get(user=org.member_a.user, lesson=lesson)
    assert record.completed_at is not None and record.passed_check


def test_failing_the_check_says_which_were_wrong_and_marks_nothing(org, client_for, make_lesson):
    lesson = make_lesson()
    q1, q2, _q3 = _questions(lesson)
    client = client_for("member_a")
    response = client.post(
        reverse("lessons:check", args=[lesson.pk]),
        {f"q{q1.pk}": "a", f"q{q2.pk}": "b"},
        follow=True,
    )
    assert "question 2, 3 was not right" in response.text
    assert not StudyRecord.objects.filter(
        user=org.member_a.user, lesson=lesson, completed_at__isnull=False
    ).exists()


def test_a_lesson_with_a_check_is_not_learned_by_the_button(org, client_for, make_lesson):
    lesson = make_lesson()
    _questions(lesson)
    client_for("member_a").post(reverse("lessons:learned", args=[lesson.pk]))
    assert not StudyRecord.objects.filter(completed_at__isnull=False).exists()


def test_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = datetime.date(2026, 11, 24)
    day = datetime.timedelta(days=1)
    assert progress.streak([], today) == 0
    assert progress.streak([today, today - day, today - 2 * day], today) == 3
    assert progress.streak([today - day, today - 2 * day], today) == 2
    assert progress.streak([today - 2 * day], today) == 0
    assert progress.streak([today, today - 2 * day, today - 3 * day], today) == 1


def test_my_study_lists_learned_lessons_and_streak(org, client_for, make_lesson):
    user = org.member_a.user
    now = timezone.now()
    for days_ago, title in enumerate(["第一课", "第二课", "第三课"]):
        lesson = make_lesson(title)
        StudyRecord.objects.create(
            user=user, lesson=lesson, completed_at=now - datetime.timedelta(days=days_ago)
        )
    make_lesson("没学的课")
    page = client_for("member_a").get(reverse("lessons:my_study")).text
    assert "第一课" in page and "第三课" in page and "没学的课" not in page
    assert "3 days in a row" in page


def test_percent_rounds_down_and_handles_empty():
    assert progress.percent(0, 0) == 0
    assert progress.percent(1, 3) == 33
    assert progress.percent(2, 3) == 66
    assert progress.percent(3, 3) == 100
