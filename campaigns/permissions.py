"""Who may open and who may change a score sheet, on top of `members.scoping`.

- An organiser opens every sheet of the units they organise (both kinds) and enters the
  committee's figure; a branch officer opens the sheets of their own branch only.
- Nobody opens their own sheet. The branch's own officers (a current managing post in the
  branch: secretary, deputy, organisation member) are scored by the committee only: their
  fellow officers see those sheets read-only.
- Branch officers score while the campaign is open for scoring, within its scoring window,
  and while their sheet is a draft or was returned; organisers also outside the window and
  during review; nobody once it is published.
- For the branches' kind the branch enters its own figure (`self_points`) and the committee
  confirms or corrects it (`points`, the figure that counts).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from members.models import Post, ancestor_paths
from members.scoping import Access

from .models import Campaign, ScoreSheet, SheetProgress

SELF = "self_points"
COMMITTEE = "points"


def sheets_for(access: Access) -> QuerySet[ScoreSheet]:
    """Sheets a person may open in the admin (everything else is a 404)."""
    sheets = ScoreSheet.objects.all()
    if access.is_superuser:
        return sheets
    if not access.managed_units_list:
        return sheets.none()
    q = Q()
    for unit in access.managed_units_list:
        q |= Q(unit__path__startswith=unit.path)
    sheets = sheets.filter(q)
    if access.member is not None:
        sheets = sheets.exclude(member=access.member)
    return sheets


def progress_for(access: Access) -> list[QuerySet[SheetProgress]]:
    """The scoring progress in the units a person manages (those whose sheets `sheets_for`
    opens, every sheet counted), as querysets whose rows add up: the campaign rows of the
    campaigns under those units (all their sheets are in them: one row each), and the branch
    rows, in those units, of the campaigns of a committee above."""
    progress = SheetProgress.objects.all()
    if access.is_superuser:
        return [progress.filter(unit=None)]
    if not access.managed_units_list:
        return []
    units = access.managed_units_list
    covered, inside = Q(), Q()
    for unit in units:
        covered |= Q(campaign__scope__path__startswith=unit.path)
        inside |= Q(unit__path__startswith=unit.path)
    # Committees above: a campaign has sheets only under its committee, so these are the
    # only others with sheets in the person's units (a few campaigns, found by their scope).
    above = {
        path
        for unit in units
        for path in ancestor_paths(unit.path)
        if not any(path.startswith(u.path) for u in units)
    }
    return [
        progress.filter(covered, unit=None),
        progress.filter(inside, campaign__scope__path__in=above),
    ]


def editable_field(access: Access, sheet: ScoreSheet) -> str | None:
    """The score field this person may write on `sheet` now, or None if they may not."""
    campaign = sheet.campaign
    if sheet.is_locked or campaign.status in (Campaign.Status.DRAFT, Campaign.Status.PUBLISHED):
        return None
    if access.member is not None and sheet.member_id == access.member.pk:
        return None
    if access.organises_unit(sheet.unit):
        return COMMITTEE
    if not access.manages_unit(sheet.unit):
        return None
    if sheet.member_id is not None and sheet.member_id in branch_secretary_ids(
        access, sheet.unit_id
    ):
        return None  # the committee scores the secretaries
    if campaign.status != Campaign.Status.SCORING:
        return None
    if not campaign.window_open(timezone.localdate()):
        return None
    if sheet.status not in (ScoreSheet.Status.DRAFT, ScoreSheet.Status.RETURNED):
        return None
    return SELF if campaign.kind == Campaign.Kind.BRANCHES else COMMITTEE


def branch_secretary_ids(access: Access, unit_id: int) -> set[int]:
    """The branch's current secretaries: the committee scores them (the issue's rule), so
    no officer of the branch may score the one who scores them. Other officers are scored
    by the secretary like any member (never their own sheet). One query per unit, kept on
    `access` (built per request) so a grid of any size costs the same."""
    cache = access.__dict__.setdefault("_campaign_branch_secretaries", {})
    if unit_id not in cache:
        cache[unit_id] = set(
            Post.objects.current()
            .filter(unit_id=unit_id, kind=Post.Kind.SECRETARY)
            .values_list("member_id", flat=True)
        )
    return cache[unit_id]


def can_return(access: Access, sheet: ScoreSheet) -> bool:
    return (
        sheet.status == ScoreSheet.Status.SUBMITTED
        and sheet.campaign.status in (Campaign.Status.SCORING, Campaign.Status.REVIEW)
        and access.organises_unit(sheet.unit)
    )


def can_run(access: Access, campaign: Campaign) -> bool:
    """Open, close, publish and correct a campaign: organisers of its committee."""
    return access.organises_unit(campaign.scope)
