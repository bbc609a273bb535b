"""Time-based reminders, run by `manage.py send_reminders` from cron.

Each reminder has a key (kind, thing, person) written to the Reminder log in the same
transaction as its notification; a key already there is never sent again, so running the
command twice (or every hour) sends each reminder once. Whether a thing is still to do is
asked at every run, so nobody is reminded of a plan they completed or a sheet submitted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, ScoreSheet
from lessons import progress
from lessons.models import StudyPlan
from members.models import Post

from .models import Kind, Reminder
from .services import notices_announce_due, notify

PLAN_DUE_DAYS = 3


def _send_once(*, kind: str, thing: str, user_ids: list[int], text: str, url: str) -> int:
    """Notify those of `user_ids` not yet reminded of `thing`; log them. Returns how many."""
    keys = {pk: f"{kind}:{thing}:{pk}" for pk in user_ids}
    if not keys:
        return 0
    with transaction.atomic():
        done = set(Reminder.objects.filter(key__in=keys.values()).values_list("key", flat=True))
        todo = [pk for pk, key in keys.items() if key not in done]
        if not todo:
            return 0
        Reminder.objects.bulk_create(
            [Reminder(key=keys[pk], user_id=pk, kind=kind) for pk in todo],
            ignore_conflicts=True,
        )
        notify(users=todo, kind=kind, text=text, url=url)
    return len(todo)


def plans_due(today: datetime.date) -> int:
    """Members with a login whose plan is due within three days and not yet completed."""
    sent = 0
    plans = StudyPlan.objects.filter(
        due_on__gte=today, due_on__lte=today + datetime.timedelta(days=PLAN_DUE_DAYS)
    ).order_by("due_on", "pk")
    for plan in plans:
        # Only the published lessons count: nobody can learn a draft, and a member who learned
        # every published lesson of the plan has finished it (as their plan page says).
        lesson_ids = progress.plan_lesson_ids(plan)
        if not lesson_ids:
            continue
        unfinished = progress.members_with_progress(
            plan.assigned_members().filter(user__isnull=False, user__is_active=True), lesson_ids
        ).filter(lesson_done__lt=len(lesson_ids))
        user_ids = list(unfinished.values_list("user_id", flat=True))
        sent += _send_once(
            kind=Kind.PLAN_DUE,
            thing=f"plan{plan.pk}",
            user_ids=user_ids,
            text=_("Your study plan %(title)s is due on %(date)s and not finished yet.")
            % {"title": plan.title, "date": plan.due_on.isoformat()},
            url=plan.get_absolute_url(),
        )
    return sent


def sheets_to_score(today: datetime.date) -> int:
    """The officers of each branch with sheets still to fill in (draft or returned) in a
    campaign open for scoring: one reminder per campaign and branch."""
    from django.urls import reverse

    pending = (
        ScoreSheet.objects.filter(
            campaign__status=Campaign.Status.SCORING,
            status__in=[ScoreSheet.Status.DRAFT, ScoreSheet.Status.RETURNED],
        )
        .order_by()
        .values_list("campaign_id", "unit_id")
        .distinct()
    )
    pairs = set(pending)
    if not pairs:
        return 0
    campaigns = {
        c.pk: c
        for c in Campaign.objects.filter(pk__in={c for c, _u in pairs})
        if c.window_open(today)
    }
    officers: dict[int, list[int]] = defaultdict(list)
    posts = Post.objects.current(today).filter(
        unit_id__in={u for _c, u in pairs},
        kind__in=Post.MANAGING,
        member__user__isnull=False,
        member__user__is_active=True,
    )
    for unit_id, user_id in posts.order_by().values_list("unit_id", "member__user_id").distinct():
        officers[unit_id].append(user_id)
    sent = 0
    for campaign_id, unit_id in sorted(pairs):
        campaign = campaigns.get(campaign_id)
        if campaign is None or not officers.get(unit_id):
            continue
        sent += _send_once(
            kind=Kind.SHEET_TO_SCORE,
            thing=f"campaign{campaign_id}-unit{unit_id}",
            user_ids=sorted(officers[unit_id]),
            text=_("Score sheets to fill in for %(campaign)s.") % {"campaign": campaign},
            url=reverse("admin:campaigns_scoresheet_changelist") + f"?campaign={campaign_id}",
        )
    return sent


def send_all(today: datetime.date | None = None, now=None) -> dict[str, int]:
    today = today or timezone.localdate()
    return {
        "notices": notices_announce_due(now=now),
        "plans_due": plans_due(today),
        "sheets_to_score": sheets_to_score(today),
    }
