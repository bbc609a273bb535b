"""The organisation's figures for the statistics dashboard (数据看板).

Every function takes the units in scope (`access.organised_units()`) and answers with one
aggregate query: counts are grouped and counted by the database, never by walking rows in
Python, so the dashboard asks as many queries for 100,000 members as for ten. Only members on
the roll (status "active") are counted.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from .models import Member, OrgUnit

# (key, label, lowest age, highest age or None). Bands are closed on both ends in whole years.
AGE_BANDS = [
    ("under_30", _("Under 30"), 0, 29),
    ("30_39", _("30–39"), 30, 39),
    ("40_49", _("40–49"), 40, 49),
    ("50_59", _("50–59"), 50, 59),
    ("60_plus", _("60 and over"), 60, None),
]
UNKNOWN = "unknown"


def active_members(units: QuerySet[OrgUnit]) -> QuerySet[Member]:
    return Member.objects.active().filter(unit__in=units)


def branches(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """The branches in scope, in the organisation's order."""
    return units.filter(kind=OrgUnit.Kind.BRANCH).order_by("path")


def _counted(members: QuerySet[Member], field: str, choices) -> list[dict]:
    """One row per choice (in the choice's order, zeros included) with its count."""
    counts = dict(
        members.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n")
    )
    rows = [{"key": key, "label": label, "count": counts.pop(key, 0)} for key, label in choices]
    missing = sum(counts.values())  # blank (or unknown) values
    if missing:
        rows.append({"key": UNKNOWN, "label": _("Not recorded"), "count": missing})
    return rows


def by_stage(units: QuerySet[OrgUnit]) -> list[dict]:
    return _counted(active_members(units), "stage", Member.Stage.choices)


def by_gender(units: QuerySet[OrgUnit]) -> list[dict]:
    return _counted(active_members(units), "gender", Member.Gender.choices)


def by_education(units: QuerySet[OrgUnit]) -> list[dict]:
    return _counted(active_members(units), "education", Member.Education.choices)


def born_on_or_before(today: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone who is at least `years` old on `today`.

    Computed in Python so that the database only compares dates, which SQLite and PostgreSQL
    do alike. Someone born on 29 February turns a year older on 1 March in common years.
    """
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February and the year `years` ago has none
        return today.replace(year=today.year - years, day=28)


def by_age_band(units: QuerySet[OrgUnit], today: datetime.date) -> list[dict]:
    whens = []
    for key, _label, _low, high in AGE_BANDS:
        if high is None:
            whens.append(When(birth_date__isnull=False, then=Value(key)))
        else:
            # Younger than high + 1: born after the last birth date of someone that old.
            whens.append(When(birth_date__gt=born_on_or_before(today, high + 1), then=Value(key)))
    band = Case(*whens, default=Value(UNKNOWN), output_field=CharField())
    counts = dict(
        active_members(units)
        .order_by()
        .annotate(band=band)
        .values_list("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    rows = [
        {"key": key, "label": label, "count": counts.get(key, 0)}
        for key, label, _low, _high in AGE_BANDS
    ]
    if counts.get(UNKNOWN):
        rows.append({"key": UNKNOWN, "label": _("Not recorded"), "count": counts[UNKNOWN]})
    return rows


def by_branch(units: QuerySet[OrgUnit]) -> list[OrgUnit]:
    """Each branch with `member_count` (on the roll), `party_count` (probationary and full),
    `pipeline_count` (applicants to candidates), `login_count` (members with a portal login)
    and `coverage` (per cent of members with a login, rounded down)."""
    on_roll = Q(members__status=Member.Status.ACTIVE)
    party = on_roll & Q(members__stage__in=[Member.Stage.PROBATIONARY, Member.Stage.FULL])
    rows = list(
        branches(units).annotate(
            member_count=Count("members", filter=on_roll),
            party_count=Count("members", filter=party),
            login_count=Count("members", filter=on_roll & Q(members__user__isnull=False)),
        )
    )
    for row in rows:
        row.pipeline_count = row.member_count - row.party_count
        row.coverage = coverage(row.login_count, row.member_count)
    return rows


def coverage(with_login: int, total: int) -> int:
    """Whole per cent, rounded down so that 100 means everyone."""
    return with_login * 100 // total if total else 0
