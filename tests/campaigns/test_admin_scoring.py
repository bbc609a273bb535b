"""Scoring in the admin: the per-subject sheet page and the branch grid, scoped and
all-or-nothing; tampered URLs are 404."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Adjustment, Criterion, Score, ScoreSheet
from members.scoping import access_for

from .conftest import open_campaign, score_all, sheet_of


def other_committee(org):
    """`org` as seen from the neighbouring committee, for open_campaign()."""
    return type("OtherOrg", (), {**org.__dict__, "committee": org.other_committee})()


def sheet_url(sheet):
    return reverse("admin:campaigns_scoresheet_change", args=[sheet.pk])


def grid_url(campaign, unit):
    return reverse("admin:campaigns_scoresheet_grid", args=[campaign.pk, unit.pk])


def sheet_post(campaign, sheet, values, *, adjustments=(), version=None, submit=False):
    criteria = list(campaign.criteria.order_by("order"))
    data = {"version": sheet.version if version is None else version, "adj-count": len(adjustments)}
    for criterion, value in zip(criteria, values, strict=True):
        data[f"c{criterion.pk}"] = value
        data[f"n{criterion.pk}"] = ""
    for index, (kind, points, reason) in enumerate(adjustments):
        data.update(
            {
                f"adj-{index}-kind": kind,
                f"adj-{index}-points": points,
                f"adj-{index}-reason": reason,
            }
        )
    data["_submit" if submit else "_save"] = "1"
    return data


def points_of(sheet):
    return list(
        Score.objects.filter(sheet=sheet)
        .order_by("criterion__order")
        .values_list("points", flat=True)
    )


def test_secretary_opens_and_saves_a_members_sheet_of_own_branch(campaign, org, client_for):
    client = client_for("secretary_a")
    sheet = sheet_of(campaign, member=org.member_a)
    page = client.get(sheet_url(sheet))
    assert page.status_code == 200
    assert "政治学习" in page.text and 'name="version" value="0"' in page.text
    response = client.post(
        sheet_url(sheet),
        sheet_post(campaign, sheet, ["9", "18", "10"], adjustments=[("bonus", "2", "抢修突击队")]),
    )
    assert response.status_code == 302
    assert points_of(sheet) == [Decimal("9"), Decimal("18"), Decimal("10")]
    assert Adjustment.objects.get(sheet=sheet).reason == "抢修突击队"


def test_score_above_maximum_names_the_criterion_and_changes_nothing(campaign, org, client_for):
    client = client_for("secretary_a")
    sheet = sheet_of(campaign, member=org.member_a)
    client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["5", "5", "5"]))
    sheet.refresh_from_db()
    response = client.post(
        sheet_url(sheet),
        sheet_post(campaign, sheet, ["6", "25", "6"], adjustments=[("bonus", "1", "x")]),
    )
    assert response.status_code == 200
    assert "工作业绩: at most 20 points" in response.text
    assert "Nothing was saved" in response.text
    assert points_of(sheet) == [Decimal("5")] * 3
    assert not Adjustment.objects.filter(sheet=sheet).exists()
    assert ScoreSheet.objects.get(pk=sheet.pk).version == 1


def test_deduction_without_reason_and_negative_points_are_refused(campaign, org, client_for):
    client = client_for("secretary_a")
    sheet = sheet_of(campaign, member=org.member_a)
    response = client.post(
        sheet_url(sheet),
        sheet_post(campaign, sheet, ["-1", "5", "5"], adjustments=[("deduction", "2", "")]),
    )
    assert "政治学习: points cannot be negative" in response.text
    assert "Deduction 1: a reason is required" in response.text
    assert not Score.objects.filter(sheet=sheet).exists()


@pytest.mark.parametrize("subject", ["member_b", "secretary_a", "member_c"])
def test_secretary_gets_404_for_sheets_outside_own_branch_or_own_sheet(
    org, client_for, subject, campaign
):
    if subject == "member_c":
        # A campaign of the other committee: out of the secretary's (and organiser's) scope.
        other = open_campaign(other_committee(org))
        sheet = sheet_of(other, member=org.member_c)
    else:
        sheet = sheet_of(campaign, member=getattr(org, subject))
    client = client_for("secretary_a")
    assert client.get(sheet_url(sheet)).status_code == 404
    assert (
        client.post(
            sheet_url(sheet), sheet_post(sheet.campaign, sheet, ["1", "1", "1"])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:campaigns_scoresheet_history", args=[sheet.pk])).status_code
        == 404
    )
    assert not Score.objects.filter(sheet=sheet).exists()


def test_grid_of_another_branch_is_404_and_own_grid_lists_colleagues(campaign, org, client_for):
    client = client_for("secretary_a")
    assert client.get(grid_url(campaign, org.branch_b)).status_code == 404
    assert client.get(grid_url(campaign, org.committee)).status_code == 404
    page = client.get(grid_url(campaign, org.branch_a))
    assert page.status_code == 200
    assert org.member_a.name in page.text and org.organiser.name in page.text
    assert org.secretary_a.name not in page.text  # own sheet: the committee scores it
    assert org.member_b.name not in page.text


def test_grid_post_is_all_or_nothing(campaign, org, client_for):
    client = client_for("secretary_a")
    criteria = list(campaign.criteria.order_by("order"))
    sheets = [sheet_of(campaign, member=org.member_a), sheet_of(campaign, member=org.organiser)]

    def data(second_row):
        posted = {}
        for sheet, values in zip(sheets, [["5", "15", "5"], second_row], strict=True):
            posted[f"v{sheet.pk}"] = sheet.version
            for criterion, value in zip(criteria, values, strict=True):
                posted[f"s{sheet.pk}-c{criterion.pk}"] = value
        return posted

    bad = client.post(grid_url(campaign, org.branch_a), data(["5", "15", "11"]))
    assert bad.status_code == 200
    assert f"{org.organiser.name} · 作风纪律: at most 10 points" in bad.text
    assert not Score.objects.exists()
    good = client.post(
        grid_url(campaign, org.branch_a), {**data(["5", "15", "10"]), "_submit": "1"}
    )
    assert good.status_code == 302
    assert Score.objects.count() == 6
    assert set(
        ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets]).values_list("status", flat=True)
    ) == {ScoreSheet.Status.SUBMITTED}
    # Submitted: the grid shows them read-only and a post changes nothing.
    page = client.get(grid_url(campaign, org.branch_a))
    assert f'name="s{sheets[0].pk}-c{criteria[0].pk}"' not in page.text


def test_two_editors_the_second_gets_a_message_and_nothing_is_saved(campaign, org, client_for):
    sheet = sheet_of(campaign, member=org.member_a)
    secretary, organiser = client_for("secretary_a"), client_for("organiser")
    stale_form = sheet_post(campaign, sheet, ["1", "1", "1"], version=0)
    secretary.post(sheet_url(sheet), sheet_post(campaign, sheet, ["9", "9", "9"], version=0))
    response = organiser.post(sheet_url(sheet), stale_form, follow=True)
    assert "changed by someone else" in response.text
    assert points_of(sheet) == [Decimal("9")] * 3


def test_locked_after_publication(campaign, org, client_for):
    score_all(campaign, org, {org.member_a: [5, 5, 5]})
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    sheet = sheet_of(campaign, member=org.member_a)
    for persona in ("secretary_a", "organiser"):
        client = client_for(persona)
        page = client.get(sheet_url(sheet))
        assert page.status_code == 200 and "this sheet is locked" in page.text
        assert f'name="c{campaign.criteria.first().pk}"' not in page.text
        sheet.refresh_from_db()
        response = client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["1", "1", "1"]))
        assert response.status_code == 403
    assert points_of(sheet) == [Decimal("5")] * 3


def test_organiser_returns_a_sheet_with_a_comment(campaign, org, client_for):
    sheet = sheet_of(campaign, member=org.member_a)
    client_for("secretary_a").post(
        sheet_url(sheet), sheet_post(campaign, sheet, ["5", "5", "5"], submit=True)
    )
    organiser = client_for("organiser")
    empty = organiser.post(sheet_url(sheet), {"_return": "1", "comment": ""})
    assert empty.status_code == 200
    assert ScoreSheet.objects.get(pk=sheet.pk).status == ScoreSheet.Status.SUBMITTED
    organiser.post(sheet_url(sheet), {"_return": "1", "comment": "请补充佐证"})
    sheet.refresh_from_db()
    assert (sheet.status, sheet.return_comment) == (ScoreSheet.Status.RETURNED, "请补充佐证")


def test_changelist_and_filters_are_scoped(campaign, org, client_for):
    other = open_campaign(other_committee(org))
    page = client_for("secretary_a").get(reverse("admin:campaigns_scoresheet_changelist"))
    assert page.status_code == 200
    assert org.member_a.name in page.text
    for outsider in (org.member_b.name, org.member_c.name, org.secretary_a.name + "</a>"):
        assert outsider not in page.text
    assert f"?campaign={other.pk}" not in page.text
    assert grid_url(campaign, org.branch_a) in page.text
    assert grid_url(campaign, org.branch_b) not in page.text


def test_evidence_must_be_a_real_picture_or_pdf(campaign, org, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("secretary_a")
    sheet = sheet_of(campaign, member=org.member_a)
    criterion = campaign.criteria.get(order=0)
    data = sheet_post(campaign, sheet, ["5", "5", "5"])
    data[f"e{criterion.pk}"] = SimpleUploadedFile(
        "x.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml"
    )
    response = client.post(sheet_url(sheet), data)
    assert "政治学习: SVG images are not accepted" in response.text
    assert not Score.objects.filter(sheet=sheet).exists()
    data = sheet_post(campaign, sheet, ["5", "5", "5"])
    data[f"e{criterion.pk}"] = SimpleUploadedFile(
        "proof.pdf", b"%PDF-1.4 test", content_type="application/pdf"
    )
    assert client.post(sheet_url(sheet), data).status_code == 302
    assert Score.objects.get(sheet=sheet, criterion=criterion).evidence.name.endswith(".pdf")


def test_branch_kind_committee_confirms_or_corrects(branch_campaign, org, client_for):
    sheet = sheet_of(branch_campaign, unit=org.branch_a)
    client_for("secretary_a").post(
        sheet_url(sheet), sheet_post(branch_campaign, sheet, ["8", "16", "9"], submit=True)
    )
    organiser = client_for("organiser")
    page = organiser.get(sheet_url(sheet))
    assert (
        "Committee&#x27;s score (counts)" in page.text or "Committee's score (counts)" in page.text
    )
    sheet.refresh_from_db()
    organiser.post(sheet_url(sheet), sheet_post(branch_campaign, sheet, ["8", "14", "9"]))
    scores = Score.objects.filter(sheet=sheet).order_by("criterion__order")
    assert [(s.self_points, s.points) for s in scores] == [
        (Decimal("8"), Decimal("8")),
        (Decimal("16"), Decimal("14")),
        (Decimal("9"), Decimal("9")),
    ]


def test_outside_the_scoring_window_only_the_committee_scores(org, client_for):
    import datetime

    campaign = open_campaign(org, closes_on=datetime.date(2020, 1, 1))
    sheet = sheet_of(campaign, member=org.member_a)
    secretary = client_for("secretary_a")
    page = secretary.get(sheet_url(sheet))
    assert page.status_code == 200 and f'name="c{campaign.criteria.first().pk}"' not in page.text
    assert (
        secretary.post(sheet_url(sheet), sheet_post(campaign, sheet, ["1", "1", "1"])).status_code
        == 403
    )
    assert (
        client_for("organiser")
        .post(sheet_url(sheet), sheet_post(campaign, sheet, ["1", "1", "1"]))
        .status_code
        == 302
    )


def test_sheet_page_lists_who_changed_which_score(campaign, org, client_for):
    client = client_for("secretary_a")
    sheet = sheet_of(campaign, member=org.member_a)
    client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["5", "5", "5"]))
    sheet.refresh_from_db()
    client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["7", "5", "5"]))
    page = client.get(sheet_url(sheet)).text
    section = page.split("Changes to the scores")[1]
    assert section.count("secretary_a") == 4  # three first entries and one change


# --- the grid shows what was written, at once ---------------------------------------------------
def grid_cell(html: str, sheet, criterion) -> str | None:
    """The value in a grid cell's input, or None when the cell is not an input."""
    found = re.search(rf'name="s{sheet.pk}-c{criterion.pk}"\s+value="([^"]*)"', html)
    return found.group(1) if found else None


