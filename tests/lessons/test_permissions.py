"""Who may open which micro-classroom page, the admin included: one table over every
persona. Out of audience or scope is a 404 (never a 403 that leaks existence); the admin
answers as the members app's admin does for those it does not let in."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.models import Reflection, Session

PAGES = {
    "list": lambda t: reverse("lessons:list"),
    "lesson:all": lambda t: reverse("lessons:detail", args=[t["all"].pk]),
    "lesson:branch_a": lambda t: reverse("lessons:detail", args=[t["branch_a"].pk]),
    "lesson:branch_b": lambda t: reverse("lessons:detail", args=[t["branch_b"].pk]),
    "lesson:draft": lambda t: reverse("lessons:detail", args=[t["draft"].pk]),
    "lesson:missing": lambda t: reverse("lessons:detail", args=[999_999]),
    "my_study": lambda t: reverse("lessons:my_study"),
    "plans": lambda t: reverse("lessons:plans"),
    "plan:committee": lambda t: reverse("lessons:plan", args=[t["plan"].pk]),
    "plan:branch_b": lambda t: reverse("lessons:plan", args=[t["plan_b"].pk]),
    "progress:committee": lambda t: reverse("lessons:plan_progress", args=[t["plan"].pk]),
    "progress:branch_b": lambda t: reverse("lessons:plan_progress", args=[t["plan_b"].pk]),
    "export:committee": lambda t: reverse("lessons:plan_export", args=[t["plan"].pk]),
    "sessions": lambda t: reverse("lessons:sessions"),
    "session:committee": lambda t: reverse("lessons:session", args=[t["session"].pk]),
    "admin:lessons": lambda t: reverse("admin:lessons_lesson_changelist"),
    "admin:lesson": lambda t: reverse("admin:lessons_lesson_change", args=[t["all"].pk]),
    "admin:plans": lambda t: reverse("admin:lessons_studyplan_changelist"),
    "admin:plan": lambda t: reverse("admin:lessons_studyplan_change", args=[t["plan"].pk]),
    "admin:reflections": lambda t: reverse("admin:lessons_reflection_changelist"),
    "admin:sessions": lambda t: reverse("admin:lessons_session_changelist"),
    "admin:series": lambda t: reverse("admin:lessons_series_changelist"),
    "admin:readings": lambda t: reverse("admin:lessons_reading_changelist"),
}

OK, NO, FORBIDDEN = 200, 404, 403
# Members and staff never get into the admin: the portal's admin login turns them away.
NOT_ADMIN = "not-admin"

EXPECTED = {
    #                  staff      member_a   member_b   secretary_a organiser superuser
    "list": (OK, OK, OK, OK, OK, OK),
    "lesson:all": (OK, OK, OK, OK, OK, OK),
    "lesson:branch_a": (NO, OK, NO, OK, OK, OK),
    "lesson:branch_b": (NO, NO, OK, NO, OK, OK),
    "lesson:draft": (NO, NO, NO, NO, NO, NO),
    "lesson:missing": (NO, NO, NO, NO, NO, NO),
    "my_study": (OK, OK, OK, OK, OK, OK),
    "plans": (OK, OK, OK, OK, OK, OK),
    "plan:committee": (NO, OK, OK, OK, OK, OK),
    "plan:branch_b": (NO, NO, OK, NO, OK, OK),
    "progress:committee": (NO, NO, NO, OK, OK, OK),
    "progress:branch_b": (NO, NO, NO, NO, OK, OK),
    "export:committee": (NO, NO, NO, NO, OK, OK),
    "sessions": (OK, OK, OK, OK, OK, OK),
    "session:committee": (NO, OK, OK, OK, OK, OK),
    "admin:lessons": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, FORBIDDEN, OK, OK),
    "admin:lesson": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, NO, OK, OK),
    "admin:plans": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, OK, OK, OK),
    "admin:plan": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, OK, OK, OK),
    "admin:reflections": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, FORBIDDEN, OK, OK),
    "admin:sessions": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, OK, OK, OK),
    "admin:series": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, FORBIDDEN, OK, OK),
    "admin:readings": (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, FORBIDDEN, OK, OK),
}
PERSONAS = ("staff", "member_a", "member_b", "secretary_a", "organiser", "superuser")


@pytest.fixture
def targets(org, make_lesson, make_plan):
    from lessons.models import Lesson

    lessons = {
        "all": make_lesson("全员"),
        "branch_a": make_lesson("一支部", units=[org.branch_a]),
        "branch_b": make_lesson("二支部", units=[org.branch_b]),
        "draft": make_lesson("草稿", status=Lesson.Status.DRAFT),
    }
    Reflection.objects.create(lesson=lessons["all"], author=org.member_a.user, text="心得")
    now = timezone.now()
    session = Session.objects.create(
        kind=Session.Kind.ETHICS_HALL,
        title="道德讲堂",
        unit=org.committee,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=2),
        place="会议室",
    )
    return {
        **lessons,
        "plan": make_plan([lessons["all"]]),
        "plan_b": make_plan([lessons["branch_b"]], units=[org.branch_b], title="二支部计划"),
        "session": session,
    }


def _matrix():
    rows = [("anonymous", page, 302) for page in PAGES]
    for page, statuses in EXPECTED.items():
        rows += list(zip(PERSONAS, [page] * len(PERSONAS), statuses, strict=True))
    return rows


@pytest.mark.parametrize("persona, page, status", _matrix())
def test_permission_matrix(client_for, targets, persona, page, status):
    response = client_for(persona).get(PAGES[page](targets))
    if status == NOT_ADMIN:
        # Redirected to the login (or refused): never the admin page itself.
        assert response.status_code in (302, 403), response.status_code
        if response.status_code == 302:
            assert (
                "/admin/" not in response["Location"].split("?")[0]
                or "login" in response["Location"]
            )
        return
    assert response.status_code == status, f"{persona} {page}: {response.status_code}"
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_every_url_of_the_app_is_in_the_matrix():
    from lessons.urls import urlpatterns

    post_only = {
        "learned",
        "check",
        "like",
        "reflect",
        "reflection_like",
        "reflection_hide",
        "session_sign_in",
        "session_makeup",
    }
    names = {p.name for p in urlpatterns} - post_only
    covered = {"list", "detail", "my_study", "plans", "plan", "plan_progress", "plan_export"}
    covered |= {"sessions", "session"}
    assert names == covered


def test_secretary_cannot_change_a_plan_in_the_admin(client_for, targets):
    url = reverse("admin:lessons_studyplan_change", args=[targets["plan"].pk])
    response = client_for("secretary_a").post(url, {"title": "改名"})
    assert response.status_code == 403
    targets["plan"].refresh_from_db()
    assert targets["plan"].title != "改名"


def test_admin_lesson_outside_organisers_scope_is_404(org, client_for, make_lesson):
    outside = make_lesson("邻县课程", unit=org.other_committee)
    url = reverse("admin:lessons_lesson_change", args=[outside.pk])
    assert client_for("organiser").get(url).status_code == 404
    assert client_for("superuser").get(url).status_code == 200


def test_admin_unit_choices_are_scoped(org, client_for):
    page = client_for("organiser").get(reverse("admin:lessons_lesson_add")).text
    assert org.committee.name in page
    assert org.other_committee.name not in page and org.branch_c.name not in page


def test_admin_history_of_out_of_scope_lesson_is_404(org, client_for, make_lesson):
    outside = make_lesson("邻县课程", unit=org.other_committee)
    history = outside.history.first()
    client = client_for("organiser")
    assert client.get(reverse("admin:lessons_lesson_history", args=[outside.pk])).status_code == 404
    url = reverse("admin:lessons_lesson_simple_history", args=[outside.pk, history.pk])
    assert client.get(url).status_code == 404
    inside = make_lesson("本县课程")
    assert client.get(reverse("admin:lessons_lesson_history", args=[inside.pk])).status_code == 200
