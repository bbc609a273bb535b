"""Who may open and who may change a score sheet, on top of `members.scoping`.

- An organiser opens every sheet of the units they organise (both kinds) and enters the
  committee's figure; a branch officer opens the sheets of their own branch only.
- Nobody opens their own sheet: a secretary's sheet is scored by the committee.
- Branch officers score while the campaign is open for scoring, within its scoring window,
  and while their sheet is a draft or was returned; organisers also outside the window and
  during review; nobody once it is published.
- For the branches' kind the branch enters its own figure (`self_points`) and the committee
  confirms or corrects it (`points`, the figure that counts).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from members.scoping import Access

from .models import Campaign, ScoreSheet

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
    if campaign.status != Campaign.Status.SCORING:
        return None
    if not campaign.window_open(timezone.localdate()):
        return None
    if sheet.status not in (ScoreSheet.Status.DRAFT, ScoreSheet.Status.RETURNED):
        return None
    return SELF if campaign.kind == Campaign.Kind.BRANCHES else COMMITTEE


def can_return(access: Access, sheet: ScoreSheet) -> bool:
    return (
        sheet.status == ScoreSheet.Status.SUBMITTED
        and sheet.campaign.status in (Campaign.Status.SCORING, Campaign.Status.REVIEW)
        and access.organises_unit(sheet.unit)
    )


def can_run(access: Access, campaign: Campaign) -> bool:
    """Open, close, publish and correct a campaign: organisers of its committee."""
    return access.organises_unit(campaign.scope)
