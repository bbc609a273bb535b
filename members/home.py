"""The organisation's part of the home page: the person's branch and their open help
requests as cards, and entries for the one to-do card (see partyportal.views.home):
probationary members due for full membership, and help requests waiting, flagged when
untouched for three days."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .help import help_counts
from .models import HelpRequest
from .scoping import Access

OVERDUE_NAMED = 5  # the to-do names the first few; the count says how many there are


def panels(request, access: Access) -> list[dict]:
    result: list[dict] = []
    if access.member is not None:
        result.append({"template": "members/_home_unit.html", "unit": access.member.unit})
    if access.is_officer:
        result.append({"todo": [_overdue_entry(access)]})
    result.extend(_help_panels(access))
    return result


def _overdue_entry(access: Access) -> dict:
    overdue = access.members().overdue_probationary(timezone.localdate())
    named = list(overdue.select_related("unit").order_by("probationary_on")[:OVERDUE_NAMED])
    count = len(named) if len(named) < OVERDUE_NAMED else overdue.count()
    return {
        "label": _("Probationary members due for full membership"),
        "count": count,
        "url": reverse("admin:members_member_changelist") + "?stage__exact=probationary",
        "order": 40,
        "details": [
            {
                "label": member.name,
                "url": reverse("members:member", args=[member.pk]),
                "note": _("%(unit)s · due %(date)s")
                % {
                    "unit": member.unit.label,
                    "date": date_format(member.full_membership_due_on, "SHORT_DATE_FORMAT"),
                },
            }
            for member in named
        ],
    }


def _help_panels(access: Access) -> list[dict]:
    """Help requests (连心桥): the handler's waiting requests as to-do entries, and a
    member's own open requests as a card. One aggregate query each."""
    result: list[dict] = []
    if access.handles_help:
        counts = help_counts(access.handled_help_requests())
        queue = reverse("members:help_queue")
        result.append(
            {
                "todo": [
                    {
                        "label": _("Help requests untouched for 3 days"),
                        "count": counts["untouched"],
                        "url": f"{queue}?status=untouched",
                        "urgent": True,
                    },
                    {
                        "label": _("Help requests waiting"),
                        "count": counts["new"] + counts["taken"],
                        "url": queue,
                        "note": _("%(new)s new, %(taken)s being handled")
                        % {"new": counts["new"], "taken": counts["taken"]},
                        "order": 35,
                    },
                ]
            }
        )
    if access.is_member:
        mine = help_counts(HelpRequest.objects.filter(author=access.member))
        result.append(
            {"template": "members/help_home_mine.html", "open": mine["new"] + mine["taken"]}
        )
    return result