def grid_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def organiser_scores(org, sheet, criteria, points: str) -> None:
    """The organiser scores every criterion of `sheet` on its own page (the services)."""
    services.sheet_save(
        sheet=sheet,
        access=access_for(org.organiser.user),
        by=org.organiser.user,
        version=sheet.version,
        lines={c.pk: services.Line(points=points) for c in criteria},
    )


def test_points_saved_from_the_grid_show_at_once(campaign, org, client_for):
    client = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    grid_page(client, url)
    sheet = sheet_of(campaign, member=org.member_a)
    criteria = list(campaign.criteria.order_by("order"))
    colleague = sheet_of(campaign, member=org.organiser)
    data = {f"v{sheet.pk}": sheet.version, f"v{colleague.pk}": colleague.version}
    for criterion in criteria:
        data[f"s{sheet.pk}-c{criterion.pk}"] = "7"
        data[f"s{colleague.pk}-c{criterion.pk}"] = ""
    saved = client.post(url, data, follow=True)
    assert "1 sheet saved." in saved.text
    assert grid_cell(saved.text, sheet, criteria[0]) == "7"
    assert grid_cell(grid_page(client, url), sheet, criteria[0]) == "7"


def test_a_sheet_scored_submitted_or_returned_elsewhere_shows_on_the_grid(
    campaign, org, client_for
):
    secretary = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    sheet = sheet_of(campaign, member=org.member_a)
    criteria = list(campaign.criteria.order_by("order"))
    assert grid_cell(grid_page(secretary, url), sheet, criteria[1]) == ""
    organiser_scores(org, sheet, criteria, "3")
    assert grid_cell(grid_page(secretary, url), sheet, criteria[1]) == "3"
    Score.objects.filter(sheet=sheet, criterion=criteria[1]).update(points=4)  # a raw write
    assert grid_cell(grid_page(secretary, url), sheet, criteria[1]) == "4"
    organiser = access_for(org.organiser.user)
    sheet.refresh_from_db()
    services.sheet_submit(sheet=sheet, access=organiser, by=org.organiser.user)
    assert grid_cell(grid_page(secretary, url), sheet, criteria[0]) is None  # read-only now
    sheet.refresh_from_db()
    services.sheet_return(sheet=sheet, access=organiser, by=org.organiser.user, comment="重填")
    assert grid_cell(grid_page(secretary, url), sheet, criteria[0]) == "3"


