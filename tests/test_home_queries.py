"""The home page asks the same number of queries for 10 rows as for 1,000 — for each persona,
whatever the number of lessons, study records, reflections, sessions, score sheets, banner
holders and nominations: every panel and to-do entry is a fixed set of aggregate queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Result, ScoreSheet, Story
from lessons.models import Lesson, Reflection, Session, StudyRecord
from members.models import Member


def grow(org, start: int, count: int) -> None:
    now = timezone.now()
    lessons = Lesson.objects.bulk_create(
        Lesson(
            unit=org.committee,
            title=f"课{start + n}",
            status=Lesson.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(minutes=n + 1),
        )
        for n in range(count)
    )
    members = Member.objects.bulk_create(
        Member(
            unit=org.branch_a if n % 2 else org.branch_b,
            name=f"党员{start + n}",
            gender=Member.Gender.MALE,
            stage=Member.Stage.FULL,
        )
        for n in range(count)
    )
    for user in (org.member_a.user, org.secretary_a.user, org.organiser.user):
        StudyRecord.objects.bulk_create(
            StudyRecord(user=user, lesson=lesson, completed_at=now) for lesson in lessons
        )
    Reflection.objects.bulk_create(
        Reflection(lesson=lesson, author=org.member_a.user, text="心得") for lesson in lessons
    )
    Session.objects.bulk_create(
        Session(
            kind=Session.Kind.THEME_DAY,
            title=f"活动{start + n}",
            unit=org.committee,
            starts_at=now + datetime.timedelta(days=n + 1),
            ends_at=now + datetime.timedelta(days=n + 1, hours=2),
            place="会议室",
        )
        for n in range(count)
    )
    Story.objects.bulk_create(
        Story(
            member=m,
            category=Story.Category.GOOD_DEED,
            title=f"事迹{m.name}",
            body="事迹",
            status=Story.Status.PUBLISHED if n % 2 else Story.Status.NOMINATED,
            published_at=now if n % 2 else None,
        )
        for n, m in enumerate(members)
    )
    # A campaign being scored (a sheet per member) and a published one (a holder each).
    for status, quarter in ((Campaign.Status.SCORING, 4), (Campaign.Status.PUBLISHED, 3)):
        campaign = Campaign.objects.create(
            scope=org.committee,
            year=2000 + start // 1000,
            quarter=quarter,
            kind=Campaign.Kind.MEMBERS,
            status=status,
        )
        sheets = ScoreSheet.objects.bulk_create(
            ScoreSheet(campaign=campaign, unit=m.unit, member=m) for m in members
        )
        if status == Campaign.Status.PUBLISHED:
            Result.objects.bulk_create(
                Result(
                    campaign=campaign,
                    sheet=s,
                    unit=s.unit,
                    member=s.member,
                    subject_name=s.member.name,
                    total=Decimal("90"),
                    first_points=Decimal("10"),
                    rank=n + 1,
                    branch_rank=n + 1,
                    is_banner_holder=True,
                )
                for n, s in enumerate(sheets)
            )


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


PERSONAS = ("staff", "member_a", "secretary_a", "organiser")


def test_home_does_not_grow_with_rows_for_any_persona(org, client_for):
    # One growth for the four personas: 1,000 rows of everything are made once.
    clients = {persona: client_for(persona) for persona in PERSONAS}
    grow(org, 0, 10)
    small = {persona: count_queries(client) for persona, client in clients.items()}
    grow(org, 1000, 1000)
    assert {persona: count_queries(client) for persona, client in clients.items()} == small
