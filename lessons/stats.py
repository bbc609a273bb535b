"""The micro-classroom's figures for the statistics dashboard: lessons learned per branch and
month, and the people who learned, read from the study rollup (`StudyMonth`, kept by
lessons.rollups) in a few milliseconds for a whole province.

A completion counts for the branch the learner belonged to when they learned it
(`StudyRecord.unit`), not the one they belong to now: an organiser comparing branches month
by month reads what each branch did in that month, and a transfer does not move last
spring's study to the new branch (nor make the old branch's past months shrink). A member
who moved and learned in both branches during the period is a learner of both. Logins
without a member record (staff) are in no branch and are left out. Completions made before
the rollup existed were given the learner's branch at that time (migration 0003). Months are
calendar months in the portal's time zone.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from members.models import OrgUnit

from .models import StudyMonth

MONTHS = 6


def month_starts(today: datetime.date, months: int = MONTHS) -> list[datetime.date]:
    """The first day of each of the last `months` months (this one included), oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def completions_by_branch_month(
    branches: QuerySet[OrgUnit], today: datetime.date, months: int = MONTHS
) -> dict:
    """{"months": [first days], "cells": {(branch_id, month): lessons learned},
    "learners": {branch_id: people who learned at least one lesson in the period},
    "totals": {month: lessons learned in every branch}}.

    One query of the StudyMonth rows from the first month on (a row per branch and month, a
    few thousand for a province): the cells are those rows; a person learned in a branch
    since that month exactly when their latest completion there falls in one of those
    months, so a branch's learners are the sum of its rows' `last_learners`; the totals the
    sum of the month's cells. Both sums are made while the cells are read, in one pass."""
    starts = month_starts(today, months)
    rows = (
        StudyMonth.objects.filter(unit__in=branches, month__gte=starts[0])
        .filter(Q(completions__gt=0) | Q(last_learners__gt=0))
        .order_by()
        .values_list("unit_id", "month", "completions", "last_learners")
    )
    cells: dict[tuple[int, datetime.date], int] = {}
    learners: dict[int, int] = {}
    totals: dict[datetime.date, int] = {}
    for unit_id, month, completions, last_learners in rows:
        if completions:
            cells[unit_id, month] = completions
            totals[month] = totals.get(month, 0) + completions
        if last_learners:
            learners[unit_id] = learners.get(unit_id, 0) + last_learners
    return {"months": starts, "cells": cells, "learners": learners, "totals": totals}
