"""The appraisal pages by persona, the results page (table, chart, corrections), XLSX and
print, the banner wall with streaks, and the profile and unit sections."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import services
from campaigns.models import Campaign, Result
from members.scoping import access_for

from .conftest import make_campaign, open_campaign, score_all


def publish(campaign, org):
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def published(org):
    campaign = open_campaign(org, quarter=3)
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
    return publish(campaign, org)


@pytest.fixture
def scoring(org):
    return open_campaign(org, quarter=4)


ALL = ("anonymous", "staff", "member_a", "member_b", "secretary_a", "organiser", "superuser")


@pytest.mark.parametrize("persona", ALL)
@pytest.mark.parametrize("name", ["list", "wall", "stories", "nominate"])
def test_index_pages_need_a_login(client_for, persona, name, org):
    response = client_for(persona).get(reverse(f"campaigns:{name}"))
    assert response.status_code == (302 if persona == "anonymous" else 200)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("anonymous", 302),
        ("staff", 200),
        ("member_a", 200),
        ("member_b", 200),
        ("secretary_a", 200),
        ("organiser", 200),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("name", ["results", "print", "xlsx"])
def test_published_results_by_persona(client_for, published, persona, status, name):
    response = client_for(persona).get(reverse(f"campaigns:{name}", args=[published.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    "persona, status",
    [("member_a", 404), ("secretary_a", 404), ("organiser", 404), ("superuser", 404)],
)
def test_no_results_while_scoring(client_for, scoring, persona, status):
    response = client_for(persona).get(reverse("campaigns:results", args=[scoring.pk]))
    assert response.status_code == status


def test_review_results_are_an_organisers_preview(client_for, scoring, org):
    services.campaign_close(campaign=scoring, by=org.organiser.user)
    url = reverse("campaigns:results", args=[scoring.pk])
    assert client_for("member_a").get(url).status_code == 404
    assert client_for("secretary_a").get(url).status_code == 404
    page = client_for("organiser").get(url)
    assert page.status_code == 200 and "not published yet" in page.text


def test_other_committees_results_are_404_for_its_outsiders(client_for, org):
    other_org = type("OtherOrg", (), {**org.__dict__, "committee": org.other_committee})()
    campaign = publish(open_campaign(other_org), org)
    url = reverse("campaigns:results", args=[campaign.pk])
    for persona in ("member_a", "secretary_a", "organiser"):
        assert client_for(persona).get(url).status_code == 404
    assert client_for("superuser").get(url).status_code == 200


ADMIN_URLS = [
    (
        "admin:campaigns_campaign_changelist",
        {"staff": 302, "member_a": 302, "secretary_a": 403, "organiser": 200, "superuser": 200},
    ),
    (
        "admin:campaigns_scoresheet_changelist",
        {"staff": 302, "member_a": 302, "secretary_a": 200, "organiser": 200, "superuser": 200},
    ),
    (
        "admin:campaigns_result_changelist",
        {"staff": 302, "member_a": 302, "secretary_a": 403, "organiser": 200, "superuser": 200},
    ),
    (
        "admin:campaigns_story_changelist",
        {"staff": 302, "member_a": 302, "secretary_a": 403, "organiser": 200, "superuser": 200},
    ),
]


@pytest.mark.parametrize("persona", ["staff", "member_a", "secretary_a", "organiser", "superuser"])
@pytest.mark.parametrize("url_name, expected", ADMIN_URLS)
def test_admin_pages_by_persona(client_for, persona, url_name, expected, org):
    response = client_for(persona).get(reverse(url_name))
    if expected[persona] == 302:
        # Not an officer: the admin sends them away (its login refuses them).
        assert response.status_code in (302, 403)
    else:
        assert response.status_code == expected[persona]


def test_results_page_shows_ranks_chart_holders_and_rule(client_for, published, org):
    page = client_for("member_b").get(reverse("campaigns:results", args=[published.pk])).text
    assert 'role="img"' in page and "<title id=" in page
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', page)]
    assert len(widths) == 4 and widths == sorted(widths, reverse=True)
    assert "37.0" in page  # member_a's total, beside the bar and in the table
    assert "Red banner" in page
    assert "on equal totals, by the first criterion" in page
    assert "style=" not in page


def test_xlsx_totals_equal_the_page(client_for, published, org):
    client = client_for("member_a")
    page = client.get(reverse("campaigns:results", args=[published.pk])).text
    response = client.get(reverse("campaigns:xlsx", args=[published.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    from_xlsx = {row[1]: Decimal(str(row[-2])).quantize(Decimal("0.1")) for row in rows}
    from_db = {r.subject_name: r.total for r in Result.objects.filter(campaign=published)}
    assert from_xlsx == from_db
    for name, total in from_db.items():
        assert re.search(rf"{name}.*?<td class=\"num total\">{total}</td>", page, re.S)
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)


def test_print_page_is_laid_out_for_a4(client_for, published):
    page = client_for("member_a").get(reverse("campaigns:print", args=[published.pk])).text
    assert "print-page" in page and "results-table" in page


def test_correction_is_shown_on_the_results(client_for, published, org):
    result = Result.objects.get(campaign=published, member=org.organiser)
    services.correction_record(
        result=result,
        criterion=published.criteria.get(order=0),
        points="9",
        reason="漏记抢修加分",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    page = client_for("member_a").get(reverse("campaigns:results", args=[published.pk])).text
    assert "漏记抢修加分" in page and "6.0 → 9" in page.replace("6 → 9", "6.0 → 9")


def test_banner_wall_shows_holders_and_streaks(client_for, org):
    for quarter in (1, 2, 3):
        campaign = open_campaign(org, quarter=quarter)
        score_all(campaign, org, {org.member_a: [10, 20, 10], org.member_b: [1, 1, 1]})
        publish(campaign, org)
    page = client_for("member_b").get(reverse("campaigns:wall")).text
    assert page.count(org.member_a.name) == 3
    assert "3 quarters in a row" in page and "2 quarters in a row" in page
    # A colleague of the same branch sees the history on the member's profile.
    profile = client_for("secretary_a").get(reverse("members:member", args=[org.member_a.pk])).text
    assert "Red banners" in profile and "Latest streak: 3 quarters in a row" in profile


def test_unit_page_shows_branch_banners(client_for, org):
    campaign = open_campaign(org, kind=Campaign.Kind.BRANCHES)
    score_all(campaign, org, {org.branch_a: [10, 20, 10], org.branch_b: [1, 1, 1]})
    publish(campaign, org)
    page = client_for("member_a").get(reverse("members:unit", args=[org.branch_a.pk])).text
    assert "Red banners" in page and campaign.title in page


def test_home_panel_shows_latest_holders_and_work_to_score(client_for, published, scoring, org):
    page = client_for("member_a").get("/").text
    assert published.title in page
    officer = client_for("secretary_a").get("/").text
    assert "Appraisal to score" in officer and scoring.title in officer


def test_draft_campaigns_are_not_listed(client_for, org):
    draft = make_campaign(org, quarter=2)
    assert draft.title not in client_for("member_a").get(reverse("campaigns:list")).text
