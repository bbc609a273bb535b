"""The statistics dashboard (数据看板) and its XLSX exports, for organisers within their scope.

The figures come from each app's `stats` module (members, lessons, campaigns), which count in
the database; this module only lays them out as `Table`s: a title, column headings, rows, a
total row and a bar chart. The page and the spreadsheets are built from the same `Table`, so
they always agree. Anyone who is not an organiser (or a superuser) gets a 404: branch officers
follow their branch on the lessons' progress pages and in the admin.

Query count: each table is a fixed number of grouped queries whatever the number of members,
branches or records (see tests/test_stats_queries.py).

Provincial scale: an organiser of the province has 3,000 branches in scope, too many for a row
each, so when the scope holds more than `MAX_BRANCH_ROWS` branches the per-branch tables show
one row per unit directly under the organiser's unit (each county), and each such row links to
the same dashboard narrowed to that unit (`?unit=`). Counting 5,000,000 study records takes
seconds, so the figures of a scope are cached for `FIGURES_TIMEOUT`: a change to members or
units (the token of members.counts) recounts at once, study and banners at the latest after
the timeout, and the page says when its figures were counted. A per-unit chart longer than
`CHART_MAX_BARS` draws only its highest (or, for coverage, lowest) bars; the table keeps all.
"""

from __future__ import annotations

import datetime
import io
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns import stats as campaign_stats
from lessons import stats as lesson_stats
from members import counts as member_counts
from members import stats as member_stats
from members.models import OrgUnit, ancestor_paths
from members.scoping import access_for, person_cache_enabled
from members.spreadsheets import escape_formula

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BRANCH_ROWS = 40
CHART_MAX_BARS = 20
FIGURES_TIMEOUT = 10 * 60


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)  # first cell: the row's label
    total: list | None = None
    chart_title: str = ""
    bars: list[dict] = field(default_factory=list)
    chart_max: int = 0
    note: str = ""
    links: list[str | None] = field(default_factory=list)  # per row: where its label leads
    # Which end of a long per-unit chart to draw: "highest", or "lowest" where the units that
    # lag behind are the ones to act on (coverage).
    chart_end: str = "highest"

    @property
    def linked_rows(self) -> list[tuple[str | None, list]]:
        links = self.links or [None] * len(self.rows)
        return list(zip(links, self.rows, strict=True))

    @property
    def chart(self) -> dict:
        """The chart beside the table: every bar, or, with more than CHART_MAX_BARS, the bars
        of one end in order of value; the table below keeps every row. A province's 150
        counties would otherwise draw a chart 6,000 px tall, most of a phone's download."""
        bars, title = self.bars, self.chart_title
        if len(bars) > CHART_MAX_BARS:
            highest = self.chart_end == "highest"
            bars = sorted(bars, key=lambda bar: bar["value"], reverse=highest)[:CHART_MAX_BARS]
            values = {"title": title, "count": CHART_MAX_BARS, "total": len(self.bars)}
            if highest:
                title = _("%(title)s: the %(count)s highest of %(total)s") % values
            else:
                title = _("%(title)s: the %(count)s lowest of %(total)s") % values
        return {"title": title, "bars": bars, "max": self.chart_max}


def _share(count: int, total: int) -> str:
    return f"{count * 100 / total:.1f}%" if total else "–"


@dataclass
class Row:
    """A row of the per-unit tables: one branch, or (at provincial scale) the branches under
    one unit, added up."""

    pk: int
    label: str
    branch_ids: list[int]
    member_count: int = 0
    party_count: int = 0
    login_count: int = 0
    link: str | None = None
    done: list[int] = field(default_factory=list)  # lessons learned, per month shown
    learners: int = 0
    banners: list[int] = field(default_factory=list)  # banners won, per quarter shown
    own_banners: int = 0
    member_banners: int = 0

    @property
    def pipeline_count(self) -> int:
        return self.member_count - self.party_count

    @property
    def coverage(self) -> int:
        return member_stats.coverage(self.login_count, self.member_count)


@dataclass
class Figures:
    """Everything the tables show for one scope, counted by the database; cached as a whole."""

    today: datetime.date
    counted_at: datetime.datetime
    stage: list[dict]
    gender: list[dict]
    age: list[dict]
    education: list[dict]
    rows: list[Row]
    grouped: bool
    months: list[datetime.date]
    month_totals: list[int]
    quarters: list[tuple[int, int]]


