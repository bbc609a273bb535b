"""The dashboard and its exports ask the same number of queries for 10 rows as for 1,000
members, study records, banners and many more branches: every figure is a grouped query."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Result, ScoreSheet
from lessons.models import Lesson, StudyRecord
from members.models import Member, OrgUnit
from partyportal import stats


def grow(org, start: int, count: int, branches: int) -> None:
    """`branches` more branches, `count` members spread over them, each with a login, a
    study record and a banner in a published campaign."""
    units = [
        OrgUnit.objects.create(
            name=f"新支部{start}-{i}", kind=OrgUnit.Kind.BRANCH, parent=org.committee
        )
        for i in range(branches)
    ]
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"u{start + n}") for n in range(count)
    )
    members = Member.objects.bulk_create(
        Member(
            unit=units[n % branches],
            name=f"党员{start + n}",
            gender=Member.Gender.FEMALE if n % 2 else Member.Gender.MALE,
            stage=Member.Stage.FULL,
            education=Member.Education.BACHELOR,
            birth_date=datetime.date(1960 + n % 40, 1, 1),
            user=users[n],
        )
        for n in range(count)
    )
    lesson = Lesson.objects.create(
        unit=org.committee, title=f"课{start}", status=Lesson.Status.PUBLISHED
    )
    now = timezone.now()
    StudyRecord.objects.bulk_create(
        StudyRecord(user=u, lesson=lesson, completed_at=now - datetime.timedelta(days=n % 150))
        for n, u in enumerate(users)
    )
    campaign = Campaign.objects.create(
        scope=org.committee,
        year=2020 + start // 1000,
        quarter=1 + start % 4,
        kind=Campaign.Kind.MEMBERS,
        status=Campaign.Status.PUBLISHED,
    )
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(campaign=campaign, unit=m.unit, member=m) for m in members
    )
    Result.objects.bulk_create(
        Result(
            campaign=campaign,
            sheet=s,
            unit=m.unit,
            member=m,
            subject_name=m.name,
            total=Decimal("90"),
            first_points=Decimal("10"),
            rank=n + 1,
            branch_rank=1,
            is_banner_holder=n % 3 == 0,
        )
        for n, (s, m) in enumerate(zip(sheets, members, strict=True))
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", ["per branch", "per unit"])
def test_dashboard_and_exports_do_not_grow_with_members_branches_and_records(
    org, client_for, monkeypatch, rows
):
    # "per unit" is the provincial layout: a row per unit under the organiser's.
    monkeypatch.setattr(stats, "MAX_BRANCH_ROWS", 1 if rows == "per unit" else 10_000)
    client = client_for("organiser")
    urls = [reverse("stats")] + [
        reverse("stats_export", args=[key]) for key in ("stage", "age", "study", "banners")
    ]
    grow(org, 0, 10, branches=2)
    small = [count_queries(client, url) for url in urls]
    grow(org, 1000, 1000, branches=40)
    assert small[0] < 25, small  # access, session, user, the grouped queries
    assert [count_queries(client, url) for url in urls] == small
