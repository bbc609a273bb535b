"""Pages whose query count must not grow with the number of subjects: the results page,
the XLSX export, the branch grid, the banner wall and the sheet changelist (each reads
scores, results and holders in a fixed number of queries, never one per row)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, Score, ScoreSheet
from members.models import Member

from .conftest import make_campaign


def campaign_with(org, n: int, *, quarter=4, publish=True) -> Campaign:
    """A members' campaign over `n` extra members of branch A, scored, via bulk_create."""
    Member.objects.bulk_create(
        Member(
            unit=org.branch_a,
            name=f"测试{quarter}-{i:04d}",
            gender=Member.Gender.MALE,
            stage=Member.Stage.FULL,
            full_on=datetime.date(2012, 7, 1),
        )
        for i in range(n)
    )
    campaign = make_campaign(org, quarter=quarter, banners=3)
    services.campaign_open(campaign=campaign, by=org.organiser.user)
    criteria = list(campaign.criteria.all())
    Score.objects.bulk_create(
        Score(sheet=sheet, criterion=c, points=Decimal((sheet.pk * 7 + c.pk) % 10))
        for sheet in campaign.sheets.all()
        for c in criteria
    )
    if publish:
        services.campaign_close(campaign=campaign, by=org.organiser.user)
        services.campaign_publish(campaign=campaign, by=org.organiser.user)
    return campaign


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_results_queries_flat(org, client_for):
    client = client_for("member_a")
    small = campaign_with(org, 10, quarter=2)
    large = campaign_with(org, 1000, quarter=3)
    for name in ("results", "xlsx", "print"):
        assert count(client, reverse(f"campaigns:{name}", args=[small.pk])) == count(
            client, reverse(f"campaigns:{name}", args=[large.pk])
        ), name


def test_grid_queries_flat(org, client_for):
    client = client_for("secretary_a")
    small = campaign_with(org, 10, quarter=2, publish=False)
    url_small = reverse("admin:campaigns_scoresheet_grid", args=[small.pk, org.branch_a.pk])
    few = count(client, url_small)
    large = campaign_with(org, 1000, quarter=3, publish=False)
    url_large = reverse("admin:campaigns_scoresheet_grid", args=[large.pk, org.branch_a.pk])
    assert count(client, url_large) == few


def test_banner_wall_and_changelist_queries_flat(org, client_for):
    client = client_for("organiser")
    campaign_with(org, 10, quarter=1)
    wall_few = count(client, reverse("campaigns:wall"))
    changelist = reverse("admin:campaigns_scoresheet_changelist")
    list_few = count(client, changelist)
    campaign_with(org, 1000, quarter=2)
    assert ScoreSheet.objects.count() > 1000
    assert count(client, reverse("campaigns:wall")) == wall_few
    assert count(client, changelist) == list_few


def test_campaign_lists_queries_flat(org, client_for):
    """The admin's campaign list reads each campaign's kept progress row, the site's list
    its kept banner count: neither counts sheets or results."""
    client = client_for("organiser")
    admin_list = reverse("admin:campaigns_campaign_changelist")
    site_list = reverse("campaigns:list")
    campaign_with(org, 10, quarter=1)
    campaign_with(org, 10, quarter=2, publish=False)
    few = count(client, admin_list), count(client, site_list)
    campaign_with(org, 1000, quarter=3)
    open_one = campaign_with(org, 1000, quarter=4, publish=False)
    assert (count(client, admin_list), count(client, site_list)) == few
    sheets = open_one.sheets.count()
    assert f"0 / {sheets}" in client.get(admin_list).text  # the one still being scored
