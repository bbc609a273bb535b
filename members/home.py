"""The organisation's part of the home page: the person's branch and their open help
requests as cards, and entries for the one to-do card (see partyportal.views.home):
probationary members due for full membership, and help requests waiting, flagged when
untouched for three days.

Each figure is one indexed query, read on every visit: the probationary members due through
their partial index (member_probationary_due), the help requests through
(unit, status, created_at) and (author, created_at)."""

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
    figures = _figures(access)
    if access.is_officer:
        result.append({"todo": [_overdue_entry(*figures["overdue"])]})
    result.extend(_help_panels(access, figures))
    return result


def _figures(access: Access) -> dict:
    """What the cards and to-do entries count: four queries at most."""
    figures: dict = {}
    if access.is_officer:
        overdue = access.members().overdue_probationary(timezone.localdate())
        named = list(overdue.select_related("unit").order_by("probationary_on")[:OVERDUE_NAMED])
        count = len(named) if len(named) < OVERDUE_NAMED else overdue.count()
        figures["overdue"] = (
            [(m.pk, m.name, m.unit.label, m.full_membership_due_on) for m in named],
            count,
        )
    if access.handles_help:
        figures["handled"] = help_counts(access.handled_help_requests())
    if access.is_member:
        figures["mine"] = help_counts(HelpRequest.objects.filter(author=access.member))
    return figures


def _overdue_entry(named: list[tuple], count: int) -> dict:
    return {
        "label": _("Probationary members due for full membership"),
        "count": count,
        "url": reverse("admin:members_member_changelist") + "?stage__exact=probationary",
        "order": 40,
        "details": [
            {
                "label": name,
                "url": reverse("members:member", args=[pk]),
                "note": _("%(unit)s · due %(date)s")
                % {"unit": unit, "date": date_format(due, "SHORT_DATE_FORMAT")},
            }
            for pk, name, unit, due in named
        ],
    }


def _help_panels(access: Access, figures: dict) -> list[dict]:
    """Help requests (连心桥): the handler's waiting requests as to-do entries, and a
    member's own open requests as a card. One aggregate query each."""
    result: list[dict] = []
    if access.handles_help:
        counts = figures["handled"]
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
        mine = figures["mine"]
        result.append(
            {"template": "members/help_home_mine.html", "open": mine["new"] + mine["taken"]}
        )
    return result
