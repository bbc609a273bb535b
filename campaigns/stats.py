"""The appraisals' figures for the statistics dashboard: red banners won by each branch,
quarter by quarter, read from `BannerTally` (kept by campaigns.summaries at publication and
at every change of a published campaign's holders), never from the results.

A branch's banners in a quarter are its own (流动红旗党支部, a result without a member) and
its members' (党员流动红旗, results with a member, counted under the branch the member was
scored in). Unpublished campaigns do not count.
"""

from __future__ import annotations

from django.db.models import QuerySet

from members.models import OrgUnit

from .models import BannerTally

QUARTERS = 8


def banners_by_branch_quarter(branches: QuerySet[OrgUnit], quarters: int = QUARTERS) -> dict:
    """{"quarters": [(year, quarter)] oldest first (the last `quarters` with published
    results in scope), "cells": {(branch_id, (year, quarter)): {"branch": n, "members": n}},
    "totals": {branch_id: {"branch": n, "members": n}}}. Two queries."""
    tally = BannerTally.objects.filter(unit__in=branches).order_by()
    shown = list(
        tally.values_list("year", "quarter").distinct().order_by("-year", "-quarter")[:quarters]
    )[::-1]
    if not shown:
        return {"quarters": [], "cells": {}, "totals": {}}
    oldest_year, oldest_quarter = shown[0]
    rows = tally.filter(year__gte=oldest_year).values_list(
        "unit_id", "year", "quarter", "own", "members"
    )
    cells, totals = {}, {}
    for unit_id, year, quarter, own, members in rows:
        if (year, quarter) < (oldest_year, oldest_quarter) or not (own or members):
            continue
        cells[(unit_id, (year, quarter))] = {"branch": own, "members": members}
        total = totals.get(unit_id)
        if total is None:
            totals[unit_id] = {"branch": own, "members": members}
        else:
            total["branch"] += own
            total["members"] += members
    return {"quarters": [tuple(q) for q in shown], "cells": cells, "totals": totals}
