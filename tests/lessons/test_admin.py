"""Organisers assign plans and moderate in the admin; scope holds in the pickers."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from lessons.models import Reflection, StudyPlan


def _plan_post(org, lessons, units):
    data = {
        "title": "后台学习计划",
        "description": "",
        "unit": org.committee.pk,
        "due_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "planunit_set-TOTAL_FORMS": len(units),
        "planunit_set-INITIAL_FORMS": 0,
        "items-TOTAL_FORMS": len(lessons),
        "items-INITIAL_FORMS": 0,
        "planmember_set-TOTAL_FORMS": 0,
        "planmember_set-INITIAL_FORMS": 0,
    }
    for i, unit in enumerate(units):
        data[f"planunit_set-{i}-unit"] = unit.pk
    for i, lesson in enumerate(lessons):
        data[f"items-{i}-lesson"] = lesson.pk
        data[f"items-{i}-order"] = i + 1
    return data


def test_organiser_assigns_an_ordered_plan_in_the_admin(org, client_for, make_lesson):
    lessons = [make_lesson(f"课{i}") for i in range(3)]
    response = client_for("organiser").post(
        reverse("admin:lessons_studyplan_add"), _plan_post(org, lessons[::-1], [org.branch_a])
    )
    assert response.status_code == 302, response.text[:3000]
    plan = StudyPlan.objects.get(title="后台学习计划")
    assert [i.lesson for i in plan.items.all()] == lessons[::-1]
    assert list(plan.units.all()) == [org.branch_a]
    assert plan.created_by == org.organiser.user


def test_plan_for_a_unit_outside_scope_is_refused(org, client_for, make_lesson):
    response = client_for("organiser").post(
        reverse("admin:lessons_studyplan_add"), _plan_post(org, [make_lesson()], [org.branch_c])
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not StudyPlan.objects.exists()


def test_organiser_hides_reflections_with_the_admin_action(org, client_for, make_lesson):
    lesson = make_lesson()
    reflection = Reflection.objects.create(lesson=lesson, author=org.member_a.user, text="广告")
    response = client_for("organiser").post(
        reverse("admin:lessons_reflection_changelist"),
        {"action": "hide", "_selected_action": [reflection.pk]},
    )
    assert response.status_code == 302
    reflection.refresh_from_db()
    assert reflection.is_hidden and Reflection.objects.count() == 1
