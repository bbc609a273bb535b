"""A ranking of thousands of subjects is paged: 50 ranks a page, the chart keeps the top
ranks, "find my place/branch" jumps to the page that lists the viewer's row, and the print
page and the XLSX still list everyone."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from campaigns import services
from campaigns.models import Campaign, Result
from campaigns.results import CHART_ROWS, RESULTS_PER_PAGE

from .conftest import open_campaign, score_all
from .test_query_counts import campaign_with

SUBJECTS = 2 * RESULTS_PER_PAGE + 20  # members of branch A added to the org's own


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="result-(\d+)"', page)


def test_results_are_listed_fifty_ranks_a_page(org, client_for):
    campaign = campaign_with(org, SUBJECTS)
    client = client_for("member_b")
    url = reverse("campaigns:results", args=[campaign.pk])
    total = Result.objects.filter(campaign=campaign).count()
    first, last = client.get(url).text, client.get(url + "?page=3").text
    assert len(rows_of(first)) == RESULTS_PER_PAGE
    assert len(rows_of(last)) == total - 2 * RESULTS_PER_PAGE
    assert "Page 1 of 3" in first and 'rel="next"' in first
    ordered = list(
        Result.objects.filter(campaign=campaign)
        .order_by("rank", "subject_name", "pk")
        .values_list("pk", flat=True)
    )
    assert rows_of(last) == [str(pk) for pk in ordered[2 * RESULTS_PER_PAGE :]]


def test_chart_shows_the_top_ranks_on_every_page(org, client_for):
    campaign = campaign_with(org, SUBJECTS)
    client = client_for("member_b")
    url = reverse("campaigns:results", args=[campaign.pk])
    for page in (url, url + "?page=2"):
        assert len(re.findall(r"<rect ", client.get(page).text)) == CHART_ROWS


def test_a_page_past_the_end_shows_the_last_page(org, client_for):
    campaign = campaign_with(org, SUBJECTS)
    url = reverse("campaigns:results", args=[campaign.pk])
    page = client_for("member_b").get(url + "?page=99").text
    assert "Page 3 of 3" in page
    assert "Page 1 of 3" in client_for("member_b").get(url + "?page=x").text


def test_find_my_place_jumps_to_the_page_holding_my_row(org, client_for):
    campaign = campaign_with(org, SUBJECTS)
    mine = Result.objects.get(campaign=campaign, member=org.member_b)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    assert "Find my place" in client.get(url).text
    response = client.get(url + "?mine=1")
    assert response.status_code == 302
    target, anchor = response["Location"].split("#")
    assert anchor == f"result-{mine.pk}"
    assert f'id="result-{mine.pk}"' in client.get(target).text


def test_find_my_branch_in_a_branch_ranking(org, client_for):
    campaign = open_campaign(org, kind=Campaign.Kind.BRANCHES)
    score_all(campaign, org, {org.branch_a: [10, 20, 10], org.branch_b: [1, 1, 1]})
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    ours = Result.objects.get(campaign=campaign, unit=org.branch_b, member=None)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    assert "Find my branch" in client.get(url).text
    assert client.get(url + "?mine=1")["Location"] == f"{url}?page=1#result-{ours.pk}"


def test_staff_without_a_row_get_no_jump_and_a_message(org, client_for):
    campaign = campaign_with(org, 5)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("staff")
    assert "Find my" not in client.get(url).text
    response = client.get(url + "?mine=1", follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "not in this ranking" in response.text


def test_print_page_and_xlsx_list_every_subject(org, client_for):
    campaign = campaign_with(org, SUBJECTS)
    total = Result.objects.filter(campaign=campaign).count()
    client = client_for("member_b")
    printed = client.get(reverse("campaigns:print", args=[campaign.pk])).text
    assert len(rows_of(printed)) == total
    xlsx = client.get(reverse("campaigns:xlsx", args=[campaign.pk])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert len(list(sheet.iter_rows(min_row=3, values_only=True))) == total
