"""Campaign fixtures on top of the shared `org`: a members' campaign open for scoring and a
branches' campaign, both under `org.committee`, with three criteria each."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns import services
from campaigns.models import Campaign, Criterion, ScoreSheet
from members.scoping import access_for

CRITERIA = [("政治学习", 10), ("工作业绩", 20), ("作风纪律", 10)]


def make_campaign(org, *, kind=Campaign.Kind.MEMBERS, year=2026, quarter=4, **extra) -> Campaign:
    campaign = Campaign.objects.create(
        scope=org.committee, year=year, quarter=quarter, kind=kind, **extra
    )
    for order, (name, top) in enumerate(CRITERIA):
        Criterion.objects.create(campaign=campaign, name=name, max_points=Decimal(top), order=order)
    return campaign


def open_campaign(org, **kwargs) -> Campaign:
    campaign = make_campaign(org, **kwargs)
    services.campaign_open(campaign=campaign, by=org.organiser.user)
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def campaign(org) -> Campaign:
    return open_campaign(org)


@pytest.fixture
def branch_campaign(org) -> Campaign:
    return open_campaign(org, kind=Campaign.Kind.BRANCHES)


def sheet_of(campaign: Campaign, member=None, unit=None) -> ScoreSheet:
    if member is not None:
        return ScoreSheet.objects.get(campaign=campaign, member=member)
    return ScoreSheet.objects.get(campaign=campaign, unit=unit, member=None)


def score_all(campaign: Campaign, org, points: dict, *, persona="organiser", adjustments=None):
    """Enter points {subject: [p1, p2, p3]} as `persona` (the organiser by default)."""
    criteria = list(campaign.criteria.order_by("order"))
    for subject, values in points.items():
        # Nobody scores their own sheet: the organiser's is scored by their branch secretary.
        person = org.secretary_a if subject == getattr(org, persona) else getattr(org, persona)
        access = access_for(person.user)
        sheet = (
            sheet_of(campaign, member=subject)
            if campaign.for_members
            else sheet_of(campaign, unit=subject)
        )
        services.sheet_save(
            sheet=sheet,
            access=access,
            by=person.user,
            version=None,
            lines={
                c.pk: services.Line(points=str(v)) for c, v in zip(criteria, values, strict=True)
            },
            adjustments=(adjustments or {}).get(subject),
        )