def _rows(branches: list[OrgUnit], roots: list[OrgUnit]) -> tuple[list[Row], bool]:
    """A row per branch, or, with more than MAX_BRANCH_ROWS branches, a row per unit directly
    under the scope's top units (a branch directly under one is a row of its own)."""

    if len(branches) <= MAX_BRANCH_ROWS:
        groups = {b.pk: Row(pk=b.pk, label=b.label, branch_ids=[]) for b in branches}
        owner = {b.pk: b.pk for b in branches}
    else:
        child_path = {}
        for b in branches:
            for root in roots:
                if b.path.startswith(root.path) and b.path != root.path:
                    child_path[b.pk] = ancestor_paths(b.path)[len(ancestor_paths(root.path))]
                    break
        children = {u.path: u for u in OrgUnit.objects.filter(path__in=set(child_path.values()))}
        groups, owner = {}, {}
        for b in branches:
            child = children.get(child_path.get(b.pk, ""), b)
            if child.pk not in groups:
                link = None
                if child.kind != OrgUnit.Kind.BRANCH:
                    link = f"{reverse('stats')}?unit={child.pk}"
                groups[child.pk] = Row(pk=child.pk, label=child.label, branch_ids=[], link=link)
            owner[b.pk] = child.pk
    for b in branches:
        row = groups[owner[b.pk]]
        row.branch_ids.append(b.pk)
        row.member_count += b.member_count
        row.party_count += b.party_count
        row.login_count += b.login_count
    return list(groups.values()), len(branches) > MAX_BRANCH_ROWS


def count_figures(units, roots: list[OrgUnit], today: datetime.date) -> Figures:
    branches = member_stats.by_branch(units)
    rows, grouped = _rows(branches, roots)
    study = lesson_stats.completions_by_branch_month(member_stats.branches(units), today)
    banners = campaign_stats.banners_by_branch_quarter(member_stats.branches(units))
    # Added up per row here, once, so that the cached figures are a few hundred rows at most.
    months, quarters = study["months"], banners["quarters"]
    empty = {"branch": 0, "members": 0}
    for row in rows:
        row.done = [sum(study["cells"].get((b, m), 0) for b in row.branch_ids) for m in months]
        row.learners = sum(study["learners"].get(b, 0) for b in row.branch_ids)
        row.banners = [
            sum(sum(banners["cells"].get((b, q), empty).values()) for b in row.branch_ids)
            for q in quarters
        ]
        row.own_banners = sum(banners["totals"].get(b, empty)["branch"] for b in row.branch_ids)
        row.member_banners = sum(banners["totals"].get(b, empty)["members"] for b in row.branch_ids)
        row.branch_ids = []  # not needed any more, and not worth caching
    return Figures(
        today=today,
        counted_at=timezone.now(),
        stage=member_stats.by_stage(units),
        gender=member_stats.by_gender(units),
        age=member_stats.by_age_band(units, today),
        education=member_stats.by_education(units),
        rows=rows,
        grouped=grouped,
        months=months,
        month_totals=[study["totals"].get(m, 0) for m in months],
        quarters=quarters,
    )


def figures_key(roots: list[OrgUnit], today: datetime.date) -> str:
    """The cache key of a scope's figures. It holds the members' version token, so a change
    to members or units recounts at once."""
    scope = ",".join(str(r.pk) for r in sorted(roots, key=lambda r: r.pk)) or "all"
    return f"stats:figures:{member_counts.version()}:{scope}:{today.isoformat()}"


def figures(units, roots: list[OrgUnit], today: datetime.date, key: str = "") -> Figures:
    """The scope's figures from the cache, counted when missing."""
    key = key or figures_key(roots, today)
    found = cache.get(key)
    if found is None:
        found = count_figures(units, roots, today)
        cache.set(key, found, FIGURES_TIMEOUT)
    return found


def _distribution(key: str, title: str, heading: str, rows: list[dict]) -> Table:
    """A count per category, with its share and a bar per category."""
    total = sum(r["count"] for r in rows)
    return Table(
        key=key,
        title=title,
        columns=[heading, _("Members"), pgettext("proportion of the total", "Share")],
        rows=[[str(r["label"]), r["count"], _share(r["count"], total)] for r in rows],
        total=[_("Total"), total, _share(total, total)],
        chart_title=_("%(title)s: members on the roll") % {"title": title},
        bars=[{"label": str(r["label"]), "value": r["count"]} for r in rows],
        chart_max=max((r["count"] for r in rows), default=0),
    )


def _unit_heading(f: Figures) -> str:
    return _("Unit") if f.grouped else _("Branch")


def stage_table(f: Figures) -> Table:
    return _distribution("stage", _("Members by stage"), _("Stage"), f.stage)


