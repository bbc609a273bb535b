"""Totals and ranks by the database, the stated tie-break rule, banners, and the state machine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import services
from campaigns.models import Campaign, Correction, Criterion, Result, ScoreSheet
from members.scoping import access_for

from .conftest import make_campaign, open_campaign, score_all, sheet_of
from .test_services_scoring import save


def close_and_publish(campaign, org):
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    campaign.refresh_from_db()


def ranking(campaign):
    return [
        (r.subject_name, r.total, r.rank, r.is_banner_holder)
        for r in Result.objects.filter(campaign=campaign).order_by("rank", "subject_name")
    ]


def test_ties_share_a_rank_after_the_first_criterion_tie_break(campaign, org):
    score_all(
        campaign,
        org,
        {
            org.member_a: [10, 15, 5],  # 30, first criterion 10
            org.member_b: [8, 17, 5],  # 30, first criterion 8 -> below member_a
            org.secretary_a: [8, 16, 6],  # 30, first 8: same as member_b -> shares rank 2
            org.organiser: [9, 20, 10],  # 39
        },
    )
    close_and_publish(campaign, org)
    rows = ranking(campaign)
    assert [(name, rank) for name, _t, rank, _b in rows] == [
        (org.organiser.name, 1),
        (org.member_a.name, 2),
        *sorted([(org.member_b.name, 3), (org.secretary_a.name, 3)]),
    ]
    assert rows[1][1] == Decimal("30.0")


def test_adjustments_and_decimal_points_add_up_exactly(campaign, org):
    score_all(
        campaign,
        org,
        {org.member_a: ["0.1", "0.2", "0"], org.member_b: ["0.3", "0", "0"]},
    )
    close_and_publish(campaign, org)
    totals = {r.subject_name: (r.total, r.rank) for r in Result.objects.filter(campaign=campaign)}
    # 0.1 + 0.2 equals 0.3 (no binary float drift in SQLite); member_b wins on criterion one.
    assert totals[org.member_a.name] == (Decimal("0.3"), 2)
    assert totals[org.member_b.name] == (Decimal("0.3"), 1)


def test_overall_rule_gives_banners_to_the_top_n_with_ties_at_the_cut(org):
    campaign = open_campaign(org, banners=1)
    score_all(campaign, org, {org.member_a: [10, 10, 10], org.member_b: [10, 10, 10]})
    close_and_publish(campaign, org)
    holders = set(
        Result.objects.filter(campaign=campaign, is_banner_holder=True).values_list(
            "subject_name", flat=True
        )
    )
    assert holders == {org.member_a.name, org.member_b.name}


def test_per_branch_rule_gives_each_branch_its_banner(org):
    campaign = open_campaign(org, award_rule=Campaign.AwardRule.PER_BRANCH, banners=1)
    score_all(
        campaign,
        org,
        {org.member_a: [10, 20, 10], org.secretary_a: [9, 20, 10], org.member_b: [1, 1, 1]},
    )
    close_and_publish(campaign, org)
    holders = set(
        Result.objects.filter(campaign=campaign, is_banner_holder=True).values_list(
            "subject_name", flat=True
        )
    )
    assert holders == {org.member_a.name, org.member_b.name}


def test_manual_award_needs_a_reason_and_survives_publication(campaign, org):
    score_all(campaign, org, {org.member_a: [10, 20, 10], org.member_b: [1, 1, 1]})
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    result = Result.objects.get(campaign=campaign, member=org.member_b)
    with pytest.raises(ValidationError):
        services.result_award(result=result, by=org.organiser.user, holder=True, reason="")
    services.result_award(
        result=result, by=org.organiser.user, holder=True, reason="抗洪抢险表现突出"
    )
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    result.refresh_from_db()
    assert result.is_banner_holder and result.manual_award


def test_state_machine_order_and_no_edits_after_publication(campaign, org):
    organiser = org.organiser.user
    with pytest.raises(ValidationError):
        services.campaign_publish(campaign=campaign, by=organiser)  # scoring, not review
    with pytest.raises(ValidationError):
        services.campaign_open(campaign=campaign, by=organiser)
    score_all(campaign, org, {org.member_a: [5, 5, 5]})
    close_and_publish(campaign, org)
    sheet = sheet_of(campaign, member=org.member_a)
    assert sheet.status == ScoreSheet.Status.LOCKED
    for persona in ("secretary_a", "organiser"):
        with pytest.raises(PermissionDenied):
            save(campaign, org, sheet, ["1", "1", "1"], persona=persona)


def test_review_is_for_organisers_only(campaign, org):
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    sheet = sheet_of(campaign, member=org.member_a)
    with pytest.raises(PermissionDenied):
        save(campaign, org, sheet, ["1", "1", "1"])
    save(campaign, org, sheet, ["1", "1", "1"], persona="organiser")


def test_open_needs_criteria_and_makes_one_sheet_per_party_member(org):
    campaign = Campaign.objects.create(scope=org.committee, year=2026, quarter=3, kind="members")
    with pytest.raises(ValidationError):
        services.campaign_open(campaign=campaign, by=org.organiser.user)
    Criterion.objects.create(campaign=campaign, name="x", max_points=5)
    assert services.campaign_open(campaign=campaign, by=org.organiser.user) == 4
    assert campaign.title == "2026年第三季度党员流动红旗评比"


def test_copy_criteria_from_the_previous_quarter(org):
    previous = make_campaign(org, quarter=3)
    campaign = Campaign.objects.create(scope=org.committee, year=2026, quarter=4, kind="members")
    assert services.criteria_copy_previous(campaign=campaign) == 3
    assert list(campaign.criteria.values_list("name", "max_points")) == list(
        previous.criteria.values_list("name", "max_points")
    )
    with pytest.raises(ValidationError):
        services.criteria_copy_previous(campaign=campaign)  # has criteria now
    first = Campaign.objects.create(scope=org.committee, year=2026, quarter=1, kind="branches")
    with pytest.raises(ValidationError):
        services.criteria_copy_previous(campaign=first)


def test_correction_needs_an_organiser_and_a_reason(campaign, org):
    score_all(campaign, org, {org.member_a: [5, 5, 5], org.member_b: [6, 6, 6]})
    close_and_publish(campaign, org)
    result = Result.objects.get(campaign=campaign, member=org.member_a)
    criterion = campaign.criteria.get(order=1)
    with pytest.raises(ValidationError):
        services.correction_record(
            result=result,
            criterion=criterion,
            points="15",
            reason="",
            access=access_for(org.organiser.user),
            by=org.organiser.user,
        )
    with pytest.raises(PermissionDenied):
        services.correction_record(
            result=result,
            criterion=criterion,
            points="15",
            reason="录入错误",
            access=access_for(org.secretary_a.user),
            by=org.secretary_a.user,
        )
    correction = services.correction_record(
        result=result,
        criterion=criterion,
        points="15",
        reason="录入错误，原始记录为15分",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    assert (correction.old_total, correction.new_total) == (Decimal("15.0"), Decimal("25.0"))
    result.refresh_from_db()
    assert (result.total, result.rank, result.is_banner_holder) == (Decimal("25.0"), 1, True)
    assert Correction.objects.count() == 1
    # The result's history keeps both figures.
    assert {h.total for h in result.history.all()} >= {Decimal("15.0"), Decimal("25.0")}
