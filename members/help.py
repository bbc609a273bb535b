"""Help requests (连心桥): what members and handlers do with them, each an atomic service.

A member files a request; the liaison officers of their branch and the organisers in scope
(`members.scoping.Access.handled_help_requests`) take it, add notes (internal, or visible to
the member) and resolve it. Each service runs in one transaction, records who did it in the
history (django-simple-history) and sends `members.signals.help_request_updated`.

The services check the handler's right themselves, so a caller that forgot to scope its
queryset still cannot act on a request it may not see.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import HelpRequest, HelpRequestNote, Member
from .scoping import access_for
from .signals import help_request_updated


def _locked(help_request: HelpRequest) -> HelpRequest:
    return HelpRequest.objects.select_for_update().select_related("unit").get(pk=help_request.pk)


def _check_handler(help_request: HelpRequest, by) -> None:
    if not access_for(by).can_handle_help(help_request):
        raise PermissionDenied


def _clean_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


def _sent(help_request: HelpRequest, *, by, visible_to_author: bool, action: str) -> None:
    help_request_updated.send(
        sender=HelpRequest,
        help_request=help_request,
        by=by,
        visible_to_author=visible_to_author,
        action=action,
    )


@transaction.atomic
def help_request_create(*, author: Member, by, category: str, title: str, text: str) -> HelpRequest:
    """File a request for `author` (a member on the roll), addressed to their branch."""
    if not author.is_active:
        raise ValidationError(_("Only a member on the roll can ask for help here."))
    now = timezone.now()
    help_request = HelpRequest(
        author=author,
        unit_id=author.unit_id,
        category=category,
        title=(title or "").strip(),
        text=(text or "").strip(),
        created_at=now,
        last_activity_at=now,
    )
    help_request.full_clean()
    help_request._history_user = by
    help_request.save()
    _sent(help_request, by=by, visible_to_author=False, action="created")
    return help_request


@transaction.atomic
def help_request_take(*, help_request: HelpRequest, by) -> HelpRequest:
    """The handler takes the request (or takes it over from another handler)."""
    help_request = _locked(help_request)
    _check_handler(help_request, by)
    if help_request.status == HelpRequest.Status.RESOLVED:
        raise ValidationError(_("This request is resolved already."))
    if help_request.status == HelpRequest.Status.TAKEN and help_request.taken_by_id == by.pk:
        raise ValidationError(_("You are handling this request already."))
    now = timezone.now()
    help_request.status = HelpRequest.Status.TAKEN
    help_request.taken_by = by
    help_request.taken_at = now
    help_request.last_activity_at = now
    help_request._history_user = by
    help_request.save()
    _sent(help_request, by=by, visible_to_author=True, action="taken")
    return help_request


@transaction.atomic
def help_request_add_note(
    *, help_request: HelpRequest, by, text: str, visible_to_member: bool
) -> HelpRequestNote:
    help_request = _locked(help_request)
    _check_handler(help_request, by)
    text = _clean_text(text, _("Write the note."))
    now = timezone.now()
    note = HelpRequestNote(
        request=help_request,
        author=by,
        text=text,
        visible_to_member=bool(visible_to_member),
        created_at=now,
    )
    note._history_user = by
    note.save()
    help_request.last_activity_at = now
    help_request._history_user = by
    help_request.save(update_fields=["last_activity_at", "updated_at"])
    _sent(help_request, by=by, visible_to_author=note.visible_to_member, action="note")
    return note


@transaction.atomic
def help_request_resolve(*, help_request: HelpRequest, by, summary: str) -> HelpRequest:
    """Close the request with a summary of what was done; the member sees the summary."""
    help_request = _locked(help_request)
    _check_handler(help_request, by)
    if help_request.status == HelpRequest.Status.RESOLVED:
        raise ValidationError(_("This request is resolved already."))
    summary = _clean_text(summary, _("Say how the request was resolved."))
    now = timezone.now()
    help_request.status = HelpRequest.Status.RESOLVED
    help_request.resolution = summary
    help_request.resolved_by = by
    help_request.resolved_at = now
    help_request.last_activity_at = now
    help_request._history_user = by
    help_request.save()
    _sent(help_request, by=by, visible_to_author=True, action="resolved")
    return help_request


# --- reading ------------------------------------------------------------------------------------
def untouched_since(now: datetime.datetime | None = None) -> datetime.datetime:
    """Open requests whose last activity is at or before this moment are flagged."""
    return (now or timezone.now()) - HelpRequest.UNTOUCHED_AFTER


def untouched_q(now: datetime.datetime | None = None) -> Q:
    return Q(status__in=HelpRequest.OPEN_STATUSES, last_activity_at__lte=untouched_since(now))


def help_counts(requests: QuerySet[HelpRequest], now: datetime.datetime | None = None) -> dict:
    """New, taken, resolved and untouched requests of a queryset: one aggregate query."""
    return requests.aggregate(
        new=Count("pk", filter=Q(status=HelpRequest.Status.NEW)),
        taken=Count("pk", filter=Q(status=HelpRequest.Status.TAKEN)),
        resolved=Count("pk", filter=Q(status=HelpRequest.Status.RESOLVED)),
        untouched=Count("pk", filter=untouched_q(now)),
    )
