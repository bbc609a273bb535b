"""The micro-classroom's figures for the statistics dashboard: lessons learned per branch and
month, counted by the database from `StudyRecord.completed_at`.

A completion counts for the branch the learner belongs to now (their member record's unit);
logins without a member record (staff) are not in any branch and are left out. Months are
calendar months in the portal's time zone.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from members.models import OrgUnit

from .models import StudyRecord

MONTHS = 6


def month_starts(today: datetime.date, months: int = MONTHS) -> list[datetime.date]:
    """The first day of each of the last `months` months (this one included), oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _as_month(value) -> datetime.date:
    # TruncMonth gives an aware datetime on PostgreSQL and SQLite alike; keep the local date.
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


def completions_by_branch_month(
    branches: QuerySet[OrgUnit], today: datetime.date, months: int = MONTHS
) -> dict:
    """{"months": [first days], "cells": {(branch_id, month): lessons learned},
    "learners": {branch_id: people who learned at least one lesson in the period},
    "totals": {month: lessons learned in every branch}}."""
    starts = month_starts(today, months)
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    records = StudyRecord.objects.filter(
        completed_at__gte=since, user__member__unit__in=branches
    ).order_by()
    month = TruncMonth("completed_at", tzinfo=timezone.get_current_timezone())
    cells = {
        (unit_id, _as_month(when)): n
        for unit_id, when, n in records.annotate(month=month)
        .values_list("user__member__unit_id", "month")
        .annotate(n=Count("pk"))
        .values_list("user__member__unit_id", "month", "n")
    }
    totals = {
        _as_month(when): n
        for when, n in records.annotate(month=month)
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    }
    learners = dict(
        records.values_list("user__member__unit_id")
        .annotate(n=Count("user", distinct=True))
        .values_list("user__member__unit_id", "n")
    )
    return {"months": starts, "cells": cells, "learners": learners, "totals": totals}
