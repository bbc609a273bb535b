"""Work on members that touches several records at once: transfers and leaving.

Each function is keyword-only, runs in one transaction and leaves a history entry through
django-simple-history (the acting user is recorded by its middleware, or passed as `by`).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Member, OrgUnit, Post, Transfer


@transaction.atomic
def member_transfer(
    *,
    member: Member,
    on: datetime.date,
    by,
    to_unit: OrgUnit | None = None,
    to_outside: str = "",
    note: str = "",
) -> Transfer:
    """Move a member's Party relationship to another branch, or out of the organisation.

    Moving out ends the member's posts and sets their status to transferred out; the record
    stays, so their history (study, appraisals) is kept.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    transfer = Transfer(
        member=member,
        from_unit=member.unit,
        to_unit=to_unit,
        to_outside=to_outside,
        transferred_on=on,
        note=note,
        created_by=by,
    )
    # `by` may be None (a command or an import): the recorder is optional, not a form field.
    transfer.full_clean(exclude=["created_by"])
    transfer.save()
    member._history_user = by
    if to_unit is not None:
        member.unit = to_unit
    else:
        member.status = Member.Status.TRANSFERRED_OUT
        member.status_changed_on = on
        member.status_note = to_outside
    member.save()
    _end_posts(member=member, on=on, by=by)
    return transfer


@transaction.atomic
def member_leave(*, member: Member, status: str, on: datetime.date, by, note: str = "") -> Member:
    """Record that a member left the roll (left the Party or died); the record is kept."""
    if status not in (Member.Status.LEFT, Member.Status.DECEASED):
        raise ValidationError(_("A member leaves the roll by leaving the Party or by death."))
    member = Member.objects.select_for_update().get(pk=member.pk)
    member.status = status
    member.status_changed_on = on
    member.status_note = note
    member._history_user = by
    member.full_clean()
    member.save()
    _end_posts(member=member, on=on, by=by)
    return member


def _end_posts(*, member: Member, on: datetime.date, by) -> None:
    for post in Post.objects.current(on).filter(member=member):
        post.end_on = on
        post._history_user = by
        post.save()
