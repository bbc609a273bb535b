"""Member figures kept per unit (UnitFigures): who is on the roll, with a login, by stage,
gender, education and age band, and everyone of any status.

A row holds the members whose unit is that unit, not its subtree: a member's write then
changes one or two rows (their old and new unit), never a committee's row that every write
in the province would have to lock. A subtree's figures are the sum of the rows under its
path, added up by the database (a province's 3,337 rows in about a millisecond).

Who keeps them:
- `Member.save` and `Member.delete` (`member_changed`: the member's old state, read under a
  lock, is taken off and the new one added, on the rows of the old and new unit);
- `MemberQuerySet.bulk_create`, `.update` and `.delete`, which bypass save(): they recount the
  units they touched (`recount_units`);
- a deleted login, whose member Django unlinks with an UPDATE of its own: a receiver
  (`_login_deleted`);
- `OrgUnit.save` gives a new unit its row; a unit moved keeps its row (sums follow the paths).
Transfers (members.services) and imports (members.resources) save members one by one.

Age bands (members.stats.AGE_BANDS: whole years on a day) change with the date as well as
with writes. Each row says the day its bands were counted for (`ages_as_of`); a write counts
the member as of that day. `catch_up(units, day)` brings rows to `day` by moving only the
members whose 30th, 40th, 50th or 60th birthday fell between the two days: one range of
birth dates per boundary (an index of members on the roll by birth date), a few dozen members
a day in a province. The statistics page catches its scope up before reading; a birthday on
29 February is passed on 1 March in common years (members.stats.born_on_or_before).

`recount(fix=...)` (registered as "members" in members.apps) counts every row again from the
members, compares, and corrects, as it does the members' copy of their unit's path.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from .models import Member, OrgUnit, UnitFigures

# The Member fields a unit's figures depend on.
STATE_FIELDS = ("unit_id", "status", "stage", "gender", "education", "birth_date", "user_id")
FIGURE_FIELDS = {"unit", "unit_id", "status", "stage", "gender", "education", "birth_date"}
FIGURE_FIELDS |= {"user", "user_id"}

ACTIVE = Member.Status.ACTIVE
# (column, lowest age, highest age or None): members.stats.AGE_BANDS, in the same order.
AGE_COLUMNS = [
    ("age_under_30", 0, 29),
    ("age_30_39", 30, 39),
    ("age_40_49", 40, 49),
    ("age_50_59", 50, 59),
    ("age_60_plus", 60, None),
]
BOUNDARIES = [low for _column, low, _high in AGE_COLUMNS[1:]]  # 30, 40, 50, 60

STAGE_COLUMNS = {stage: f"stage_{stage}" for stage in Member.Stage.values}
GENDER_COLUMNS = {gender: f"gender_{gender}" for gender in Member.Gender.values}
EDUCATION_COLUMNS = {education: f"education_{education}" for education in Member.Education.values}
COLUMNS = [
    "everyone",
    "members",
    "logins",
    *STAGE_COLUMNS.values(),
    *GENDER_COLUMNS.values(),
    *EDUCATION_COLUMNS.values(),
    *(column for column, _low, _high in AGE_COLUMNS),
]


def born_on_or_before(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone who is at least `years` old on `day` (someone born
    on 29 February turns a year older on 1 March in common years)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # `day` is 29 February and the year `years` back has none
        return day.replace(year=day.year - years, day=28)


def age_column(birth_date: datetime.date | None, day: datetime.date) -> str | None:
    """The age band's column of someone born on `birth_date`, on `day` (the youngest band
    takes every later birth date, as members.stats always counted)."""
    if birth_date is None:
        return None
    column = AGE_COLUMNS[0][0]
    for name, low, _high in AGE_COLUMNS[1:]:
        if birth_date <= born_on_or_before(day, low):
            column = name
    return column


@dataclass(frozen=True)
class State:
    """What of a member the figures count."""

    unit_id: int
    status: str
    stage: str
    gender: str
    education: str
    birth_date: datetime.date | None
    has_login: bool

    def columns(self, day: datetime.date) -> list[str]:
        """The columns this member counts in, their age as of `day`."""
        found = ["everyone"]
        if self.status != ACTIVE:
            return found
        found.append("members")
        if self.has_login:
            found.append("logins")
        for value, mapping in (
            (self.stage, STAGE_COLUMNS),
            (self.gender, GENDER_COLUMNS),
            (self.education, EDUCATION_COLUMNS),
        ):
            if value in mapping:
                found.append(mapping[value])
        age = age_column(self.birth_date, day)
        if age:
            found.append(age)
        return found


def state_of(member: Member) -> State:
    return State(
        unit_id=member.unit_id,
        status=member.status,
        stage=member.stage,
        gender=member.gender,
        education=member.education,
        birth_date=member.birth_date,
        has_login=member.user_id is not None,
    )


def state_from_row(row: dict) -> State:
    return State(
        unit_id=row["unit_id"],
        status=row["status"],
        stage=row["stage"],
        gender=row["gender"],
        education=row["education"],
        birth_date=row["birth_date"],
        has_login=row["user_id"] is not None,
    )


# --- keeping ----------------------------------------------------------------------------------
def _locked_days(unit_ids: Iterable[int]) -> dict[int, datetime.date]:
    """{unit: the day its ages were counted for}, the rows locked (in one order, so that two
    writers locking two rows each cannot deadlock); a unit without a row gets one, counted."""
    unit_ids = sorted(set(unit_ids))
    rows = dict(
        UnitFigures.objects.select_for_update()
        .filter(unit_id__in=unit_ids)
        .order_by("unit_id")
        .values_list("unit_id", "ages_as_of")
    )
    missing = [pk for pk in unit_ids if pk not in rows]
    if missing:
        recount_units(missing)
        rows.update(
            UnitFigures.objects.select_for_update()
            .filter(unit_id__in=missing)
            .order_by("unit_id")
            .values_list("unit_id", "ages_as_of")
        )
    return rows


def member_changed(old: State | None, new: State | None) -> None:
    """Move a member's contribution from `old` (None: a new member) to `new` (None: deleted).
    Called inside the transaction of the write, before the row is written."""
    if old == new:
        return
    units = {s.unit_id for s in (old, new) if s is not None}
    days = _locked_days(units)
    changes: dict[int, Counter] = defaultdict(Counter)
    if old is not None:
        changes[old.unit_id].subtract(old.columns(days[old.unit_id]))
    if new is not None:
        changes[new.unit_id].update(new.columns(days[new.unit_id]))
    _add(changes)


def _add(changes: dict[int, Counter]) -> None:
    """Add `changes` ({unit: {column: n}}) to the rows: one UPDATE … FROM (VALUES …) per
    500 units, whatever the number of units and columns."""
    changes = {pk: c for pk, c in changes.items() if any(c.values())}
    columns = sorted({column for c in changes.values() for column, n in c.items() if n})
    if not columns:
        return
    quote = connection.ops.quote_name
    table = quote(UnitFigures._meta.db_table)
    # VALUES' columns are column1 (the unit), column2… on PostgreSQL and SQLite alike.
    assignments = ", ".join(
        f"{quote(column)} = {quote(column)} + v.column{i + 2}" for i, column in enumerate(columns)
    )
    units = sorted(changes)
    for start in range(0, len(units), 500):
        batch = units[start : start + 500]
        rows = ", ".join(["(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"] * len(batch))
        params = [v for pk in batch for v in (pk, *(changes[pk][c] for c in columns))]
        # Only quoted names and placeholders are written into the statement.
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {rows}) AS v "  # noqa: S608
            f"WHERE {table}.{quote('unit_id')} = v.column1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="members.figures.login")
def _login_deleted(sender, instance, **kwargs) -> None:
    # Django unlinks the member (SET_NULL) with an UPDATE that bypasses Member.save; this runs
    # in the same transaction, just before it.
    row = (
        Member.objects.select_for_update().filter(user_id=instance.pk).values(*STATE_FIELDS).first()
    )
    if row is not None:
        old = state_from_row(row)
        member_changed(old, State(**{**old.__dict__, "has_login": False}))


# --- counting from the members ----------------------------------------------------------------
def _count_expressions(day: datetime.date) -> dict:
    on_roll = Q(status=ACTIVE)
    expressions = {
        "everyone": Count("pk"),
        "members": Count("pk", filter=on_roll),
        "logins": Count("pk", filter=on_roll & Q(user__isnull=False)),
    }
    for field, mapping in (
        ("stage", STAGE_COLUMNS),
        ("gender", GENDER_COLUMNS),
        ("education", EDUCATION_COLUMNS),
    ):
        for value, column in mapping.items():
            expressions[column] = Count("pk", filter=on_roll & Q(**{field: value}))
    for column, low, high in AGE_COLUMNS:
        born = Q(birth_date__isnull=False)
        if low > 0:
            born &= Q(birth_date__lte=born_on_or_before(day, low))
        if high is not None:
            born &= Q(birth_date__gt=born_on_or_before(day, high + 1))
        expressions[column] = Count("pk", filter=on_roll & born)
    return expressions


def count_units(members, day: datetime.date) -> dict[int, dict[str, int]]:
    """{unit: figures} of `members` (a Member queryset) counted from the rows, ages on `day`."""
    rows = members.order_by().values("unit_id").annotate(**_count_expressions(day))
    return {row.pop("unit_id"): row for row in rows}


def recount_units(unit_ids: Iterable[int], day: datetime.date | None = None) -> None:
    """Count the figures of these units again from their members, as of `day` (today), and
    write them: what the bulk writes that bypass Member.save call afterwards."""
    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return
    day = day or timezone.localdate()
    with transaction.atomic():
        existing = set(
            UnitFigures.objects.select_for_update()
            .filter(unit_id__in=unit_ids)
            .order_by("unit_id")
            .values_list("unit_id", flat=True)
        )
        real = set(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", flat=True))
        UnitFigures.objects.bulk_create(
            [UnitFigures(unit_id=pk, ages_as_of=day) for pk in sorted(real - existing)],
            ignore_conflicts=True,
        )
        counted = count_units(Member.objects.filter(unit_id__in=unit_ids), day)
        rows = []
        for pk in sorted(real):
            figures = counted.get(pk, {})
            row = UnitFigures(unit_id=pk, ages_as_of=day)
            for column in COLUMNS:
                setattr(row, column, figures.get(column, 0))
            rows.append(row)
        UnitFigures.objects.bulk_update(rows, ["ages_as_of", *COLUMNS], batch_size=500)


def catch_up(units, day: datetime.date | None = None) -> None:
    """Bring the age bands of the rows of `units` (an OrgUnit queryset) to `day` (today):
    members whose birthday crossed a band's boundary since a row's day move to the next band
    (or back, for a day before it)."""
    day = day or timezone.localdate()
    stale = UnitFigures.objects.filter(unit__in=units).exclude(ages_as_of=day)
    if not stale.exists():
        return
    with transaction.atomic():
        locked = list(
            stale.select_for_update(of=("self",))
            .order_by("unit_id")
            .values_list("unit_id", "ages_as_of")
        )
        changes: dict[int, Counter] = defaultdict(Counter)
        for as_of in sorted({as_of for _pk, as_of in locked}):
            members = Member.objects.filter(unit__in=units, unit__figures__ages_as_of=as_of)
            _crossings(as_of, day, members, changes)
        _add(changes)
        stale.update(ages_as_of=day)


def _crossings(
    since: datetime.date, day: datetime.date, members, changes: dict[int, Counter]
) -> None:
    """Add to `changes` the moves between bands of `members` whose birthday crossed a
    boundary between `since` and `day` (one grouped query)."""
    sign = 1 if day > since else -1
    early, late = (since, day) if sign > 0 else (day, since)
    ranges = {}
    for years in BOUNDARIES:
        # Reached `years` after `early` and by `late`: born in (bound(early), bound(late)].
        low, high = born_on_or_before(early, years), born_on_or_before(late, years)
        if high > low:
            ranges[years] = Q(birth_date__gt=low, birth_date__lte=high)
    if not ranges:
        return
    any_range = Q()
    for q in ranges.values():
        any_range |= q
    rows = (
        members.filter(any_range, status=ACTIVE)
        .order_by()
        .values("unit_id")
        .annotate(**{f"c{years}": Count("pk", filter=q) for years, q in ranges.items()})
    )
    # Crossing the boundary of `years` moves a member from the band under it to the band
    # that starts at it.
    under = {AGE_COLUMNS[i + 1][1]: AGE_COLUMNS[i][0] for i in range(len(AGE_COLUMNS) - 1)}
    starting = {low: column for column, low, _high in AGE_COLUMNS}
    for row in rows:
        change = changes[row["unit_id"]]
        for years in ranges:
            n = row[f"c{years}"] * sign
            change[under[years]] -= n
            change[starting[years]] += n


# --- reading ----------------------------------------------------------------------------------
def subtree_figures(units: list[OrgUnit], columns=("members", "logins")) -> dict[int, dict]:
    """{unit pk: {column: sum over its subtree}} for `units`, in one grouped query: the rows
    under the outermost of them, grouped by their path cut at the deepest unit's length."""
    if not units:
        return {}
    wanted = {u.path: u.pk for u in units}
    length = max(len(path) for path in wanted)
    groups = (
        UnitFigures.objects.filter(path_q(wanted))
        .order_by()
        .values(key=Substr("unit__path", 1, length))
        .annotate(**{column: Sum(column) for column in columns})
    )
    result = {pk: dict.fromkeys(columns, 0) for pk in wanted.values()}
    for group in groups:
        key = group["key"]
        segments = key.split(".")[:-1]
        for i in range(len(segments)):
            pk = wanted.get(".".join(segments[: i + 1]) + ".")
            if pk is not None:
                figures = result[pk]
                for column in columns:
                    figures[column] += group[column] or 0
    return result


