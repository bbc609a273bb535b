"""The appraisals' figures kept in tables (campaigns.summaries) equal a recount from the sheets
and results after every kind of write that changes them: the demo data, a publication, a
correction, a banner awarded by hand, a recompute, sheets submitted, returned and scored in
a grid, a result saved on its own, the seed code's bulk writes; and the recount finds and
mends what a write around the services left wrong."""

from __future__ import annotations

import datetime
import importlib
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from campaigns import demo, home, services, stats, summaries
from campaigns.models import (
    Banner,
    BannerTally,
    Campaign,
    Result,
    Score,
    ScoreSheet,
    SheetProgress,
)
from members import demo as members_demo
from members import recounts
from members.models import Member, OrgUnit
from members.scoping import access_for

from .conftest import open_campaign, score_all, sheet_of
from .test_pages import publish

pytestmark = pytest.mark.django_db


def agree() -> bool:
    differences = summaries.recount(fix=False)
    assert differences == []
    return True


def scored(org, quarter=3, **kwargs) -> Campaign:
    """A members' campaign of the committee, every sheet scored (member A highest)."""
    campaign = open_campaign(org, quarter=quarter, **kwargs)
    score_all(
        campaign,
        org,
        {
            org.member_a: [10, 18, 9],
            org.member_b: [7, 15, 8],
            org.secretary_a: [9, 17.5, 10],
            org.organiser: [6, 12, 7],
        },
    )
    return campaign


def progress_of(campaign) -> dict[int, tuple[int, int]]:
    return {
        p.unit_id: (p.submitted, p.sheets) for p in SheetProgress.objects.filter(campaign=campaign)
    }


def holders_of(campaign) -> list[tuple[str, int]]:
    return list(
        Banner.objects.filter(campaign=campaign)
        .order_by("rank", "subject_name")
        .values_list("subject_name", "streak")
    )


def test_the_recount_is_registered():
    assert "appraisals" in recounts.recount_all(fix=False)


def test_the_demo_data_agrees_with_a_recount():
    members_demo.seed()
    demo.seed()
    assert Banner.objects.exists() and BannerTally.objects.exists()
    assert SheetProgress.objects.filter(campaign__status=Campaign.Status.SCORING).exists()
    assert agree()


def test_opening_counts_every_sheet_and_submitting_and_returning_move_the_count(org):
    campaign = open_campaign(org)
    a, b = org.branch_a.pk, org.branch_b.pk
    assert progress_of(campaign) == {a: (0, 3), b: (0, 1), None: (0, 4)}
    organiser = access_for(org.organiser.user)
    score_all(campaign, org, {org.member_b: [5, 5, 5]})
    sheet = sheet_of(campaign, member=org.member_b)
    services.sheet_submit(sheet=sheet, access=organiser, by=org.organiser.user)
    assert progress_of(campaign) == {a: (0, 3), b: (1, 1), None: (1, 4)}
    assert agree()
    services.sheet_return(sheet=sheet, access=organiser, by=org.organiser.user, comment="重填")
    assert progress_of(campaign) == {a: (0, 3), b: (0, 1), None: (0, 4)}
    assert agree()


def test_a_grid_submitted_whole_counts_its_sheets(org):
    campaign = open_campaign(org)
    secretary = access_for(org.secretary_a.user)
    criteria = list(campaign.criteria.order_by("order"))
    sheets = [sheet_of(campaign, member=m) for m in (org.member_a, org.organiser)]
    services.sheets_save_grid(
        campaign=campaign,
        unit=org.branch_a,
        access=secretary,
        by=org.secretary_a.user,
        rows={
            s.pk: (s.version, {c.pk: services.Line(points="5") for c in criteria}) for s in sheets
        },
        submit=True,
    )
    assert progress_of(campaign)[org.branch_a.pk] == (2, 3)
    assert progress_of(campaign)[None] == (2, 4)  # the campaign's row, as the admin shows it
    assert agree()


