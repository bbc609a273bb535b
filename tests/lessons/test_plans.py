"""Study plans: my plans with progress, per-member progress for the branch, per-branch
completion and the XLSX export for the organiser; every figure from the tables that keep
them (lessons.progress)."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lessons import progress
from lessons.models import StudyRecord
from members.models import OrgUnit
from members.scoping import access_for

from ..conftest import make_member


def learn(user, lesson):
    StudyRecord.objects.update_or_create(
        user=user, lesson=lesson, defaults={"completed_at": timezone.now()}
    )


def test_plan_progress_arithmetic(org, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(4)]
    plan = make_plan(lessons)
    learn(org.member_a.user, lessons[0])
    learn(org.member_a.user, lessons[2])
    learn(org.member_a.user, make_lesson("计划外"))  # does not count
    [row] = [p for p in progress.my_plans(access_for(org.member_a.user)) if p["pk"] == plan.pk]
    assert (row["lesson_done"], row["lesson_total"], row["percent"]) == (2, 4, 50)


def test_branch_rates(org, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan = make_plan(lessons)
    for lesson in lessons:
        learn(org.member_a.user, lesson)  # finished
    learn(org.secretary_a.user, lessons[0])  # half
    learn(org.member_c.user, lessons[0])  # outside the plan's units
    rows = {row["pk"]: row for row in progress.branch_rows(plan, OrgUnit.objects.branches(), 2)}
    a, b = rows[org.branch_a.pk], rows[org.branch_b.pk]
    # Branch A: organiser, secretary and member_a = 3 members, 6 lesson slots, 3 learned.
    assert (a["member_count"], a["lesson_done"], a["finished_count"]) == (3, 3, 1)
    assert a["rate"] == 50
    assert (b["member_count"], b["lesson_done"], b["finished_count"]) == (1, 0, 0)
    assert org.branch_c.pk not in rows  # nobody there has the plan


def test_my_plans_shows_progress_bar(org, client_for, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(3)]
    make_plan(lessons, units=[org.branch_a], title="一支部计划")
    make_plan(lessons, units=[org.branch_b], title="二支部计划")
    learn(org.member_a.user, lessons[1])
    page = client_for("member_a").get(reverse("lessons:plans")).text
    assert "一支部计划" in page and "二支部计划" not in page
    assert 'value="33"' in page and "1 of 3 lessons learned" in page


def test_plan_of_other_branch_is_404(org, client_for, make_lesson, make_plan):
    plan = make_plan([make_lesson()], units=[org.branch_b])
    assert client_for("member_a").get(reverse("lessons:plan", args=[plan.pk])).status_code == 404
    assert client_for("member_b").get(reverse("lessons:plan", args=[plan.pk])).status_code == 200


def test_secretary_sees_members_of_own_branch_only(org, client_for, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan = make_plan(lessons)
    learn(org.member_a.user, lessons[0])
    client = client_for("secretary_a")
    page = client.get(reverse("lessons:plan_progress", args=[plan.pk])).text
    assert org.member_a.name in page and org.member_b.name not in page
    assert "1/2" in page
    assert "Completion by branch" not in page
    other = client.get(
        reverse("lessons:plan_progress", args=[plan.pk]), {"branch": org.branch_b.pk}
    )
    assert other.status_code == 404
    export = client.get(reverse("lessons:plan_export", args=[plan.pk]))
    assert export.status_code == 404


def test_organiser_sees_every_branch_rate_and_members_on_request(
    org, client_for, make_lesson, make_plan
):
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan = make_plan(lessons)
    learn(org.member_b.user, lessons[0])
    learn(org.member_b.user, lessons[1])
    client = client_for("organiser")
    page = client.get(reverse("lessons:plan_progress", args=[plan.pk])).text
    assert org.branch_a.name in page and org.branch_b.name in page
    assert org.branch_c.name not in page
    assert "100%" in page and "0%" in page
    page = client.get(reverse("lessons:plan_progress", args=[plan.pk]), {"branch": org.branch_b.pk})
    assert org.member_b.name in page.text
    outside = client.get(
        reverse("lessons:plan_progress", args=[plan.pk]), {"branch": org.branch_c.pk}
    )
    assert outside.status_code == 404


def test_organiser_exports_xlsx(org, client_for, make_lesson, make_plan):
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan = make_plan(lessons, title='=HYPERLINK("x")')
    learn(org.member_b.user, lessons[0])
    response = client_for("organiser").get(reverse("lessons:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    branches, members = book.worksheets
    assert branches["A1"].value.startswith("'=")  # never a live formula
    rows = {r[0]: r for r in branches.iter_rows(min_row=5, values_only=True)}
    assert rows[org.branch_b.name][1:] == (1, 1, 50, 0)
    assert rows[org.branch_a.name][1:] == (3, 0, 0, 0)
    names = {r[1]: r for r in members.iter_rows(min_row=2, values_only=True)}
    assert names[org.member_b.name][2:] == (1, 2, 50)
    assert org.member_c.name not in names


def test_inactive_members_do_not_count(org, make_lesson, make_plan):
    from members.models import Member

    lesson = make_lesson()
    plan = make_plan([lesson])
    make_member(
        org.branch_b,
        "离开者",
        status=Member.Status.LEFT,
        status_changed_on=timezone.localdate(),
    )
    assert plan.assigned_members().filter(unit=org.branch_b).count() == 1


def test_a_scope_of_many_branches_shows_a_row_per_unit_under_it(
    org, client_for, make_lesson, make_plan, monkeypatch
):
    from lessons import views

    monkeypatch.setattr(views, "MAX_BRANCH_ROWS", 2)
    general = OrgUnit.objects.create(
        name="营销党总支", kind=OrgUnit.Kind.GENERAL_BRANCH, parent=org.committee
    )
    inner = OrgUnit.objects.create(name="营销一支部", kind=OrgUnit.Kind.BRANCH, parent=general)
    newcomer = make_member(inner, "周营销")
    lessons = [make_lesson(f"课{i}") for i in range(2)]
    plan = make_plan(lessons)
    learn(org.member_b.user, lessons[0])
    client = client_for("organiser")
    url = reverse("lessons:plan_progress", args=[plan.pk])
    page = client.get(url).context
    rows = {row["label"]: row for row in page["branch_rows"]}
    # Three branches: a row for each unit under the committee, the general branch's summed.
    assert set(rows) == {org.branch_a.name, org.branch_b.name, general.name}
    assert rows[general.name]["member_count"] == 1 and not rows[general.name]["is_branch"]
    assert rows[org.branch_b.name]["lesson_done"] == 1
    inside = client.get(url, {"unit": general.pk})
    assert [row["label"] for row in inside.context["branch_rows"]] == [inner.name]
    assert f"?branch={inner.pk}" in inside.text
    assert client.get(url, {"unit": org.branch_c.pk}).status_code == 404  # outside the scope
    assert newcomer.name in client.get(url, {"branch": inner.pk}).text
