"""Two people on one sheet cannot overwrite each other; every change is in the history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns import services
from campaigns.models import Score, ScoreSheet
from members.scoping import access_for

from .conftest import sheet_of
from .test_services_scoring import save


def test_second_save_from_an_old_version_is_refused_and_changes_nothing(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    opened_version = sheet.version  # both open the sheet at version 0
    save(campaign, org, sheet, ["9", "9", "9"], version=opened_version)
    with pytest.raises(services.StaleSheet) as caught:
        save(campaign, org, sheet, ["1", "1", "1"], persona="organiser", version=opened_version)
    assert org.member_a.name in str(caught.value)
    assert set(Score.objects.filter(sheet=sheet).values_list("points", flat=True)) == {Decimal("9")}
    assert ScoreSheet.objects.get(pk=sheet.pk).version == 1


def test_history_records_who_changed_scores_and_sheet(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    save(campaign, org, sheet, ["9", "9", "9"])
    sheet.refresh_from_db()
    save(campaign, org, sheet, ["8", "9", "9"])
    score = Score.objects.get(sheet=sheet, criterion__order=0)
    history = list(score.history.order_by("history_date"))
    assert [h.points for h in history] == [Decimal("9"), Decimal("8")]
    assert {h.history_user for h in history} == {org.secretary_a.user}
    # The unchanged criteria were not written again.
    assert Score.objects.get(sheet=sheet, criterion__order=1).history.count() == 1
    assert sheet.history.filter(history_user=org.secretary_a.user).count() == 2


def test_grid_saves_all_rows_or_none(campaign, org):
    access = access_for(org.secretary_a.user)
    criteria = list(campaign.criteria.order_by("order"))
    a = sheet_of(campaign, member=org.member_a)
    o = sheet_of(campaign, member=org.organiser)

    def row(sheet, *values):
        return (
            sheet.version,
            {c.pk: services.Line(points=v) for c, v in zip(criteria, values, strict=True)},
        )

    with pytest.raises(services.ValidationError) as caught:
        services.sheets_save_grid(
            campaign=campaign,
            unit=org.branch_a,
            access=access,
            by=org.secretary_a.user,
            rows={a.pk: row(a, "5", "5", "5"), o.pk: row(o, "5", "25", "5")},
        )
    assert f"{org.organiser.name} · 工作业绩: at most 20 points" in str(caught.value.message_dict)
    assert not Score.objects.exists()
    changed = services.sheets_save_grid(
        campaign=campaign,
        unit=org.branch_a,
        access=access,
        by=org.secretary_a.user,
        rows={a.pk: row(a, "5", "5", "5"), o.pk: row(o, "5", "15", "5")},
    )
    assert changed == 2
    assert Score.objects.count() == 6


def test_grid_refuses_a_row_outside_the_branch(campaign, org):
    access = access_for(org.secretary_a.user)
    own = sheet_of(campaign, member=org.secretary_a)
    with pytest.raises(services.PermissionDenied):
        services.sheets_save_grid(
            campaign=campaign,
            unit=org.branch_a,
            access=access,
            by=org.secretary_a.user,
            rows={own.pk: (0, {})},
        )
