"""`manage.py seed_scale` at a tiny scale: proportional counts, a consistent tree, posts in
every unit, results ranked as the database ranks them, named logins that work, and the
refusal to mix with an existing organisation."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign, Result, ScoreSheet
from campaigns.services import ranked_sheets
from lessons.models import Lesson, StudyRecord
from members.models import PATH_SEGMENT, Member, OrgUnit, Post
from notices.models import Notice, NoticeRead
from partyportal import scale

pytestmark = pytest.mark.django_db

SCALE = 0.002
ARGS = ["--scale", str(SCALE), "--seed", "7", "--today", "2026-11-24"]


def seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_scale", *ARGS, *extra, stdout=out)
    return out.getvalue()


def test_counts_follow_the_plan_and_the_tree_is_consistent():
    output = seed()
    figures = scale.plan(SCALE)

    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).count() == figures["branches"]
    committees = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMITTEE)
    assert committees.filter(parent__isnull=True).count() == 1
    assert committees.filter(parent__isnull=False).count() == figures["counties"]
    assert Member.objects.count() == figures["members"]
    assert Member.objects.filter(user__isnull=True).count() == 0  # every member has a login
    assert get_user_model().objects.count() == figures["members"]
    assert Lesson.objects.count() == figures["lessons"]
    records = StudyRecord.objects.count()
    assert 0.3 * figures["study_records"] <= records <= figures["study_records"]
    assert StudyRecord.objects.filter(completed_at__isnull=False).count() > records * 0.8
    assert NoticeRead.objects.exists() and Notice.objects.exists()
    assert "study records" in output and scale.PASSWORD in output

    units = {u.pk: u for u in OrgUnit.objects.all()}
    for unit in units.values():
        parent = units.get(unit.parent_id)
        assert unit.path == f"{parent.path if parent else ''}{unit.pk:06d}."
        assert unit.depth == len(unit.path) // PATH_SEGMENT - 1
        if parent is not None:
            assert unit.kind in OrgUnit.ALLOWED_CHILDREN[parent.kind]
    assert Member.objects.exclude(unit__kind=OrgUnit.Kind.BRANCH).count() == 0

    current = Post.objects.current()
    for branch in OrgUnit.objects.branches():
        assert current.filter(unit=branch, kind=Post.Kind.SECRETARY).count() == 1
    for committee in committees:
        assert current.filter(unit=committee, kind=Post.Kind.ORGANISER).exists()

    for member in Member.objects.order_by("pk")[:: max(1, figures["members"] // 150)]:
        member.clean()  # the stage rules hold for the generated people
    ids = list(Member.objects.values_list("id_number", flat=True))
    assert len(set(ids)) == len(ids) and all(len(i) == 18 for i in ids)
    # Rows written around the ORM still point at rows that exist (SQLite checks every
    # foreign key here; PostgreSQL loads them with its triggers off, see partyportal.scale).
    connection.check_constraints()


def test_published_results_are_ranked_as_the_database_ranks_them():
    seed()
    published = Campaign.objects.filter(status=Campaign.Status.PUBLISHED)
    quarters = set(published.values_list("year", "quarter"))
    assert len(quarters) == scale.QUARTERS
    assert set(published.values_list("kind", flat=True)) == set(Campaign.Kind.values)
    assert Campaign.objects.filter(status=Campaign.Status.SCORING).exists()

    for kind in Campaign.Kind.values:
        campaign = published.filter(kind=kind, scope__parent__isnull=False).latest(
            "year", "quarter"
        )
        results = {r.sheet_id: r for r in campaign.results.all()}
        assert len(results) == campaign.sheets.count() > 0
        for row in ranked_sheets(campaign).values("pk", "total", "rank", "branch_rank"):
            result = results[row["pk"]]
            assert (result.total, result.rank, result.branch_rank) == (
                row["total"],
                row["rank"],
                row["branch_rank"],
            )
        holders = [r for r in results.values() if r.is_banner_holder]
        assert holders
        place = "branch_rank" if kind == Campaign.Kind.MEMBERS else "rank"
        assert all(getattr(r, place) <= campaign.banners for r in holders)
    assert (
        not ScoreSheet.objects.filter(campaign__status=Campaign.Status.PUBLISHED)
        .exclude(status=ScoreSheet.Status.LOCKED)
        .exists()
    )
    assert Result.objects.filter(rank=1).exists()


def test_named_logins_open_home_and_a_second_run_needs_flush():
    seed()
    for username, _role in scale.NAMED_LOGINS:
        client = Client()
        assert client.login(username=username, password=scale.PASSWORD), username
        assert client.get(reverse("home")).status_code == 200
    secretary = Member.objects.get(user__username="scale-secretary")
    assert Post.objects.current().filter(member=secretary, kind=Post.Kind.SECRETARY).exists()
    county = Member.objects.get(user__username="scale-county")
    assert Post.objects.current().filter(member=county, kind=Post.Kind.ORGANISER).exists()
    member = Member.objects.get(user__username="scale-member")
    assert member.unit_id == secretary.unit_id and not member.posts.exists()

    people = list(Member.objects.order_by("pk").values_list("name", "id_number", "user__username"))
    with pytest.raises(CommandError, match="--flush"):
        seed()
    assert Member.objects.count() == len(people)  # refused: nothing changed

    seed("--flush")
    again = list(Member.objects.order_by("pk").values_list("name", "id_number", "user__username"))
    assert again == people  # the same seed and day give the same people