def gender_table(f: Figures) -> Table:
    return _distribution("gender", _("Members by gender"), _("Gender"), f.gender)


def age_table(f: Figures) -> Table:
    table = _distribution("age", _("Members by age"), _("Age"), f.age)
    table.note = _("Age on %(date)s.") % {"date": date_format(f.today, "DATE_FORMAT")}
    return table


def education_table(f: Figures) -> Table:
    return _distribution("education", _("Members by education"), _("Education"), f.education)


def branch_table(f: Figures) -> Table:
    rows = f.rows
    return Table(
        key="branches",
        title=_("Members by unit") if f.grouped else _("Members by branch"),
        columns=[
            _unit_heading(f),
            _("Members"),
            _("Party members"),
            _("Applicants to candidates"),
        ],
        rows=[[r.label, r.member_count, r.party_count, r.pipeline_count] for r in rows],
        links=[r.link for r in rows],
        total=[
            _("Total"),
            sum(r.member_count for r in rows),
            sum(r.party_count for r in rows),
            sum(r.pipeline_count for r in rows),
        ],
        chart_title=_("Members on the roll in each unit")
        if f.grouped
        else _("Members on the roll in each branch"),
        bars=[{"label": r.label, "value": r.member_count} for r in rows],
        chart_max=max((r.member_count for r in rows), default=0),
        note=_("Party members are probationary and full members."),
    )


def coverage_table(f: Figures) -> Table:
    rows = f.rows
    members = sum(r.member_count for r in rows)
    logins = sum(r.login_count for r in rows)
    return Table(
        key="coverage",
        title=_("Portal coverage"),
        columns=[_unit_heading(f), _("Members"), _("With a login"), _("Coverage")],
        rows=[[r.label, r.member_count, r.login_count, f"{r.coverage}%"] for r in rows],
        links=[r.link for r in rows],
        total=[
            _("Total"),
            members,
            logins,
            f"{member_stats.coverage(logins, members)}%",
        ],
        chart_title=_("Share of members with a portal login, per unit")
        if f.grouped
        else _("Share of members with a portal login, per branch"),
        bars=[{"label": r.label, "value": r.coverage, "display": f"{r.coverage}%"} for r in rows],
        chart_max=100,
        chart_end="lowest",
        note=_("Members on the roll who have a login to the portal."),
    )


def study_table(f: Figures) -> Table:
    months = f.months
    month_labels = [date_format(m, "YEAR_MONTH_FORMAT") for m in months]
    rows = [[r.label, *r.done, sum(r.done), r.learners, r.login_count] for r in f.rows]
    totals = f.month_totals
    return Table(
        key="study",
        title=_("Study completion"),
        columns=[_unit_heading(f), *month_labels, _("Total"), _("Learners"), _("With a login")],
        rows=rows,
        links=[r.link for r in f.rows],
        total=[
            _("Total"),
            *totals,
            sum(totals),
            sum(row[-2] for row in rows),
            sum(r.login_count for r in f.rows),
        ],
        chart_title=_("Lessons learned each month, all branches"),
        bars=[{"label": label, "value": n} for label, n in zip(month_labels, totals, strict=True)],
        chart_max=max(totals, default=0),
        note=_(
            "Lessons marked learned by the branch's members in each of the last %(months)s "
            "months; learners are the members who learned at least one lesson in that time."
        )
        % {"months": len(months)},
    )


def banner_table(f: Figures) -> Table:
    quarters = f.quarters
    rows = [[r.label, *r.banners, r.own_banners, r.member_banners] for r in f.rows]
    bars = [{"label": r.label, "value": r.own_banners + r.member_banners} for r in f.rows]
    return Table(
        key="banners",
        title=_("Red banners over the quarters"),
        columns=[
            _unit_heading(f),
            *[_("%(year)s Q%(quarter)s") % {"year": y, "quarter": q} for y, q in quarters],
            _("Branch banners"),
            _("Member banners"),
        ],
        rows=rows,
        links=[r.link for r in f.rows],
        total=[
            _("Total"),
            *[sum(row[i + 1] for row in rows) for i in range(len(quarters))],
            sum(row[-2] for row in rows),
            sum(row[-1] for row in rows),
        ],
        chart_title=_("Red banners won by each unit and its members")
        if f.grouped
        else _("Red banners won by each branch and its members"),
        bars=bars,
        chart_max=max((bar["value"] for bar in bars), default=0),
        note=_(
            "Banners from published appraisals: the branch's own red banner and those of its "
            "members, in the quarter they were awarded."
        ),
    )


