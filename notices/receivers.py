"""Notifications made from the other apps' signals (connected in NoticesConfig.ready()).

Each receiver decides who is told and says it in one line; `services.notify` stores and
e-mails. The owning apps know nothing of notices: they only send their signals.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from members.models import Member, OrgUnit, Post

from .models import Kind
from .services import notify


def officers_of(unit: OrgUnit):
    """Logins of the people who run a unit now (secretary, deputy, organisation member)."""
    posts = Post.objects.current().filter(unit=unit, kind__in=Post.MANAGING)
    return get_user_model().objects.filter(
        is_active=True, member__posts__in=posts, member__status=Member.Status.ACTIVE
    )


def on_plan_assigned(sender, *, plan, members, **kwargs) -> None:
    users = [m.user_id for m in members if m.user_id]
    notify(
        users=users,
        kind=Kind.PLAN_ASSIGNED,
        text=_("New in your study plan: %(title)s, due on %(date)s")
        % {"title": plan.title, "date": plan.due_on.isoformat()},
        url=plan.get_absolute_url(),
    )


def _sheet_url(sheet) -> str:
    return reverse("admin:campaigns_scoresheet_change", args=[sheet.pk])


def on_sheet_returned(sender, *, sheet, by=None, comment="", **kwargs) -> None:
    users = set(officers_of(sheet.unit).values_list("pk", flat=True))
    if sheet.scorer_id:
        users.add(sheet.scorer_id)
    if by is not None:
        users.discard(by.pk)
    notify(
        users=users,
        kind=Kind.SHEET_RETURNED,
        text=_("Score sheet returned: %(subject)s, %(campaign)s. %(comment)s")
        % {"subject": sheet.subject_name, "campaign": sheet.campaign, "comment": comment},
        url=_sheet_url(sheet),
    )


def on_results_published(sender, *, campaign, by=None, **kwargs) -> None:
    users = get_user_model().objects.filter(
        is_active=True,
        member__status=Member.Status.ACTIVE,
        member__unit__path__startswith=campaign.scope.path,
    )
    notify(
        users=users,
        kind=Kind.RESULTS_PUBLISHED,
        text=_("Results published: %(campaign)s") % {"campaign": campaign},
        url=reverse("campaigns:results", args=[campaign.pk]),
    )


def on_story_approved(sender, *, story, by=None, **kwargs) -> None:
    if not story.nominated_by_id:
        return
    notify(
        users=[story.nominated_by_id],
        kind=Kind.STORY_APPROVED,
        text=_("Your nomination was approved: %(title)s") % {"title": story.title},
        url=reverse("campaigns:story", args=[story.pk]),
    )


def _author_user_id(help_request) -> int | None:
    """The login of the member who asked (the request's `author`, a Member)."""
    for name in ("author", "member"):
        value = getattr(help_request, name, None)
        if isinstance(value, Member):
            return value.user_id
        if value is not None and hasattr(value, "is_authenticated"):
            return value.pk
    return None


def _help_request_url(help_request) -> str:
    if hasattr(help_request, "get_absolute_url"):
        return help_request.get_absolute_url()
    try:
        return reverse("members:help_detail", args=[help_request.pk])
    except NoReverseMatch:
        return ""


def on_help_request_updated(
    sender, *, help_request, by=None, visible_to_author=True, visible=True, **kwargs
) -> None:
    """The author is told of a change they can see (`visible_to_author`, sent by
    members.help), never of an internal note nor of their own change."""
    author = _author_user_id(help_request)
    if not (visible_to_author and visible) or author is None:
        return
    if by is not None and by.pk == author:
        return
    title = getattr(help_request, "title", "")
    notify(
        users=[author],
        kind=Kind.HELP_REQUEST,
        text=(
            _("Your help request was updated: %(title)s") % {"title": title}
            if title
            else _("Your help request was updated.")
        ),
        url=_help_request_url(help_request),
    )
