"""The appraisals' figures for the statistics dashboard: red banners won by each branch,
quarter by quarter, counted by the database from published `Result` rows.

A branch's banners in a quarter are its own (流动红旗党支部, a result without a member) and
its members' (党员流动红旗, results with a member, counted under the branch the member was
scored in). Unpublished campaigns do not count.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from members.models import OrgUnit

from .models import Campaign, Result

QUARTERS = 8


def banners_by_branch_quarter(branches: QuerySet[OrgUnit], quarters: int = QUARTERS) -> dict:
    """{"quarters": [(year, quarter)] oldest first (the last `quarters` with published
    results in scope), "cells": {(branch_id, (year, quarter)): {"branch": 0|1, "members": n}},
    "totals": {branch_id: {"branch": n, "members": n}}}."""
    holders = Result.objects.filter(
        is_banner_holder=True,
        campaign__status=Campaign.Status.PUBLISHED,
        unit__in=branches,
    ).order_by()
    shown = list(
        holders.values_list("campaign__year", "campaign__quarter")
        .distinct()
        .order_by("-campaign__year", "-campaign__quarter")[:quarters]
    )[::-1]
    if not shown:
        return {"quarters": [], "cells": {}, "totals": {}}
    oldest = shown[0]
    in_period = Q(campaign__year__gt=oldest[0]) | Q(
        campaign__year=oldest[0], campaign__quarter__gte=oldest[1]
    )
    counts = {
        "branch": Count("pk", filter=Q(member__isnull=True)),
        "members": Count("pk", filter=Q(member__isnull=False)),
    }
    cells = {
        (row["unit_id"], (row["campaign__year"], row["campaign__quarter"])): {
            "branch": row["branch"],
            "members": row["members"],
        }
        for row in holders.filter(in_period)
        .values("unit_id", "campaign__year", "campaign__quarter")
        .annotate(**counts)
    }
    totals = {
        row["unit_id"]: {"branch": row["branch"], "members": row["members"]}
        for row in holders.filter(in_period).values("unit_id").annotate(**counts)
    }
    return {"quarters": [tuple(q) for q in shown], "cells": cells, "totals": totals}