def test_a_criterion_a_member_renamed_and_the_campaign_closed_show_at_once(
    campaign, org, client_for
):
    secretary = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    grid_page(secretary, url)
    Criterion.objects.create(campaign=campaign, name="新增指标", max_points=5, order=9)
    assert "新增指标" in grid_page(secretary, url)
    org.member_a.name = "改名党员"
    org.member_a.save()
    assert "改名党员" in grid_page(secretary, url)
    sheet = sheet_of(campaign, member=org.member_a)
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    page = grid_page(secretary, url)
    assert grid_cell(page, sheet, campaign.criteria.first()) is None
    assert 'name="_submit"' not in page


def test_the_scoring_window_closing_at_midnight_shows_next_day(org, client_for, monkeypatch):
    today = timezone.localdate()
    campaign = open_campaign(org, closes_on=today)
    secretary = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    sheet = sheet_of(campaign, member=org.member_a)
    criterion = campaign.criteria.first()
    assert grid_cell(grid_page(secretary, url), sheet, criterion) == ""
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert grid_cell(grid_page(secretary, url), sheet, criterion) is None


def test_each_person_and_branch_has_their_own_grid(campaign, org, client_for):
    secretary, organiser = client_for("secretary_a"), client_for("organiser")
    url = grid_url(campaign, org.branch_a)
    own = sheet_of(campaign, member=org.secretary_a)
    assert org.secretary_a.name not in grid_page(secretary, url)  # their own sheet is not theirs
    assert org.secretary_a.name in grid_page(organiser, url)
    assert secretary.get(grid_url(campaign, org.branch_b)).status_code == 404
    assert grid_cell(grid_page(organiser, url), own, campaign.criteria.first()) == ""
