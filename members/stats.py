"""The organisation's figures for the statistics dashboard (数据看板).

Every figure is read from the member figures kept per unit (members.figures): the sums of a
scope's rows, one query whatever the number of members. Only members on the roll (status
"active") are counted. Age bands are whole years on `today`: the scope's rows are caught up
to the day before they are read (members.figures.catch_up).
"""

from __future__ import annotations

import datetime

from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import figures as kept
from .figures import born_on_or_before  # noqa: F401  (the age rule, for callers and tests)
from .models import PATH_SEGMENT, Member, OrgUnit, UnitFigures

# (key, label, lowest age, highest age or None). Bands are closed on both ends in whole years.
AGE_BANDS = [
    ("under_30", _("Under 30"), 0, 29),
    ("30_39", _("30–39"), 30, 39),
    ("40_49", _("40–49"), 40, 49),
    ("50_59", _("50–59"), 50, 59),
    ("60_plus", _("60 and over"), 60, None),
]
UNKNOWN = "unknown"


def branches(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """The branches in scope, in the organisation's order."""
    return units.filter(kind=OrgUnit.Kind.BRANCH).order_by("path")


def totals(units: QuerySet[OrgUnit], today: datetime.date) -> dict[str, int]:
    """Every kept column summed over `units` (their rows, not their subtrees: a scope is
    subtree-closed), age bands on `today`: one query (two on the first visit of a day)."""
    kept.catch_up(units, today)
    sums = UnitFigures.objects.filter(unit__in=units).aggregate(
        **{column: Sum(column) for column in kept.COLUMNS}
    )
    return {column: value or 0 for column, value in sums.items()}


def _rows(figures: dict, prefix: str, choices) -> list[dict]:
    """One row per choice (in the choice's order, zeros included) with its count, and the
    members on the roll with none of them (blank or unknown) as "Not recorded"."""
    rows = [
        {"key": key, "label": label, "count": figures[f"{prefix}{key}"]} for key, label in choices
    ]
    missing = figures["members"] - sum(row["count"] for row in rows)
    if missing:
        rows.append({"key": UNKNOWN, "label": _("Not recorded"), "count": missing})
    return rows


def stage_rows(figures: dict) -> list[dict]:
    return _rows(figures, "stage_", Member.Stage.choices)


def gender_rows(figures: dict) -> list[dict]:
    return _rows(figures, "gender_", Member.Gender.choices)


def education_rows(figures: dict) -> list[dict]:
    return _rows(figures, "education_", Member.Education.choices)


def age_rows(figures: dict) -> list[dict]:
    return _rows(figures, "age_", [(key, label) for key, label, _low, _high in AGE_BANDS])


# One table each, for callers that want one (the dashboard reads `totals` once for all four).
def by_stage(units: QuerySet[OrgUnit]) -> list[dict]:
    return stage_rows(totals(units, timezone.localdate()))


def by_gender(units: QuerySet[OrgUnit]) -> list[dict]:
    return gender_rows(totals(units, timezone.localdate()))


def by_education(units: QuerySet[OrgUnit]) -> list[dict]:
    return education_rows(totals(units, timezone.localdate()))


def by_age_band(units: QuerySet[OrgUnit], today: datetime.date) -> list[dict]:
    return age_rows(totals(units, today))


def by_branch(units: QuerySet[OrgUnit]) -> list[OrgUnit]:
    """Each branch with `member_count` (on the roll), `party_count` (probationary and full),
    `pipeline_count` (applicants to candidates), `login_count` (members with a portal login)
    and `coverage` (per cent of members with a login, rounded down): one query."""
    rows = list(
        branches(units).annotate(
            member_count=Coalesce(F("figures__members"), Value(0)),
            party_count=Coalesce(
                F("figures__stage_probationary") + F("figures__stage_full"), Value(0)
            ),
            login_count=Coalesce(F("figures__logins"), Value(0)),
        )
    )
    for row in rows:
        row.pipeline_count = row.member_count - row.party_count
        row.coverage = coverage(row.login_count, row.member_count)
    return rows


def by_branch_under(root: OrgUnit) -> list[dict]:
    """The branches under `root`, added up per unit directly under `root` (a
    branch directly under it is its own group), by the database: {"path", "member_count",
    "party_count", "login_count"} per group, in path order."""
    length = len(root.path) + PATH_SEGMENT
    return list(
        UnitFigures.objects.filter(unit__kind=OrgUnit.Kind.BRANCH, unit__path__startswith=root.path)
        .exclude(unit__path=root.path)
        .order_by()
        .values(path=Substr("unit__path", 1, length))
        .annotate(
            member_count=Sum("members"),
            party_count=Sum(F("stage_probationary") + F("stage_full")),
            login_count=Sum("logins"),
        )
        .order_by("path")
    )


def coverage(with_login: int, total: int) -> int:
    """Whole per cent, rounded down so that 100 means everyone."""
    return with_login * 100 // total if total else 0
