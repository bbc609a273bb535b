"""Organisers run campaigns in the admin: criteria while a draft, the state actions, a banner
awarded by hand during review, a correction after publication (organiser + reason)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from campaigns.models import Campaign, Correction, Criterion, Result, ScoreSheet

from .conftest import make_campaign, open_campaign, score_all


def action(client, campaign, name):
    return client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": name, "_selected_action": [campaign.pk]},
        follow=True,
    )


def test_organiser_creates_a_campaign_and_copies_criteria(org, client_for):
    make_campaign(org, quarter=3)
    client = client_for("organiser")
    response = client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "scope": org.committee.pk,
            "year": 2026,
            "quarter": 4,
            "kind": "members",
            "title": "",
            "banners": 1,
            "award_rule": "per_branch",
            "criteria-TOTAL_FORMS": 0,
            "criteria-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content
    campaign = Campaign.objects.get(year=2026, quarter=4)
    assert campaign.title == "2026年第四季度党员流动红旗评比"
    assert campaign.history.first().history_user == org.organiser.user
    action(client, campaign, "copy_criteria_action")
    assert campaign.criteria.count() == 3
    page = action(client, campaign, "open_action")
    assert "1 campaign(s) opened for scoring." in page.text
    assert ScoreSheet.objects.filter(campaign=campaign).count() == 4


def test_scope_choices_are_the_organisers_committees(org, client_for):
    page = client_for("organiser").get(reverse("admin:campaigns_campaign_add")).text
    assert org.committee.name in page
    assert org.other_committee.name not in page
    assert org.branch_a.name not in page.split('name="scope"')[1].split("</select>")[0]


def test_criteria_are_frozen_once_open(org, client_for):
    campaign = open_campaign(org)
    page = client_for("organiser").get(
        reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    )
    assert 'name="criteria-0-max_points"' not in page.text
    assert Criterion.objects.filter(campaign=campaign).count() == 3


def test_close_award_publish_and_correct_in_the_admin(org, client_for):
    campaign = open_campaign(org)
    score_all(campaign, org, {org.member_a: [10, 20, 10], org.member_b: [5, 5, 5]})
    client = client_for("organiser")
    action(client, campaign, "publish_action")  # refused: still scoring
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCORING
    action(client, campaign, "close_action")
    result = Result.objects.get(campaign=campaign, member=org.member_b)
    award = reverse("admin:campaigns_result_award", args=[result.pk])
    refused = client.post(award, {"holder": "1", "reason": ""})
    assert refused.status_code == 200 and not Result.objects.get(pk=result.pk).is_banner_holder
    client.post(award, {"holder": "1", "reason": "防汛抢险表现突出"})
    assert Result.objects.get(pk=result.pk).manual_award
    page = action(client, campaign, "publish_action")
    assert "1 campaign(s) published." in page.text
    campaign.refresh_from_db()
    assert (
        campaign.status == Campaign.Status.PUBLISHED and campaign.published_by == org.organiser.user
    )

    correct = reverse("admin:campaigns_result_correct", args=[result.pk])
    criterion = campaign.criteria.get(order=0)
    no_reason = client.post(correct, {"criterion": criterion.pk, "points": "8", "reason": ""})
    assert no_reason.status_code == 200 and not Correction.objects.exists()
    too_much = client.post(correct, {"criterion": criterion.pk, "points": "11", "reason": "x"})
    assert "政治学习: at most 10 points" in too_much.text and not Correction.objects.exists()
    assert client_for("secretary_a").get(correct).status_code == 404  # not in their scope
    client.post(correct, {"criterion": criterion.pk, "points": "8", "reason": "复核加分"})
    result.refresh_from_db()
    assert result.total == Decimal("18.0")
    assert Correction.objects.get().by == org.organiser.user


def test_result_pages_of_other_committees_are_404(org, client_for):
    other_org = type("OtherOrg", (), {**org.__dict__, "committee": org.other_committee})()
    campaign = open_campaign(other_org)
    from campaigns import services

    services.campaign_close(campaign=campaign, by=org.superuser)
    result = Result.objects.get(campaign=campaign)
    client = client_for("organiser")
    assert client.get(reverse("admin:campaigns_result_change", args=[result.pk])).status_code == 404
    assert client.get(reverse("admin:campaigns_result_award", args=[result.pk])).status_code == 404
    assert (
        client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).status_code
        == 404
    )