TABLES = {
    "stage": stage_table,
    "gender": gender_table,
    "age": age_table,
    "education": education_table,
    "branches": branch_table,
    "coverage": coverage_table,
    "study": study_table,
    "banners": banner_table,
}
TITLE = gettext_lazy("Statistics")


def _scope(request):
    """The units an organiser may count: their subtree (everything for a superuser), or the
    subtree of one unit in it (`?unit=`); and the scope's top units."""
    access = access_for(request.user)
    if not access.is_organiser:
        raise Http404
    units = access.organised_units()
    roots = list(access.organiser_units)
    if access.is_superuser:
        roots = list(OrgUnit.objects.filter(parent__isnull=True))
    narrowed = request.GET.get("unit")
    if narrowed:
        if not (narrowed.isascii() and narrowed.isdigit()):  # "²".isdigit() is true
            raise Http404
        unit = units.filter(pk=int(narrowed)).first()
        if unit is None:
            raise Http404
        units = OrgUnit.objects.filter(path__startswith=unit.path)
        roots = [unit]
    return access, units, roots


# Each process also keeps the last few drawn pages of tables (a province's are 185 KB, read
# from Redis and unpickled on every visit otherwise), under the same key, which holds the
# member-counts token and the day, and no longer than their figures are kept. Only with a
# cache every process shares, like the per-person parts: a per-process cache is as near.
_drawn: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
DRAWN_KEEP = 16
_drawn_lock = threading.Lock()


def _drawn_tables(html_key: str, draw) -> tuple[datetime.datetime, str]:
    now = time.monotonic()
    hit = _drawn.get(html_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = cache.get(html_key)
    if found is None:
        found = draw()
        cache.set(html_key, found, FIGURES_TIMEOUT)
    if person_cache_enabled():
        age = (timezone.now() - found[0]).total_seconds()
        with _drawn_lock:  # gunicorn's threads share the dict
            _drawn[html_key] = (now + FIGURES_TIMEOUT - age, found)
            _drawn.move_to_end(html_key)
            while len(_drawn) > DRAWN_KEEP:
                _drawn.popitem(last=False)
    return found


def dashboard(request):
    access, units, roots = _scope(request)
    today = timezone.localdate()
    key = figures_key(roots, today)

    def tables() -> list[Table]:
        counted = figures(units, roots, today, key)
        return [make(counted) for make in TABLES.values()]

    narrowed = roots[0] if request.GET.get("unit") else None
    query = f"?unit={narrowed.pk}" if narrowed else ""
    # The tables and charts of a province run to hundreds of rows: their HTML is kept beside
    # the figures it was drawn from, under the same key, once per language, with the time
    # they were counted; a page served from it reads neither the figures nor the tables.
    html_key = f"{key}:page:{get_language()}:{query}"

    def draw() -> tuple[datetime.datetime, str]:
        counted_at = figures(units, roots, today, key).counted_at
        html = render_to_string(
            "stats/_tables.html", {"tables": tables(), "query": query}, request=None
        )
        return counted_at, html

    counted_at, tables_html = _drawn_tables(html_key, draw)
    scope = [narrowed] if narrowed else (access.organiser_units if not access.is_superuser else [])
    return render(
        request,
        "stats/dashboard.html",
        {
            "tables": SimpleLazyObject(tables),  # for a template that wants the figures
            "tables_html": mark_safe(tables_html),
            "today": today,
            "scope": scope,
            "narrowed": narrowed,
            "counted_at": counted_at,
            "refresh_minutes": FIGURES_TIMEOUT // 60,
            "title": TITLE,
        },
    )


def export(request, key: str):
    make = TABLES.get(key)
    if make is None:
        raise Http404
    _access, units, roots = _scope(request)
    today = timezone.localdate()
    table = make(figures(units, roots, today))
    response = HttpResponse(workbook(table, today), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="stats-{key}-{today:%Y%m%d}.xlsx"'
    return response


def workbook(table: Table, today: datetime.date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.key
    sheet.append([escape_formula(str(table.title))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([escape_formula(_("As of %(date)s") % {"date": today.isoformat()})])
    sheet.append([escape_formula(str(c)) for c in table.columns])
    for heading in sheet[3]:
        heading.font = Font(bold=True)
    for row in table.rows:
        sheet.append([escape_formula(v) for v in row])
    if table.total:
        sheet.append([escape_formula(v) for v in table.total])
        for total in sheet[sheet.max_row]:
            total.font = Font(bold=True)
    if table.note:
        sheet.append([])
        sheet.append([escape_formula(str(table.note))])
    sheet.column_dimensions["A"].width = 24
    sheet.freeze_panes = "B4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
