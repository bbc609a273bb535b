"""The admin's score grid kept whole per person (members.admin_pages under
campaigns.caching.scoring_token): a second visit reads no sheet, and every write that changes
what the grid shows shows on the next visit: points saved from the grid, a sheet or the
services, a sheet submitted or returned, a criterion added, the campaign closed, a member
renamed, the scoring window closing at midnight."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Criterion, Score
from members import counts, person_cache
from members.scoping import access_for

from .conftest import open_campaign, sheet_of

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def grid_url(campaign, unit) -> str:
    return reverse("admin:campaigns_scoresheet_grid", args=[campaign.pk, unit.pk])


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def cell(html: str, sheet, criterion) -> str | None:
    """The value in a grid cell's input, or None when the cell is not an input."""
    found = re.search(rf'name="s{sheet.pk}-c{criterion.pk}"\s+value="([^"]*)"', html)
    return found.group(1) if found else None


@pytest.fixture
def member_a_grid(campaign, org, client_for):
    """(the secretary's client, their branch's grid, member A's sheet, the criteria)."""
    return (
        client_for("secretary_a"),
        grid_url(campaign, org.branch_a),
        sheet_of(campaign, member=org.member_a),
        list(campaign.criteria.order_by("order")),
    )


def organiser_scores(org, sheet, criteria, points: str) -> None:
    """The organiser scores every criterion of `sheet` on its own page (the services)."""
    services.sheet_save(
        sheet=sheet,
        access=access_for(org.organiser.user),
        by=org.organiser.user,
        version=sheet.version,
        lines={c.pk: services.Line(points=points) for c in criteria},
    )


def test_a_second_visit_reads_no_sheet_and_keeps_the_token_per_request(campaign, org, client_for):
    client = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    first = get(client, url)
    with CaptureQueriesContext(connection) as captured:
        second = get(client, url)
    assert not any("campaigns_" in q["sql"] for q in captured)
    assert person_cache.CSRF_SLOT not in second and 'name="csrfmiddlewaretoken"' in second
    assert org.member_a.name in second and first.count("<tr") == second.count("<tr")


def test_points_saved_from_the_grid_show_at_once(campaign, org, client_for):
    client = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    get(client, url)
    sheet = sheet_of(campaign, member=org.member_a)
    criteria = list(campaign.criteria.order_by("order"))
    colleague = sheet_of(campaign, member=org.organiser)
    data = {f"v{sheet.pk}": sheet.version, f"v{colleague.pk}": colleague.version}
    for criterion in criteria:
        data[f"s{sheet.pk}-c{criterion.pk}"] = "7"
        data[f"s{colleague.pk}-c{criterion.pk}"] = ""
    saved = client.post(url, data, follow=True)
    assert "1 sheet saved." in saved.text
    assert cell(saved.text, sheet, criteria[0]) == "7"
    assert cell(get(client, url), sheet, criteria[0]) == "7"


def test_a_sheet_scored_elsewhere_shows_on_the_kept_grid(org, member_a_grid):
    secretary, url, sheet, criteria = member_a_grid
    assert cell(get(secretary, url), sheet, criteria[1]) == ""
    organiser_scores(org, sheet, criteria, "3")
    assert cell(get(secretary, url), sheet, criteria[1]) == "3"
    # A score written on its own, as the admin's history revert would.
    score = Score.objects.get(sheet=sheet, criterion=criteria[1])
    Score.objects.filter(pk=score.pk).update(points=4)
    fresh = Score.objects.get(pk=score.pk)  # no sheet in its cache: found by a query
    fresh.save()
    assert cell(get(secretary, url), sheet, criteria[1]) == "4"


def test_submitted_and_returned_sheets_change_the_kept_grid(org, member_a_grid):
    secretary, url, sheet, criteria = member_a_grid
    organiser = access_for(org.organiser.user)
    organiser_scores(org, sheet, criteria, "2")
    assert cell(get(secretary, url), sheet, criteria[0]) == "2"
    sheet.refresh_from_db()
    services.sheet_submit(sheet=sheet, access=organiser, by=org.organiser.user)
    assert cell(get(secretary, url), sheet, criteria[0]) is None  # read-only once submitted
    sheet.refresh_from_db()
    services.sheet_return(sheet=sheet, access=organiser, by=org.organiser.user, comment="重填")
    assert cell(get(secretary, url), sheet, criteria[0]) == "2"


def test_a_criterion_a_member_renamed_and_the_campaign_closed_show_at_once(
    campaign, org, client_for
):
    secretary = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    get(secretary, url)
    Criterion.objects.create(campaign=campaign, name="新增指标", max_points=5, order=9)
    assert "新增指标" in get(secretary, url)
    org.member_a.name = "改名党员"
    org.member_a.save()
    assert "改名党员" in get(secretary, url)
    counts.invalidate()  # a bulk write (seeding) tells the member figures' token
    assert "改名党员" in get(secretary, url)
    sheet = sheet_of(campaign, member=org.member_a)
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    page = get(secretary, url)
    assert cell(page, sheet, campaign.criteria.first()) is None
    assert 'name="_submit"' not in page


def test_the_scoring_window_closing_at_midnight_shows_next_day(org, client_for, monkeypatch):
    today = timezone.localdate()
    campaign = open_campaign(org, closes_on=today)
    secretary = client_for("secretary_a")
    url = grid_url(campaign, org.branch_a)
    sheet = sheet_of(campaign, member=org.member_a)
    criterion = campaign.criteria.first()
    assert cell(get(secretary, url), sheet, criterion) == ""
    assert cell(get(secretary, url), sheet, criterion) == ""
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert cell(get(secretary, url), sheet, criterion) is None


def test_each_person_and_branch_has_their_own_grid(campaign, org, client_for):
    secretary, organiser = client_for("secretary_a"), client_for("organiser")
    url = grid_url(campaign, org.branch_a)
    own = sheet_of(campaign, member=org.secretary_a)
    get(secretary, url)
    assert org.secretary_a.name not in get(secretary, url)  # their own sheet is not theirs
    assert org.secretary_a.name in get(organiser, url)
    assert secretary.get(grid_url(campaign, org.branch_b)).status_code == 404
    assert cell(get(organiser, url), own, campaign.criteria.first()) == ""
