"""The organisation's part of the home page: the person's branch and their open help
requests as cards, and entries for the one to-do card (see partyportal.views.home):
probationary members due for full membership, and help requests waiting, flagged when
untouched for three days."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import person_cache
from .help import help_counts
from .models import HelpRequest, HelpRequestNote
from .scoping import Access

OVERDUE_NAMED = 5  # the to-do names the first few; the count says how many there are
# Replaced on every help request written (members.person_cache); member writes replace the
# member counts' token, which every cached card is stored under too.
HELP_VERSION_KEY = "members:help:version"
person_cache.register("members-home", HELP_VERSION_KEY)


def panels(request, access: Access) -> list[dict]:
    result: list[dict] = []
    if access.member is not None:
        result.append({"template": "members/_home_unit.html", "unit": access.member.unit})
    figures = person_cache.cached(
        "members-home", request.user, HELP_VERSION_KEY, lambda: _figures(access)
    )
    if access.is_officer:
        result.append({"todo": [_overdue_entry(*figures["overdue"])]})
    result.extend(_help_panels(access, figures))
    return result


def _figures(access: Access) -> dict:
    """What the cards and to-do entries count (three queries at most); kept per person by
    members.person_cache: any member or help request written replaces a token it is stored
    under, and the figures that age by themselves (due dates, untouched for three days)
    are at most its timeout old."""
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


@receiver(post_save, sender=HelpRequest, dispatch_uid="members.home.help_saved")
@receiver(post_delete, sender=HelpRequest, dispatch_uid="members.home.help_deleted")
@receiver(post_save, sender=HelpRequestNote, dispatch_uid="members.home.note_saved")
@receiver(post_delete, sender=HelpRequestNote, dispatch_uid="members.home.note_deleted")
def _help_changed(**kwargs) -> None:
    person_cache.replace_token(HELP_VERSION_KEY, using=kwargs.get("using"))
