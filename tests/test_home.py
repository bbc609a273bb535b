"""The home page per person: what a member, a staff user, a branch secretary and an organiser
each find there, and the one to-do card that several apps fill (partyportal.views.home)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Result, ScoreSheet, Story
from campaigns.summaries import progress_refresh
from lessons.models import Lesson, Reflection, Session
from partyportal import views


def lesson(org, title="全员课程", **extra) -> Lesson:
    fields = {"unit": org.committee, "status": Lesson.Status.PUBLISHED, "audience_all": True}
    fields.update(extra)
    return Lesson.objects.create(title=title, **fields)


def session(org, title, starts_in: datetime.timedelta, unit=None) -> Session:
    starts = timezone.now() + starts_in
    return Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title=title,
        unit=unit or org.committee,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="三楼会议室",
    )


def story(org, title, member, status=Story.Status.PUBLISHED) -> Story:
    return Story.objects.create(
        member=member,
        category=Story.Category.GOOD_DEED,
        title=title,
        body="事迹",
        status=status,
        published_at=timezone.now() if status == Story.Status.PUBLISHED else None,
    )


def published_campaign(org) -> Campaign:
    campaign = Campaign.objects.create(
        scope=org.committee,
        year=2026,
        quarter=3,
        kind=Campaign.Kind.MEMBERS,
        status=Campaign.Status.PUBLISHED,
    )
    sheet = ScoreSheet.objects.create(campaign=campaign, unit=org.branch_b, member=org.member_b)
    Result.objects.create(
        campaign=campaign,
        sheet=sheet,
        unit=org.branch_b,
        member=org.member_b,
        subject_name=org.member_b.name,
        total=Decimal("95"),
        first_points=Decimal("10"),
        rank=1,
        branch_rank=1,
        is_banner_holder=True,
    )
    return campaign


def scoring_campaign(org) -> Campaign:
    campaign = Campaign.objects.create(
        scope=org.committee,
        year=2026,
        quarter=4,
        kind=Campaign.Kind.MEMBERS,
        status=Campaign.Status.SCORING,
    )
    for member in (org.organiser, org.secretary_a, org.member_a, org.member_b):
        ScoreSheet.objects.create(campaign=campaign, unit=member.unit, member=member)
    ScoreSheet.objects.filter(campaign=campaign, member=org.member_b).update(
        status=ScoreSheet.Status.SUBMITTED
    )
    progress_refresh(campaign_id=campaign.pk)  # written around the services: count again
    return campaign


@pytest.fixture
def content(org):
    """Something of every kind for the home page."""
    ns = type("Content", (), {})()
    ns.lesson = lesson(org)
    ns.branch_lesson = lesson(org, "支部课程", audience_all=False)
    ns.branch_lesson.audience_units.add(org.branch_a)
    ns.upcoming = session(org, "主题党日：重温入党誓词", datetime.timedelta(days=2))
    ns.past = session(org, "上月的主题党日", -datetime.timedelta(days=20))
    ns.other_session = session(org, "邻县的活动日", datetime.timedelta(days=1), unit=org.branch_c)
    ns.story = story(org, "深夜抢修", org.member_b)
    ns.nominated = story(org, "待审的好人好事", org.member_a, Story.Status.NOMINATED)
    ns.nominated_elsewhere = story(org, "邻县的提名", org.member_c, Story.Status.NOMINATED)
    ns.published = published_campaign(org)
    ns.scoring = scoring_campaign(org)
    author = org.member_a.user
    ns.recent = Reflection.objects.create(lesson=ns.lesson, author=author, text="收获很大")
    Reflection.objects.create(lesson=ns.lesson, author=author, text="隐藏的", is_hidden=True)
    Reflection.objects.create(
        lesson=ns.lesson,
        author=author,
        text="上个月的",
        created_at=timezone.now() - datetime.timedelta(days=30),
    )
    other_lesson = lesson(org, "邻县课程", unit=org.other_committee)
    Reflection.objects.create(lesson=other_lesson, author=org.member_c.user, text="邻县心得")
    return ns


def home(client_for, persona):
    response = client_for(persona).get(reverse("home"))
    assert response.status_code == 200
    return response


def todo_of(response) -> dict[str, dict]:
    return {str(entry["label"]): entry for entry in response.context["todo"]}


def test_member_sees_lessons_banners_stories_and_upcoming_sessions(org, client_for, content):
    response = home(client_for, "member_a")
    page = response.text
    for text in (
        content.lesson.title,
        content.branch_lesson.title,
        content.published.title,
        org.member_b.name,  # the banner holder
        content.story.title,
        content.upcoming.title,
        "My branch",
    ):
        assert text in page, text
    # Past sessions and other committees' sessions are not "upcoming" for them.
    assert content.past.title not in page and content.other_session.title not in page
    # A member keeps no records: no to-do card.
    assert response.context["show_todo"] is False and 'id="todo-title"' not in page


def test_staff_without_membership_sees_what_is_open_to_all_staff(org, client_for, content):
    response = home(client_for, "staff")
    page = response.text
    for text in (content.lesson.title, content.published.title, content.story.title):
        assert text in page, text
    # Nothing addressed to a branch, no sessions (they belong to no unit), no branch, no to-do.
    for text in (content.branch_lesson.title, content.upcoming.title, "My branch"):
        assert text not in page, text
    assert 'id="todo-title"' not in page
    # Not an empty page: at least the lessons and the banners' cards.
    assert page.count('class="card') >= 3


def test_secretary_to_do_has_the_sheets_of_their_branch(org, client_for, content):
    response = home(client_for, "secretary_a")
    todo = todo_of(response)
    # Branch A's sheets, their own among them (the campaign's progress in the branch, as
    # the admin counts it): the organiser's, theirs and member A's, none submitted.
    assert todo["Appraisal to score"]["count"] == 3
    assert [i["label"] for i in todo["Appraisal to score"]["details"]] == [content.scoring.title]
    assert "0 of 3 sheets submitted" in response.text
    # Moderation is an organiser's: no reflections or nominations for a branch secretary.
    assert set(todo) == {"Appraisal to score"}


def test_organiser_to_do_counts_sheets_reflections_and_nominations(org, client_for, content):
    response = home(client_for, "organiser")
    todo = todo_of(response)
    # Sheets of both branches, their own among them: member B's in, the other three open.
    assert todo["Appraisal to score"]["count"] == 3
    assert "1 of 4 sheets submitted" in response.text
    # This week's visible reflection under the committee's lessons; not the hidden one, not
    # last month's, not the other committee's.
    assert todo["Reflections to review"]["count"] == 1
    assert todo["Reflections to review"]["url"].startswith(
        reverse("admin:lessons_reflection_changelist") + "?is_hidden__exact=0"
    )
    # The nomination in their committee, not the neighbouring one's.
    assert todo["Nominations to review"]["count"] == 1
    assert todo["Nominations to review"]["url"] == (
        reverse("admin:campaigns_story_changelist") + "?status__exact=nominated"
    )
    page = response.text
    # One to-do card, at the top: before every other panel.
    assert page.count('id="todo-title"') == 1
    assert page.index('id="todo-title"') < page.index(content.lesson.title)
    assert reverse("stats") in page


def test_to_do_links_open_in_the_admin(org, client_for, content):
    client = client_for("organiser")
    todo = todo_of(client.get(reverse("home")))
    for entry in todo.values():
        response = client.get(entry["url"])
        assert response.status_code == 200, entry["url"]
    reflections = client.get(todo["Reflections to review"]["url"]).text
    assert content.recent.text in reflections and "上个月的" not in reflections


def test_officer_with_nothing_waiting_is_told_so(org, client_for):
    response = home(client_for, "secretary_a")
    assert response.context["todo"] == []
    assert "Nothing is waiting for you." in response.text


def test_to_do_entries_from_several_apps_merge_into_one_list(monkeypatch, rf, org):
    """The mechanism itself: entries counting nothing are dropped, urgent ones come first,
    then by their order; a panel with only entries adds no card."""
    panels = [
        {"template": "members/_home_unit.html", "unit": org.branch_a},
        {"todo": [{"label": "b", "count": 2, "url": "/b", "order": 20}]},
        {
            "todo": [
                {"label": "a", "count": 1, "url": "/a", "order": 10},
                {"label": "zero", "count": 0, "url": "/z"},
                {"label": "late", "count": 5, "url": "/l", "order": 90, "urgent": True},
            ]
        },
    ]
    assert [e["label"] for e in views._todo(panels)] == ["late", "a", "b"]
    monkeypatch.setattr(views, "_panels", lambda request, access: panels)
    request = rf.get("/")
    request.user = org.member_a.user
    page = views.home(request).content.decode()
    assert page.count('class="card todo home-todo"') == 1
    assert page.index('href="/l"') < page.index('href="/a"') < page.index('href="/b"')
    assert 'href="/z"' not in page
    # No entry here names details: no empty nested list (dict.items must not leak in).
    assert "todo-items" not in page
    assert page.count(org.branch_a.name) >= 1


def test_home_makes_no_inline_style_or_script(org, client_for, content):
    for persona in ("staff", "member_a", "secretary_a", "organiser"):
        page = home(client_for, persona).text
        assert " style=" not in page and "<script>" not in page


def test_every_persona_home_renders_with_nothing_in_the_database(org, client_for):
    for persona in ("staff", "member_a", "secretary_a", "organiser", "superuser"):
        home(client_for, persona)
