"""Offline sessions: sign-in with the code in the window, attendance per branch, make-up
plans for those who were absent, and the ethics lecture hall agenda."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lessons import services
from lessons.models import AgendaItem, Attendance, Session, StudyPlan


@pytest.fixture
def session(org, make_lesson):
    now = timezone.now()
    item = Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title="主题党日",
        unit=org.committee,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=1),
        place="党员活动室",
    )
    item.lessons.set([make_lesson("誓词"), make_lesson("党章")])
    return item


def test_member_signs_in_with_the_code(org, client_for, session):
    client = client_for("member_a")
    url = reverse("lessons:session_sign_in", args=[session.pk])
    wrong = client.post(url, {"code": "000000" if session.sign_in_code != "000000" else "111111"})
    assert wrong.status_code == 400 and "The code is not right" in wrong.text
    assert not Attendance.objects.exists()
    assert client.post(url, {"code": session.sign_in_code}).status_code == 302
    assert Attendance.objects.filter(session=session, member=org.member_a).exists()


def test_code_is_shown_to_the_organiser_not_members(org, client_for, session):
    url = reverse("lessons:session", args=[session.pk])
    assert session.sign_in_code in client_for("organiser").get(url).text
    assert 'class="sign-in-code"' not in client_for("member_a").get(url).text


def test_sign_in_outside_the_window_is_refused(org, session):
    later = session.ends_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError):
        services.session_sign_in(
            session=session, member=org.member_a, code=session.sign_in_code, now=later
        )
    assert not Attendance.objects.exists()


def test_member_of_other_committee_cannot_see_or_sign_in(org, client_for, session):
    client = client_for("member_b")
    assert client.get(reverse("lessons:session", args=[session.pk])).status_code == 200
    from django.test import Client

    other = Client()
    other.force_login(org.member_c.user)
    assert other.get(reverse("lessons:session", args=[session.pk])).status_code == 404


def test_attendance_per_branch_for_the_organiser(org, client_for, session):
    services.session_sign_in(session=session, member=org.member_a, code=session.sign_in_code)
    page = client_for("organiser").get(reverse("lessons:session", args=[session.pk])).text
    assert "1/3" in page  # branch A: one of three
    assert "0/1" in page  # branch B


def test_absent_members_get_a_makeup_plan(org, client_for, session):
    services.session_sign_in(session=session, member=org.member_a, code=session.sign_in_code)
    # A make-up plan is given once the session is over.
    session.ends_at = timezone.now() - datetime.timedelta(minutes=1)
    session.save(update_fields=["ends_at"])
    response = client_for("organiser").post(reverse("lessons:session_makeup", args=[session.pk]))
    assert response.status_code == 302
    plan = StudyPlan.objects.get(session=session)
    assert set(plan.members.all()) == {org.organiser, org.secretary_a, org.member_b}
    assert plan.items.count() == 2
    page = client_for("member_b").get(reverse("lessons:plans")).text
    assert plan.title in page and "Make-up" in page
    assert plan.title not in client_for("member_a").get(reverse("lessons:plans")).text
    # Run again after a late sign-in: the member drops out of the make-up plan.
    Attendance.objects.create(session=session, member=org.member_b)
    services.session_assign_makeup(session=session)
    assert org.member_b not in plan.members.all()
    assert StudyPlan.objects.filter(session=session).count() == 1


def test_makeup_is_for_organisers_only(org, client_for, session):
    url = reverse("lessons:session_makeup", args=[session.pk])
    assert client_for("secretary_a").post(url).status_code == 404
    assert client_for("member_a").post(url).status_code == 404
    assert not StudyPlan.objects.exists()


def test_ethics_hall_agenda_template(org, session):
    services.session_apply_agenda_template(session=session)
    kinds = list(session.agenda.values_list("kind", flat=True))
    assert kinds == [str(k) for k in AgendaItem.ETHICS_HALL_TEMPLATE]


def test_session_end_must_follow_start(org, session):
    session.ends_at = session.starts_at
    with pytest.raises(ValidationError):
        session.full_clean()
