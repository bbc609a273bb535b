"""The appraisals on the home page and on the organisation's pages.

`panels` gives the home page the latest banner holders, recent model stories and, for a
scorer, the campaigns waiting for their scores. `member_section` and `unit_section` are
registered in members.hooks (see CampaignsConfig.ready) and show a member's or a branch's
banners and stories on their pages.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.scoping import Access

from . import permissions
from .models import Banner, Campaign, Story, StoryLike

HOME_STORIES = 3
TODO_CAMPAIGNS = 5  # named one by one on the to-do card up to this many


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    latest, stories = _latest_and_stories(access)
    panel: dict = {"todo": _todo(access)}
    if latest or stories:
        # The scorer's campaigns are on the home page's to-do card, not in this card.
        panel.update(template="campaigns/_home.html", latest=latest, stories=stories, to_score=[])
    return [panel]


def _latest_and_stories(access: Access) -> tuple[list[Campaign], list[Story]]:
    """The latest published campaign of each kind with its banner holders (from the kept
    banners), and the newest stories with their likes: five queries."""
    holders = Prefetch(
        "holders",
        queryset=Banner.objects.order_by("rank", "subject_name", "id").only(
            "campaign_id", "subject_name"
        ),
        to_attr="holder_list",
    )
    latest = []
    for kind in Campaign.Kind.values:
        campaign = (
            Campaign.objects.visible_to(access)
            .published()
            .filter(kind=kind)
            .only("pk", "title", "kind", "year", "quarter")
            .order_by("-year", "-quarter")
            .prefetch_related(holders)
            .first()
        )
        if campaign is not None:
            latest.append(campaign)
    stories = list(
        Story.objects.published()
        .select_related("member")
        .only("pk", "title", "member__name")  # the card shows titles and names
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
    """Sheets and sheets submitted per campaign open for scoring, in this person's units,
    from the kept progress: two queries over a row per campaign (or per branch of theirs),
    whatever the number of sheets. The figures are the campaign's own in those units (the
    admin's list shows the same), see ScoreSheetQuerySet.progress."""
    rows: dict[int, dict] = {}
    for progress in permissions.progress_for(access):
        for row in (
            progress.filter(campaign__status=Campaign.Status.SCORING)
            .values("campaign_id", "campaign__title", "campaign__kind")
            .annotate(total=Sum("sheets"), done=Sum("submitted"))
            .order_by("campaign_id")
        ):
            kept = rows.setdefault(row["campaign_id"], {**row, "total": 0, "done": 0})
            kept["total"] += row["total"]
            kept["done"] += row["done"]
    return [rows[pk] for pk in sorted(rows)]


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


def _banners(**filters) -> list[dict]:
    """Banners held (published campaigns only), the latest quarter first and, within a
    quarter, the longest streak first; from the kept banners, never the results."""
    return list(
        Banner.objects.filter(**filters)
        .order_by("-campaign__year", "-campaign__quarter", "-streak", "campaign_id")
        .values("campaign_id", "campaign__title", "streak")
    )


def member_section(request, access: Access, member) -> dict | None:
    """A member's banners and published stories, on their profile."""
    banners = _banners(member=member)
    stories = list(
        Story.objects.published()
        .filter(member=member)
        .only("pk", "title", "category")
        .order_by("-published_at")
    )
    if not (banners or stories):
        return None
    return {
        "template": "campaigns/_banner_history.html",
        "banners": banners,
        "streak": banners[0]["streak"] if banners else 0,
        "stories": stories,
    }


def unit_section(request, access: Access, unit) -> dict | None:
    """A branch's own banners (流动红旗党支部), on the unit's page."""
    banners = _banners(member__isnull=True, unit=unit)
    if not banners:
        return None
    return {
        "template": "campaigns/_banner_history.html",
        "banners": banners,
        "streak": banners[0]["streak"],
        "stories": [],
    }
