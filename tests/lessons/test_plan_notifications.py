"""A study plan made in the admin tells its members that there is something new in their plan."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices.models import Kind, Notification

from .test_admin import _plan_post

pytestmark = pytest.mark.django_db


def told() -> list[str]:
    return sorted(
        Notification.objects.filter(kind=Kind.PLAN_ASSIGNED).values_list(
            "recipient__username", flat=True
        )
    )


def test_new_plan_in_the_admin_notifies_its_members(org, client_for, make_lesson):
    response = client_for("organiser").post(
        reverse("admin:lessons_studyplan_add"),
        _plan_post(org, [make_lesson("党章")], [org.branch_a]),
    )
    assert response.status_code == 302
    assert told() == ["member_a", "organiser", "secretary_a"]


def test_a_plan_refused_by_the_admin_notifies_nobody(org, client_for, make_lesson):
    data = _plan_post(org, [make_lesson("党章")], [org.branch_a])
    data["due_on"] = "not a date"
    response = client_for("organiser").post(reverse("admin:lessons_studyplan_add"), data)
    assert response.status_code == 200
    assert told() == []
