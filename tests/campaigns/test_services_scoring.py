"""Saving a score sheet: every line is checked and one error refuses the whole sheet."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import services
from campaigns.models import Adjustment, Score, ScoreSheet
from members.scoping import access_for

from .conftest import sheet_of


def lines(campaign, *values, notes=None):
    criteria = list(campaign.criteria.order_by("order"))
    return {
        c.pk: services.Line(points=v, note=(notes or {}).get(i, ""))
        for i, (c, v) in enumerate(zip(criteria, values, strict=True))
    }


def save(campaign, org, sheet, values, *, persona="secretary_a", adjustments=None, version=None):
    user = getattr(org, persona).user
    return services.sheet_save(
        sheet=sheet,
        access=access_for(user),
        by=user,
        version=sheet.version if version is None else version,
        lines=lines(campaign, *values),
        adjustments=adjustments,
    )


def test_secretary_saves_a_members_sheet(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    saved = save(campaign, org, sheet, ["9", "18.5", "10"])
    assert saved.version == 1
    assert saved.scorer == org.secretary_a.user
    points = sorted(Score.objects.filter(sheet=sheet).values_list("points", flat=True))
    assert points == [Decimal("9"), Decimal("10"), Decimal("18.5")]


def test_points_above_the_maximum_name_the_criterion_and_nothing_changes(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    save(campaign, org, sheet, ["5", "5", "5"])
    sheet.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        save(campaign, org, sheet, ["6", "21", "7"])
    assert "工作业绩: at most 20 points" in str(caught.value.message_dict)
    sheet.refresh_from_db()
    assert sheet.version == 1
    assert (
        sorted(Score.objects.filter(sheet=sheet).values_list("points", flat=True))
        == [Decimal("5")] * 3
    )


def test_negative_points_are_refused(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    with pytest.raises(ValidationError) as caught:
        save(campaign, org, sheet, ["-1", "5", "5"])
    assert "政治学习: points cannot be negative" in str(caught.value.message_dict)
    assert not Score.objects.filter(sheet=sheet).exists()


def test_not_a_number_is_refused(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    with pytest.raises(ValidationError) as caught:
        save(campaign, org, sheet, ["abc", "5", "NaN"])
    messages = str(caught.value.message_dict)
    assert "政治学习: enter a number" in messages and "作风纪律: enter a number" in messages
    assert not Score.objects.filter(sheet=sheet).exists()


def test_deduction_without_a_reason_refuses_the_whole_sheet(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    with pytest.raises(ValidationError) as caught:
        save(
            campaign,
            org,
            sheet,
            ["5", "5", "5"],
            adjustments=[services.AdjustmentLine(kind=Adjustment.Kind.DEDUCTION, points="2")],
        )
    assert "Deduction 1: a reason is required" in str(caught.value.message_dict)
    assert not Score.objects.filter(sheet=sheet).exists()
    assert not Adjustment.objects.exists()


def test_adjustments_are_replaced_and_counted(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    save(
        campaign,
        org,
        sheet,
        ["5", "5", "5"],
        adjustments=[
            services.AdjustmentLine(kind=Adjustment.Kind.BONUS, points="3", reason="抢修表彰"),
            services.AdjustmentLine(kind=Adjustment.Kind.DEDUCTION, points="1", reason="迟到"),
            services.AdjustmentLine(kind=Adjustment.Kind.BONUS, points="", reason=""),
        ],
    )
    assert Adjustment.objects.filter(sheet=sheet).count() == 2
    row = services.ranked_sheets(campaign).get(pk=sheet.pk)
    assert row.total == Decimal("17.0")


def test_secretary_cannot_score_own_sheet_or_another_branch(campaign, org):
    own = sheet_of(campaign, member=org.secretary_a)
    other = sheet_of(campaign, member=org.member_b)
    for sheet in (own, other):
        with pytest.raises(PermissionDenied):
            save(campaign, org, sheet, ["5", "5", "5"])
    # The committee scores the secretary.
    save(campaign, org, own, ["5", "5", "5"], persona="organiser")


def test_member_cannot_score(campaign, org):
    with pytest.raises(PermissionDenied):
        save(
            campaign,
            org,
            sheet_of(campaign, member=org.member_b),
            ["1", "1", "1"],
            persona="member_a",
        )


def test_branch_scores_itself_then_committee_figure_counts(branch_campaign, org):
    sheet = sheet_of(branch_campaign, unit=org.branch_a)
    save(branch_campaign, org, sheet, ["8", "15", "9"])
    score = Score.objects.get(sheet=sheet, criterion__order=0)
    assert score.self_points == Decimal("8") and score.points is None
    sheet.refresh_from_db()
    services.sheet_submit(
        sheet=sheet, access=access_for(org.secretary_a.user), by=org.secretary_a.user
    )
    sheet.refresh_from_db()
    # Submitted: the branch can no longer change it; the committee corrects one criterion.
    with pytest.raises(PermissionDenied):
        save(branch_campaign, org, sheet, ["10", "20", "10"])
    save(branch_campaign, org, sheet, ["7", "15", "9"], persona="organiser")
    score.refresh_from_db()
    assert (score.self_points, score.points) == (Decimal("8"), Decimal("7"))
    assert services.ranked_sheets(branch_campaign).get(pk=sheet.pk).total == Decimal("31.0")


def test_submit_needs_every_criterion_and_return_needs_a_comment(campaign, org):
    secretary = org.secretary_a.user
    sheet = sheet_of(campaign, member=org.member_a)
    save(campaign, org, sheet, ["5", None, "5"])
    sheet.refresh_from_db()
    with pytest.raises(ValidationError):
        services.sheet_submit(sheet=sheet, access=access_for(secretary), by=secretary)
    save(campaign, org, sheet, ["5", "5", "5"])
    services.sheet_submit(sheet=sheet, access=access_for(secretary), by=secretary)
    organiser = org.organiser.user
    with pytest.raises(ValidationError):
        services.sheet_return(sheet=sheet, access=access_for(organiser), by=organiser, comment=" ")
    with pytest.raises(PermissionDenied):
        services.sheet_return(sheet=sheet, access=access_for(secretary), by=secretary, comment="x")
    services.sheet_return(
        sheet=sheet, access=access_for(organiser), by=organiser, comment="请补充佐证材料"
    )
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.RETURNED
    assert sheet.return_comment == "请补充佐证材料"
    save(campaign, org, sheet, ["6", "5", "5"])  # returned: the branch may edit again
