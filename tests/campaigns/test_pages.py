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
from campaigns.models import Campaign, Result, Score, Story
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


# --- pages show what was written, at once (nothing is cached) -------------------------------
def scored_and_published(org, quarter=3):
    campaign = open_campaign(org, quarter=quarter)
    score_all(campaign, org, {org.member_a: [10, 18, 9], org.member_b: [7, 15, 8]})
    return publish(campaign, org)


def other_committee(org):
    """`org` as seen from the neighbouring committee, for open_campaign()."""
    return type("OtherOrg", (), {**org.__dict__, "committee": org.other_committee})()


def test_recomputed_results_show_at_once(org, client_for):
    campaign = scored_and_published(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    assert "37.0" in client.get(url).text
    Score.objects.filter(sheet__member=org.member_a, sheet__campaign=campaign).update(
        points=Decimal("1")
    )
    services.results_compute(campaign=campaign, by=org.organiser.user)
    page = client.get(url).text
    assert "37.0" not in page and "3.0" in page


def test_a_correction_shows_on_the_page_the_xlsx_and_the_wall(org, client_for):
    campaign = scored_and_published(org)
    client = client_for("member_b")
    url = reverse("campaigns:results", args=[campaign.pk])
    xlsx = reverse("campaigns:xlsx", args=[campaign.pk])

    def totals() -> dict:
        sheet = load_workbook(io.BytesIO(client.get(xlsx).content)).active
        return {row[1]: row[-2] for row in sheet.iter_rows(min_row=3, values_only=True)}

    assert totals()[org.member_b.name] == 30.0
    assert "漏记抢修加分" not in client.get(url).text
    wall = client.get(reverse("campaigns:wall")).text
    assert org.member_a.name in wall and org.member_b.name not in wall
    services.correction_record(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        criterion=campaign.criteria.get(order=1),
        points="20",
        reason="漏记抢修加分",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    assert "漏记抢修加分" in client.get(url).text
    assert totals()[org.member_b.name] == 35.0
    services.correction_record(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        criterion=campaign.criteria.get(order=0),
        points="10",
        reason="复核",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    wall = client.get(reverse("campaigns:wall")).text  # member B now holds the banner
    assert org.member_b.name in wall and org.member_a.name not in wall


def test_a_published_story_of_a_holder_and_a_renamed_branch_show_at_once(org, client_for):
    campaign = scored_and_published(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    assert "抢修一线" not in client.get(url).text
    story = services.story_nominate(
        member=org.member_a, by=org.member_b.user, category="good_deed", title="抢修一线", body="…"
    )
    services.stories_set_status(
        stories=Story.objects.filter(pk=story.pk),
        status=Story.Status.PUBLISHED,
        by=org.organiser.user,
    )
    assert "抢修一线" in client.get(url).text
    org.branch_a.name = "新改名第一党支部"
    org.branch_a.save()
    assert "新改名第一党支部" in client.get(url).text
    assert "新改名第一党支部" in client.get(reverse("campaigns:wall")).text


def test_results_follow_the_readers_language(org, client_for):
    campaign = scored_and_published(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    english = client.get(url, headers={"accept-language": "en"}).text
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).text
    assert "Ranking" in english
    assert "Ranking" not in chinese.split("<main", 1)[-1]


def test_banner_wall_shows_a_new_publication_at_once(org, client_for):
    scored_and_published(org, quarter=2)
    client = client_for("member_b")
    wall = reverse("campaigns:wall")
    assert "2026 Q3" not in client.get(wall).text
    scored_and_published(org, quarter=3)
    assert "2026 Q3" in client.get(wall).text


def test_banner_wall_shows_the_committees_a_person_sees_and_follows_transfers(org, client_for):
    publish(open_campaign(other_committee(org), quarter=1), org)
    wall = reverse("campaigns:wall")
    assert client_for("superuser").get(wall).text.count("2026 Q1") == 1
    client = client_for("member_b")
    assert "2026 Q1" not in client.get(wall).text  # another committee's
    scored_and_published(org, quarter=2)
    assert "2026 Q2" in client.get(wall).text
    org.member_b.unit = org.branch_c  # moved to the other committee
    org.member_b.save()
    page = client.get(wall).text
    assert "2026 Q1" in page and "2026 Q2" not in page


def test_banner_wall_pages_through_many_campaigns(org, client_for):
    """A page of campaigns at a time, newest first; streaks count across pages."""
    for year in (2024, 2025):
        for quarter in (1, 2, 3, 4):
            campaign = open_campaign(org, year=year, quarter=quarter)
            score_all(campaign, org, {org.member_a: [10, 20, 10], org.member_b: [1, 1, 1]})
            publish(campaign, org)
    client = client_for("member_b")
    first = client.get(reverse("campaigns:wall")).text
    assert "2025 Q4" in first and "8 quarters in a row" in first
    assert "2024 Q1" in first and "Page 1 of" not in first  # twelve campaigns a page
    for quarter in (1, 2, 3, 4, 5):  # five more of the branches' kind, in 2023 and before
        campaign = open_campaign(
            org, kind=Campaign.Kind.BRANCHES, year=2023 - quarter // 5, quarter=quarter % 4 + 1
        )
        publish(campaign, org)
    first = client.get(reverse("campaigns:wall")).text
    assert "Page 1 of 2" in first
    second = client.get(reverse("campaigns:wall"), {"page": 2}).text
    assert "2022" in second and "2025 Q4" not in second


def test_a_campaign_moved_out_of_scope_or_unpublished_is_404_at_once(org, client_for):
    campaign = scored_and_published(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    member = client_for("member_b")
    assert member.get(url).status_code == 200
    Campaign.objects.filter(pk=campaign.pk).update(scope=org.other_committee)
    assert member.get(url).status_code == 404
    Campaign.objects.filter(pk=campaign.pk).update(scope=org.committee)
    assert member.get(url).status_code == 200
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.REVIEW)
    assert member.get(url).status_code == 404
    assert member.get(reverse("campaigns:results", args=[987654])).status_code == 404


def test_unit_page_and_profile_show_a_new_banner_and_story_at_once(org, client_for):
    client = client_for("organiser")
    unit_url = reverse("members:unit", args=[org.branch_a.pk])
    profile_url = reverse("members:member", args=[org.member_a.pk])
    assert "<h2>Red banners</h2>" not in client.get(unit_url).text
    assert "<h2>Red banners</h2>" not in client.get(profile_url).text
    campaign = open_campaign(org, kind=Campaign.Kind.BRANCHES)
    score_all(campaign, org, {org.branch_a: [10, 20, 10], org.branch_b: [1, 1, 1]})
    publish(campaign, org)
    assert "<h2>Red banners</h2>" in client.get(unit_url).text
    scored_and_published(org, quarter=2)
    assert "<h2>Red banners</h2>" in client.get(profile_url).text
    Story.objects.create(
        member=org.member_a,
        category=Story.Category.GOOD_DEED,
        title="深夜抢修",
        body="事迹",
        status=Story.Status.PUBLISHED,
    )
    assert "深夜抢修" in client.get(profile_url).text
