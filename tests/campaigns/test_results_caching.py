"""Published results pages and the banner wall are rendered once and shared; whatever
changes what they show (recomputed results, a correction, a published story, a unit's
name, a new publication) gives them a new cache key, so nobody sees the old page."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import caching as campaigns_caching
from campaigns import services
from campaigns.models import Campaign, Result, Score, Story
from members.models import OrgUnit
from members.scoping import access_for

from ..conftest import PERSONAS
from .conftest import open_campaign, score_all
from .test_pages import publish


def published_campaign(org, quarter=3):
    campaign = open_campaign(org, quarter=quarter)
    score_all(campaign, org, {org.member_a: [10, 18, 9], org.member_b: [7, 15, 8]})
    return publish(campaign, org)


def get(client, url) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        text = client.get(url).text
    return text, [q["sql"] for q in queries]


def test_second_view_of_a_published_page_reads_no_scores(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    _, first_sql = get(client_for("member_a"), url)
    again, again_sql = get(client_for("member_b"), url)  # another viewer shares it
    assert any("campaigns_score" in sql for sql in first_sql)
    assert not any("campaigns_score" in sql or "campaigns_result" in sql for sql in again_sql)
    assert "37.0" in again  # member_a's total


def test_recomputed_results_replace_the_cached_page(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    assert "37.0" in client.get(url).text
    # A bulk update sends no signal: results_compute itself must expire the page.
    Score.objects.filter(sheet__member=org.member_a, sheet__campaign=campaign).update(
        points=Decimal("1")
    )
    services.results_compute(campaign=campaign, by=org.organiser.user)
    page = client.get(url).text
    assert "37.0" not in page and "3.0" in page


def test_correction_replaces_the_cached_page(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    assert "漏记抢修加分" not in client.get(url).text
    services.correction_record(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        criterion=campaign.criteria.get(order=0),
        points="9",
        reason="漏记抢修加分",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    assert "漏记抢修加分" in client.get(url).text


def test_xlsx_of_a_published_campaign_follows_a_correction(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:xlsx", args=[campaign.pk])
    client = client_for("member_b")

    def totals() -> dict:
        sheet = load_workbook(io.BytesIO(client.get(url).content)).active
        return {row[1]: row[-2] for row in sheet.iter_rows(min_row=3, values_only=True)}

    assert totals()[org.member_b.name] == 30.0
    services.correction_record(
        result=Result.objects.get(campaign=campaign, member=org.member_b),
        criterion=campaign.criteria.get(order=0),
        points="9",
        reason="漏记抢修加分",
        access=access_for(org.organiser.user),
        by=org.organiser.user,
    )
    assert totals()[org.member_b.name] == 32.0


def test_a_published_story_of_a_holder_appears_on_the_cached_page(org, client_for):
    campaign = published_campaign(org)
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


def test_a_renamed_branch_appears_on_the_cached_page(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    client.get(url)
    org.branch_a.name = "新改名第一党支部"
    org.branch_a.save()
    assert "新改名第一党支部" in client.get(url).text or org.branch_a.label in client.get(url).text


def test_cached_pages_are_kept_apart_by_language(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_b")
    english = client.get(url, headers={"accept-language": "en"}).text
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).text
    assert "Ranking" in english
    assert "Ranking" not in chinese.split("<main", 1)[-1]


def test_banner_wall_shows_a_new_publication_at_once(org, client_for):
    published_campaign(org, quarter=2)
    client = client_for("member_b")
    wall = reverse("campaigns:wall")
    assert "2026 Q3" not in client.get(wall).text
    published_campaign(org, quarter=3)
    assert "2026 Q3" in client.get(wall).text


def test_banner_wall_is_not_shared_across_committees(org, client_for):
    other_org = type("OtherOrg", (), {**org.__dict__, "committee": org.other_committee})()
    campaign = open_campaign(other_org, quarter=1)
    publish(campaign, org)
    wall = reverse("campaigns:wall")
    assert client_for("superuser").get(wall).text.count("2026 Q1") == 1
    assert "2026 Q1" not in client_for("member_a").get(wall).text


def test_the_wall_kept_per_person_follows_publications_and_transfers(org, client_for, settings):
    settings.PERSON_CACHE = True  # which campaigns a person sees is kept per person
    other_org = type("OtherOrg", (), {**org.__dict__, "committee": org.other_committee})()
    wall = reverse("campaigns:wall")
    client = client_for("member_b")
    assert "2026 Q1" not in client.get(wall).text
    publish(open_campaign(other_org, quarter=1), org)
    assert "2026 Q1" not in client.get(wall).text  # another committee's
    published_campaign(org, quarter=2)
    assert "2026 Q2" in client.get(wall).text
    org.member_b.unit = org.branch_c  # moved to the other committee
    org.member_b.save()
    page = client.get(wall).text
    assert "2026 Q1" in page and "2026 Q2" not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_python_visibility_check_agrees_with_the_queryset(org, persona):
    """Campaign.is_visible_to (asked of a cached campaign) and CampaignQuerySet.visible_to
    give the same answer for every persona, committee, branch and status, a unit below the
    secretary's branch included (kept by them, above nobody's)."""
    below = OrgUnit.objects.create(name="下属支部", kind=OrgUnit.Kind.BRANCH, parent=org.branch_a)
    campaigns = [
        Campaign.objects.create(
            scope=scope, year=2020 + year, quarter=1, kind=Campaign.Kind.MEMBERS, status=status
        )
        for year, status in enumerate(Campaign.Status.values)
        for scope in (org.committee, org.other_committee, org.branch_a, below)
    ]
    user = {
        "anonymous": AnonymousUser(),
        "staff": org.staff,
        "superuser": org.superuser,
    }.get(persona) or getattr(org, persona).user
    access = access_for(user)
    visible = set(Campaign.objects.visible_to(access).values_list("pk", flat=True))
    assert {c.pk for c in campaigns if c.is_visible_to(access)} == visible & {
        c.pk for c in campaigns
    }


def test_a_campaign_reopened_or_moved_out_of_scope_is_404_at_once(org, client_for):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    member = client_for("member_b")
    assert member.get(url).status_code == 200
    campaign.scope = org.other_committee
    campaign.save()
    assert member.get(url).status_code == 404
    campaign.scope = org.committee
    campaign.save()
    assert member.get(url).status_code == 200
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.REVIEW)
    campaigns_caching.results_changed(campaign.pk)  # what a bulk write must call
    assert member.get(url).status_code == 404
    assert member.get(reverse("campaigns:results", args=[987654])).status_code == 404


def test_a_results_page_asks_the_database_nothing_about_the_campaign_on_a_second_visit(
    org, client_for
):
    campaign = published_campaign(org)
    url = reverse("campaigns:results", args=[campaign.pk])
    client = client_for("member_a")
    client.get(url)
    _, sql = get(client, url)
    assert not any("campaigns_campaign" in q for q in sql)
