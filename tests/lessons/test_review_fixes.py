"""Fixes from the review of the micro-classroom: plans show and count only readable lessons,
make-up plans wait for the end of the session, sign-in codes cannot be guessed without limit,
named members and attendance show in the admin within scope, the plan admin's queries stay
flat, attachments get unguessable names, and search ignores markup."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons import progress, services
from lessons.models import Attendance, Lesson, PlanItem, Session, StudyPlan, StudyRecord
from lessons.search import search
from members.models import OrgUnit
from members.scoping import access_for

from .test_admin import _plan_post


def learn(user, lesson):
    StudyRecord.objects.update_or_create(
        user=user, lesson=lesson, defaults={"completed_at": timezone.now()}
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def mixed_plan(org, make_lesson, make_plan):
    """A plan for branch A with one readable lesson, a draft, and one for branch B only."""
    readable = make_lesson("可读的课")
    draft = make_lesson("草稿课", status=Lesson.Status.DRAFT, publish_at=None)
    elsewhere = make_lesson("二支部专课", units=[org.branch_b])
    plan = make_plan([readable, draft, elsewhere], units=[org.branch_a])
    return plan, readable, draft, elsewhere


def _session(org, *, unit=None, ends_in=datetime.timedelta(hours=1)) -> Session:
    now = timezone.now()
    return Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title="主题党日",
        unit=unit or org.committee,
        starts_at=now - datetime.timedelta(hours=2),
        ends_at=now + ends_in,
        place="党员活动室",
    )


# --- 1. plans show and count only lessons the person may read ---------------------------------
def test_plan_page_does_not_list_lessons_the_member_may_not_open(org, client_for, mixed_plan):
    plan, readable, draft, elsewhere = mixed_plan
    client = client_for("member_a")
    page = client.get(reverse("lessons:plan", args=[plan.pk])).text
    assert readable.title in page
    assert draft.title not in page and elsewhere.title not in page
    assert "0 of 1 lessons learned" in page
    for hidden in (draft, elsewhere):
        assert client.get(reverse("lessons:detail", args=[hidden.pk])).status_code == 404


def test_plan_progress_reaches_100_when_every_readable_lesson_is_learned(
    org, client_for, mixed_plan
):
    plan, readable, _draft, _elsewhere = mixed_plan
    learn(org.member_a.user, readable)
    [row] = progress.my_plans(access_for(org.member_a.user))
    assert (row["lesson_done"], row["lesson_total"]) == (1, 1)
    page = client_for("member_a").get(reverse("lessons:plans")).text
    assert 'value="100"' in page and "1 of 1 lessons learned" in page
    detail = client_for("member_a").get(reverse("lessons:plan", args=[plan.pk])).text
    assert "1 of 1 lessons learned" in detail


def test_officer_progress_counts_only_published_lessons(org, mixed_plan):
    plan, readable, _draft, elsewhere = mixed_plan
    ids = progress.plan_lesson_ids(plan)
    assert set(ids) == {readable.pk, elsewhere.pk}  # the draft never counts
    for lesson in (readable, elsewhere):
        learn(org.member_a.user, lesson)
    [branch] = progress.branch_rows(plan, OrgUnit.objects.filter(pk=org.branch_a.pk), len(ids))
    assert branch["finished_count"] == 1


def test_scheduled_lesson_counts_only_once_it_is_due(org, make_lesson, make_plan):
    now = timezone.now()
    later = make_lesson(
        "定时课",
        status=Lesson.Status.SCHEDULED,
        publish_at=now + datetime.timedelta(days=1),
    )
    plan = make_plan([make_lesson("现在的课"), later], units=[org.branch_a])
    assert len(progress.plan_lesson_ids(plan)) == 1
    Lesson.objects.filter(pk=later.pk).update(publish_at=now - datetime.timedelta(minutes=1))
    assert len(progress.plan_lesson_ids(plan)) == 2


@pytest.mark.parametrize("status", [Lesson.Status.DRAFT, Lesson.Status.ARCHIVED])
def test_admin_refuses_a_lesson_that_is_not_published_in_a_plan(
    org, client_for, make_lesson, status
):
    lesson = make_lesson("未发布的课", status=status, publish_at=None)
    response = client_for("organiser").post(
        reverse("admin:lessons_studyplan_add"), _plan_post(org, [lesson], [org.branch_a])
    )
    assert response.status_code == 200
    assert "only a published or scheduled lesson can be part of a study plan" in response.text
    assert not StudyPlan.objects.exists() and not PlanItem.objects.exists()


def test_plan_item_accepts_published_and_scheduled_lessons(org, make_lesson, make_plan):
    plan = make_plan([])
    for status in (Lesson.Status.PUBLISHED, Lesson.Status.SCHEDULED):
        item = PlanItem(plan=plan, lesson=make_lesson(f"{status}课", status=status))
        item.full_clean()


def test_makeup_plan_copies_only_published_lessons(org, make_lesson):
    session = _session(org, ends_in=-datetime.timedelta(minutes=5))
    published = make_lesson("入党誓词")
    draft = make_lesson("草稿", status=Lesson.Status.DRAFT, publish_at=None)
    session.lessons.set([published, draft])
    plan = services.session_assign_makeup(session=session)
    assert list(plan.lessons.all()) == [published]


# --- 2. make-up plans only after the session ---------------------------------------------------
def test_makeup_is_refused_before_the_session_has_ended(org, client_for, make_lesson):
    session = _session(org)
    session.lessons.set([make_lesson("入党誓词")])
    with pytest.raises(ValidationError):
        services.session_assign_makeup(session=session)
    response = client_for("organiser").post(reverse("lessons:session_makeup", args=[session.pk]))
    assert response.status_code == 302
    assert any("has not ended yet" in text for text in messages_of(response))
    assert not StudyPlan.objects.exists()


def test_admin_makeup_action_is_refused_before_the_session_has_ended(org, client_for, make_lesson):
    session = _session(org)
    session.lessons.set([make_lesson("入党誓词")])
    response = client_for("organiser").post(
        reverse("admin:lessons_session_changelist"),
        {"action": "assign_makeup", "_selected_action": [session.pk]},
    )
    assert response.status_code == 302
    assert any("has not ended yet" in text for text in messages_of(response))
    assert not StudyPlan.objects.exists()


# --- 3. sign-in codes cannot be guessed without limit ------------------------------------------
def _wrong(session) -> str:
    return "000000" if session.sign_in_code != "000000" else "111111"


def test_sign_in_is_refused_after_ten_wrong_codes(org, client_for):
    session = _session(org)
    client = client_for("member_a")
    url = reverse("lessons:session_sign_in", args=[session.pk])
    for _attempt in range(services.SIGN_IN_MAX_FAILURES):
        response = client.post(url, {"code": _wrong(session)})
        assert response.status_code == 400 and "The code is not right" in response.text
    # Even the right code is refused now: the person asks the organiser.
    response = client.post(url, {"code": session.sign_in_code})
    assert response.status_code == 400
    assert "Too many wrong codes: ask the organiser" in response.text
    assert not Attendance.objects.exists()
    # Another member is not locked out by someone else's guesses.
    assert client_for("secretary_a").post(url, {"code": session.sign_in_code}).status_code == 302


def test_a_right_code_resets_the_count_of_wrong_ones(org):
    session = _session(org)
    for _attempt in range(services.SIGN_IN_MAX_FAILURES - 1):
        with pytest.raises(ValidationError):
            services.session_sign_in(session=session, member=org.member_a, code=_wrong(session))
    services.session_sign_in(session=session, member=org.member_a, code=session.sign_in_code)
    for _attempt in range(services.SIGN_IN_MAX_FAILURES - 1):
        with pytest.raises(ValidationError, match="not right"):
            services.session_sign_in(session=session, member=org.member_a, code=_wrong(session))


# --- 4. named members and attendance in the admin, within scope --------------------------------
def test_secretary_sees_only_own_branch_members_of_a_committee_makeup_plan(
    org, client_for, make_lesson
):
    session = _session(org, ends_in=-datetime.timedelta(minutes=5))
    session.lessons.set([make_lesson("入党誓词")])
    plan = services.session_assign_makeup(session=session)
    assert set(plan.members.all()) >= {org.member_a, org.member_b}
    url = reverse("admin:lessons_studyplan_change", args=[plan.pk])
    page = client_for("secretary_a").get(url).text
    assert org.member_a.name in page
    assert org.member_b.name not in page
    organiser_page = client_for("organiser").get(url).text
    assert org.member_a.name in organiser_page and org.member_b.name in organiser_page


def test_attendance_shows_read_only_in_the_session_admin(org, client_for):
    session = _session(org, unit=org.branch_a)
    Attendance.objects.create(session=session, member=org.member_a)
    url = reverse("admin:lessons_session_change", args=[session.pk])
    for persona in ("organiser", "secretary_a"):
        page = client_for(persona).get(url).text
        assert org.member_a.name in page, persona
        assert 'name="attendances-0-member"' not in page  # shown, not editable


# --- 5. the plan admin page does not grow with the plan's lessons ------------------------------
def _plan_admin_queries(org, client, count: int) -> int:
    lessons = Lesson.objects.bulk_create(
        Lesson(
            title=f"课{count}-{i}",
            unit=org.committee,
            status=Lesson.Status.PUBLISHED,
            publish_at=timezone.now(),
        )
        for i in range(count)
    )
    plan = StudyPlan.objects.create(
        title=f"计划{count}", unit=org.committee, due_on=timezone.localdate()
    )
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, lesson=lesson, order=i) for i, lesson in enumerate(lessons)
    )
    url = reverse("admin:lessons_studyplan_change", args=[plan.pk])
    client.get(url)  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count('name="items-') >= count  # every row is there
    return len(queries)


def test_plan_admin_queries_do_not_grow_with_the_plans_lessons(org, client_for):
    # Each row's lesson dropdown shares one list of choices read once for the formset.
    client = client_for("organiser")
    assert _plan_admin_queries(org, client, 10) == _plan_admin_queries(org, client, 120)


# --- 6. attachments get names nobody can guess -------------------------------------------------
def test_attachment_is_stored_under_a_random_name_and_shown_by_its_own(
    org, client_for, make_lesson
):
    lesson = make_lesson("附件课")
    upload = SimpleUploadedFile("2017年党费收缴明细.pdf", b"%PDF-1.4\n", "application/pdf")
    attachment = lesson.attachments.create(title="党费明细", file=upload)
    assert attachment.original_name == "2017年党费收缴明细.pdf"
    assert re.fullmatch(r"lessons/attachments/\d{4}/[0-9a-f]{32}\.pdf", attachment.file.name)
    page = client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).text
    assert attachment.file.url in page
    assert 'download="2017年党费收缴明细.pdf"' in page and "党费明细" in page


# --- 7. search reads the text, not the markup --------------------------------------------------
def test_lesson_search_does_not_match_html_markup(org, make_lesson):
    lesson = make_lesson(
        "廉政学习",
        body='<p><strong>重点</strong> 见 <a href="https://example.org/">链接</a> &amp; 支部</p>',
    )
    assert lesson.body_text == "重点 见 链接 & 支部"
    access = access_for(org.member_a.user)
    for markup in ("strong", "href", "example.org", "&amp;"):
        assert search(access, markup) == [], markup
    for word in ("重点", "支部", "&"):
        assert [hit["title"] for hit in search(access, word)] == ["廉政学习"], word