def test_publication_locks_sheets_and_writes_the_banners(org):
    campaign = publish(scored(org), org)
    assert progress_of(campaign) == {org.branch_a.pk: (3, 3), org.branch_b.pk: (1, 1), None: (4, 4)}
    assert holders_of(campaign) == [(org.member_a.name, 1)]
    tally = BannerTally.objects.get()
    assert (tally.unit_id, tally.year, tally.quarter, tally.own, tally.members) == (
        org.branch_a.pk,
        2026,
        3,
        0,
        1,
    )
    assert agree()


def test_a_correction_that_moves_the_banner_moves_it_in_the_kept_figures(org):
    campaign = publish(scored(org, banners=1), org)
    services.correction_record(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        criterion=campaign.criteria.get(order=1),
        points="20",
        reason="漏记抢修加分",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    # Member B: 7 + 20 + 8 = 35 < member A's 37; secretary A (36.5) is second.
    assert holders_of(campaign) == [(org.member_a.name, 1)]
    services.correction_record(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        criterion=campaign.criteria.get(order=0),
        points="10",
        reason="复核",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    assert holders_of(campaign) == [(org.member_b.name, 1)]  # 10 + 20 + 8 = 38
    assert BannerTally.objects.get(unit=org.branch_b).members == 1
    assert not BannerTally.objects.filter(unit=org.branch_a).exists()
    assert agree()


def test_a_banner_awarded_by_hand_is_kept_once_published(org):
    campaign = scored(org)
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.result_award(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        by=org.organiser.user,
        holder=True,
        reason="抗冰抢险表现突出",
    )
    assert not Banner.objects.exists()  # not published yet
    assert agree()
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    assert holders_of(campaign) == [(org.member_a.name, 1), (org.member_b.name, 1)]
    assert agree()


def test_a_recompute_after_a_bulk_write_to_the_scores_is_kept(org):
    campaign = publish(scored(org), org)
    Score.objects.filter(sheet__member=org.member_a, sheet__campaign=campaign).update(
        points=Decimal("1")
    )
    services.results_compute(campaign=campaign, by=org.organiser.user)
    assert holders_of(campaign) == [(org.secretary_a.name, 1)]
    assert agree()


def test_a_result_saved_or_deleted_on_its_own_keeps_the_banners(org):
    campaign = publish(scored(org), org)
    result = Result.objects.get(campaign=campaign, member=org.member_b)
    result.is_banner_holder = True
    result.save()
    assert holders_of(campaign) == [(org.member_a.name, 1), (org.member_b.name, 1)]
    result.delete()
    assert holders_of(campaign) == [(org.member_a.name, 1)]
    assert agree()


def test_streaks_count_quarters_in_a_row_of_one_committee_and_kind(org):
    q1 = publish(scored(org, quarter=1), org)
    q3 = publish(scored(org, quarter=3), org)
    assert holders_of(q3) == [(org.member_a.name, 1)]  # Q2 is missing: no streak
    q2 = publish(scored(org, quarter=2), org)  # published late: the later quarter follows
    assert holders_of(q1) == [(org.member_a.name, 1)]
    assert holders_of(q2) == [(org.member_a.name, 2)]
    assert holders_of(q3) == [(org.member_a.name, 3)]
    assert agree()


def test_seed_code_bulk_writes_are_counted(org):
    """The demo's scoring writes scores and sheet statuses in bulk, then counts again."""
    campaign = open_campaign(org)
    demo._score(campaign, list(campaign.sheets.all()), random.Random(1), set(), None)
    assert progress_of(campaign) == {org.branch_a.pk: (3, 3), org.branch_b.pk: (1, 1), None: (4, 4)}
    assert agree()


def test_the_recount_finds_and_mends_writes_around_the_services(org):
    campaign = publish(scored(org), org)
    ScoreSheet.objects.filter(campaign=campaign, member=org.member_b).update(
        status=ScoreSheet.Status.DRAFT
    )
    Result.objects.filter(campaign=campaign, member=org.member_b).update(is_banner_holder=True)
    found = summaries.recount(fix=False)
    assert len(found) == 4, found  # progress of branch B and all, a banner, branch B's quarter
    assert summaries.recount(fix=False) == found  # a check changes nothing
    assert summaries.recount(fix=True) == found
    assert agree()
    assert progress_of(campaign)[org.branch_b.pk] == (0, 1)


def test_the_migration_fills_the_tables_as_the_recount_would(org):
    publish(scored(org, quarter=2), org)
    publish(scored(org, quarter=3), org)
    open_campaign(org, quarter=4)
    for model in (SheetProgress, Banner, BannerTally):
        model.objects.all().delete()
    importlib.import_module("campaigns.migrations.0004_fill_kept_figures").fill(apps, None)
    assert Banner.objects.filter(streak=2).exists()
    assert agree()


def test_banner_statistics_equal_a_count_of_the_results(org):
    """The statistics read the tally; counted from the results, they are the same."""
    publish(scored(org, quarter=2), org)
    branches = open_campaign(org, quarter=3, kind=Campaign.Kind.BRANCHES, banners=2)
    score_all(branches, org, {org.branch_a: [9, 18, 9], org.branch_b: [8, 17, 8]})
    publish(branches, org)
    publish(scored(org, quarter=3), org)
    in_scope = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH, path__startswith=org.committee.path)
    figures = stats.banners_by_branch_quarter(in_scope)
    counted = (
        Result.objects.filter(
            is_banner_holder=True, campaign__status=Campaign.Status.PUBLISHED, unit__in=in_scope
        )
        .values("unit_id", "campaign__year", "campaign__quarter")
        .annotate(
            branch=Count("pk", filter=Q(member__isnull=True)),
            members=Count("pk", filter=Q(member__isnull=False)),
        )
    )
    assert figures["cells"] == {
        (r["unit_id"], (r["campaign__year"], r["campaign__quarter"])): {
            "branch": r["branch"],
            "members": r["members"],
        }
        for r in counted
    }
    assert figures["quarters"] == [(2026, 2), (2026, 3)]
    assert figures["totals"][org.branch_a.pk] == {"branch": 1, "members": 2}
    assert figures["totals"][org.branch_b.pk] == {"branch": 1, "members": 0}


def test_a_member_transferred_keeps_the_banners_of_the_branch_that_scored_them(org):
    publish(scored(org), org)
    org.member_a.unit = org.branch_b
    org.member_a.save()
    tally = BannerTally.objects.get()
    assert (tally.unit_id, tally.members) == (org.branch_a.pk, 1)
    assert agree()


def test_the_to_do_reads_the_same_rows_whatever_the_number_of_sheets(org):
    """The progress of a campaign is one row per branch, however many sheets it has: the
    organiser's to-do asks the same queries with 10 and with 1,000 members to score."""

    def todo_queries(size: int, quarter: int) -> int:
        Member.objects.bulk_create(
            Member(
                unit=org.branch_b,
                name=f"测试{quarter}-{i:04d}",
                gender=Member.Gender.MALE,
                stage=Member.Stage.FULL,
                full_on=datetime.date(2012, 7, 1),
            )
            for i in range(size)
        )
        campaign = open_campaign(org, quarter=quarter)
        assert SheetProgress.objects.filter(campaign=campaign).count() == 3  # 2 branches, all
        access = access_for(org.organiser.user)
        access.organiser_units  # noqa: B018  (the person's roles: not what is measured)
        with CaptureQueriesContext(connection) as queries:
            todo = home._todo(access)
        assert todo[0]["count"] == ScoreSheet.objects.filter(status="draft").count()
        return len(queries)

    assert todo_queries(10, 1) == todo_queries(1000, 2)
