"""The home page's lesson panels and the study section of a member's profile."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from lessons.models import StudyRecord


def test_home_shows_todays_lessons_and_my_plans(org, client_for, make_lesson, make_plan):
    lessons = [make_lesson(f"今日课程{i}") for i in range(2)]
    make_plan(lessons, title="支部学习计划")
    StudyRecord.objects.create(
        user=org.member_a.user, lesson=lessons[0], completed_at=timezone.now()
    )
    page = client_for("member_a").get(reverse("home")).text
    assert "Today&#x27;s lessons" in page or "Today's lessons" in page
    assert "今日课程1" in page and "支部学习计划" in page
    assert "1 of 2 lessons learned" in page


def test_home_for_staff_has_lessons_but_no_plans(org, client_for, make_lesson, make_plan):
    make_plan([make_lesson("全员课程")], title="支部学习计划")
    page = client_for("staff").get(reverse("home")).text
    assert "全员课程" in page and "支部学习计划" not in page


def test_profile_study_section_for_self_and_officers_only(org, client_for, make_lesson):
    StudyRecord.objects.create(
        user=org.member_a.user, lesson=make_lesson(), completed_at=timezone.now()
    )
    url = reverse("members:member", args=[org.member_a.pk])
    assert "Lessons learned" in client_for("member_a").get(url).text
    assert "Lessons learned" in client_for("secretary_a").get(url).text
    # A colleague of the same branch sees the profile but not the study record.
    from django.test import Client

    from ..conftest import make_member, make_user

    colleague = make_member(org.branch_a, "同事", user=make_user("colleague"))
    client = Client()
    client.force_login(colleague.user)
    response = client.get(url)
    assert response.status_code == 200 and "Lessons learned" not in response.text
