"""The appraisals on the home page and on the organisation's pages.

`panels` gives the home page the latest banner holders, recent model stories and, for a
scorer, the campaigns waiting for their scores. `member_section` and `unit_section` are
registered in members.hooks (see CampaignsConfig.ready) and show a member's or a branch's
banners and stories on their pages.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members import person_cache
from members.scoping import Access

from . import permissions
from .models import Campaign, Result, ScoreSheet, Story, StoryLike
from .results import streaks

HOME_STORIES = 3
# Replaced on every write to what the card shows (campaigns, results, stories, likes).
VERSION_KEY = "campaigns:home:version"
person_cache.register("campaigns-home", VERSION_KEY)
TODO_CAMPAIGNS = 5  # named one by one on the to-do card up to this many
TO_SCORE_TIMEOUT = 60


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    latest, stories = person_cache.cached(
        "campaigns-home", request.user, VERSION_KEY, lambda: _latest_and_stories(access)
    )
    panel: dict = {"todo": _todo(access)}
    if latest or stories:
        # The scorer's campaigns are on the home page's to-do card, not in this card.
        panel.update(template="campaigns/_home.html", latest=latest, stories=stories, to_score=[])
    return [panel]


def _latest_and_stories(access: Access) -> tuple[list[Campaign], list[Story]]:
    """The latest published campaign of each kind with its banner holders, and the newest
    stories with their likes (six queries); kept per person by members.person_cache."""
    holders = Prefetch(
        "results",
        queryset=Result.objects.filter(is_banner_holder=True).order_by("rank", "subject_name"),
        to_attr="holder_list",
    )
    latest = []
    for kind in Campaign.Kind.values:
        campaign = (
            Campaign.objects.visible_to(access)
            .published()
            .filter(kind=kind)
            .order_by("-year", "-quarter")
            .prefetch_related(holders)
            .first()
        )
        if campaign is not None:
            latest.append(campaign)
    stories = list(
        Story.objects.published()
        .select_related("member")
        .defer("body")  # the card shows titles
        # A correlated count, not a join: the three latest are picked first and only their
        # likes are counted, instead of every story's before the limit.
        .annotate(
            like_count=Coalesce(
                Subquery(
                    StoryLike.objects.filter(story=OuterRef("pk"))
                    .order_by()
                    .values("story")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("-published_at", "-pk")[:HOME_STORIES]
    )
    return latest, stories


def _sheet_rows(access: Access) -> list[dict]:
    """Sheets to submit per campaign open for scoring, in this person's scope (one query).

    An organiser's scope may hold hundreds of campaigns and a hundred thousand sheets (the
    whole province: 100 ms to count), so their figures are kept in the cache for a minute,
    shared by the organisers of the same units; a branch officer's few sheets are counted
    live, so that a sheet they submit leaves their to-do at once."""
    query = (
        permissions.sheets_for(access)
        .filter(campaign__status=Campaign.Status.SCORING)
        .values("campaign_id", "campaign__title", "campaign__kind")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=ScoreSheet.Status.SUBMITTED)),
        )
        .order_by("campaign_id")
    )
    if not (access.is_organiser and person_cache.enabled()):
        return list(query)
    units = ",".join(str(unit.pk) for unit in access.managed_units_list) or "all"
    member = access.member.pk if access.member is not None else 0
    key = f"campaigns:home:to-score:{units}:{member}:{int(access.is_superuser)}"
    rows = cache.get(key)
    if rows is None:
        rows = list(query)
        cache.set(key, rows, TO_SCORE_TIMEOUT)
    return rows


def _score_details(rows: list[dict], changelist: str) -> list[dict]:
    """One line per open campaign while they are few; past that (a province has hundreds)
    one line per kind of campaign, the admin list giving the rest."""
    waiting = [row for row in rows if row["total"] > row["done"]]
    if len(waiting) <= TODO_CAMPAIGNS:
        return [
            {
                "label": row["campaign__title"],
                "url": f"{changelist}?campaign={row['campaign_id']}",
                "note": _("%(done)s of %(total)s sheets submitted")
                % {"done": row["done"], "total": row["total"]},
            }
            for row in waiting
        ]
    kinds: dict[str, dict] = {}
    for row in waiting:
        summary = kinds.setdefault(row["campaign__kind"], {"campaigns": 0, "done": 0, "total": 0})
        summary["campaigns"] += 1
        summary["done"] += row["done"]
        summary["total"] += row["total"]
    return [
        {
            "label": Campaign.Kind(kind).label,
            "url": changelist,
            "note": ngettext(
                "%(campaigns)s campaign: %(done)s of %(total)s sheets submitted",
                "%(campaigns)s campaigns: %(done)s of %(total)s sheets submitted",
                summary["campaigns"],
            )
            % summary,
        }
        for kind, summary in sorted(kinds.items())
    ]


def _todo(access: Access) -> list[dict]:
    """The to-do entries of a scorer and an organiser (see partyportal.views.home): sheets
    still to submit in campaigns open for scoring, and nominations waiting for review.
    Two aggregate queries, whatever the number of sheets and stories."""
    if not access.is_officer:
        return []
    entries = []
    to_score = _sheet_rows(access)
    waiting = sum(row["total"] - row["done"] for row in to_score)
    if to_score:
        changelist = reverse("admin:campaigns_scoresheet_changelist")
        entries.append(
            {
                "label": _("Appraisal to score"),
                "count": waiting,
                "url": changelist,
                "note": _("sheets not yet submitted"),
                "order": 10,
                "details": _score_details(to_score, changelist),
            }
        )
    if access.is_organiser:
        nominations = (
            Story.objects.filter(status=Story.Status.NOMINATED)
            .filter(member__unit__in=access.organised_units())
            .count()
        )
        entries.append(
            {
                "label": _("Nominations to review"),
                "count": nominations,
                "url": reverse("admin:campaigns_story_changelist")
                + f"?status__exact={Story.Status.NOMINATED}",
                "note": _("model stories waiting for approval"),
                "order": 30,
            }
        )
    return entries


def _streak(banners: list[Result]) -> int:
    """Quarters in a row up to the latest banner."""
    if not banners:
        return 0
    holdings = [
        (r.campaign.order_key, (r.campaign.scope_id, r.campaign.kind), "s", True) for r in banners
    ]
    counted = streaks(holdings)
    latest = max(banners, key=lambda r: r.campaign.order_key)
    return counted[
        (latest.campaign.order_key, ((latest.campaign.scope_id, latest.campaign.kind), "s"))
    ]


def _published_banners(**filters) -> list[Result]:
    return list(
        Result.objects.filter(
            is_banner_holder=True, campaign__status=Campaign.Status.PUBLISHED, **filters
        )
        .select_related("campaign")
        .order_by("-campaign__year", "-campaign__quarter")
    )


def member_section(request, access: Access, member) -> dict | None:
    """A member's banners and published stories, on their profile."""
    banners = _published_banners(member=member)
    stories = list(Story.objects.published().filter(member=member).order_by("-published_at"))
    if not (banners or stories):
        return None
    return {
        "template": "campaigns/_banner_history.html",
        "banners": banners,
        "streak": _streak(banners),
        "stories": stories,
    }


def unit_section(request, access: Access, unit) -> dict | None:
    """A branch's own banners (流动红旗党支部), on the unit's page."""
    banners = _published_banners(member__isnull=True, unit=unit)
    if not banners:
        return None
    return {
        "template": "campaigns/_banner_history.html",
        "banners": banners,
        "streak": _streak(banners),
        "stories": [],
    }


@receiver(post_save, sender=Campaign, dispatch_uid="campaigns.home.campaign_saved")
@receiver(post_delete, sender=Campaign, dispatch_uid="campaigns.home.campaign_deleted")
@receiver(post_save, sender=Result, dispatch_uid="campaigns.home.result_saved")
@receiver(post_delete, sender=Result, dispatch_uid="campaigns.home.result_deleted")
@receiver(post_save, sender=Story, dispatch_uid="campaigns.home.story_saved")
@receiver(post_delete, sender=Story, dispatch_uid="campaigns.home.story_deleted")
@receiver(post_save, sender=StoryLike, dispatch_uid="campaigns.home.like_saved")
@receiver(post_delete, sender=StoryLike, dispatch_uid="campaigns.home.like_deleted")
def _card_changed(**kwargs) -> None:
    person_cache.replace_token(VERSION_KEY, using=kwargs.get("using"))