def _outermost_paths(paths: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def path_q(paths: Iterable[str], field: str = "unit__path") -> Q:
    """Rows whose `field` lies in the subtree of any of `paths`."""
    q = Q()
    for path in _outermost_paths(paths):
        q |= Q(**{f"{field}__startswith": path})
    return q


def total(paths: Iterable[str] | None, column: str = "members") -> int:
    """`column` summed over the subtrees at `paths` (None: the whole organisation), each
    counted once: one query."""
    rows = UnitFigures.objects.all()
    if paths is not None:
        paths = list(paths)
        if not paths:
            return 0
        rows = rows.filter(path_q(paths))
    return rows.aggregate(n=Sum(column))["n"] or 0


# --- recount ----------------------------------------------------------------------------------
def recount(*, fix: bool) -> list[str]:
    """members.recounts: every unit's figures against a count of its members (ages as of the
    day each row was counted for), rows missing, and members' copies of their unit's path."""
    differences: list[str] = []
    kept = {row.pop("unit_id"): row for row in UnitFigures.objects.values("unit_id", *COLUMNS)}
    days = dict(UnitFigures.objects.values_list("unit_id", "ages_as_of"))
    units = dict(OrgUnit.objects.values_list("pk", "path"))
    wrong: set[int] = set()
    counted: dict[int, dict] = {}
    for day in set(days.values()):
        members = Member.objects.filter(unit__figures__ages_as_of=day)
        counted.update(count_units(members, day))
    for pk in sorted(units):
        if pk not in kept:
            differences.append(f"unit {pk}: no row of member figures")
            wrong.add(pk)
            continue
        real = counted.get(pk, {})
        for column in COLUMNS:
            if kept[pk][column] != real.get(column, 0):
                differences.append(
                    f"unit {pk}: {column} {kept[pk][column]} kept, {real.get(column, 0)} counted"
                )
                wrong.add(pk)
    unit_path = Subquery(OrgUnit.objects.filter(pk=OuterRef("unit_id")).values("path")[:1])
    misplaced = Member.objects.exclude(unit_path=unit_path)
    stray = misplaced.count()
    if stray:
        differences.append(f"{stray} member(s) with a stale copy of their unit's path")
    if fix:
        with transaction.atomic():
            if stray:
                misplaced.update(unit_path=unit_path)
            recount_units(wrong)
    return differences
