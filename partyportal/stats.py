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
one row per unit directly under the organiser's unit (each county), added up by the database,
and each such row links to the same dashboard narrowed to that unit (`?unit=`). A per-unit
chart longer than `CHART_MAX_BARS` draws only its highest (or, for coverage, lowest) bars;
the table keeps all.

Nothing is cached: member figures are the rows kept per unit (members.figures), study and
banners the lessons' and campaigns' own kept tables, read on every visit.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from html import escape

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns import stats as campaign_stats
from lessons import stats as lesson_stats
from members import stats as member_stats
from members.models import OrgUnit
from members.scoping import access_for
from members.spreadsheets import escape_formula

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BRANCH_ROWS = 40
CHART_MAX_BARS = 20


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
    def body_html(self) -> str:
        """The rows as HTML, written out here rather than a template tag per cell: a
        province's tables have some 4,000 cells, which took most of the page's time. Every
        value is escaped; numbers are written as the template wrote them (no grouping)."""
        lines = []
        for link, row in self.linked_rows:
            label = escape(str(row[0]))
            if link:
                label = f'<a href="{escape(link)}">{label}</a>'
            cells = "".join(
                f'<td class="num">{value if isinstance(value, int) else escape(str(value))}</td>'
                for value in row[1:]
            )
            lines.append(f'<tr><th scope="row">{label}</th>{cells}</tr>')
        return mark_safe("\n".join(lines))  # escaped above

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
    """Everything the tables show for one scope, counted by the database."""

    today: datetime.date
    stage: list[dict]
    gender: list[dict]
    age: list[dict]
    education: list[dict]
    rows: list[Row]
    grouped: bool
    months: list[datetime.date]
    month_totals: list[int]
    quarters: list[tuple[int, int]]


def _rows(units, roots: list[OrgUnit]) -> tuple[list[Row], bool, dict[int, Row]]:
    """A row per branch, or, with more than MAX_BRANCH_ROWS branches, a row per unit directly
    under the scope's top units (a branch directly under one is a row of its own), its
    member figures added up by the database; and which row each branch belongs to."""
    branches = list(member_stats.branches(units).values_list("pk", "path"))
    if len(branches) <= MAX_BRANCH_ROWS:
        rows = {}
        for b in member_stats.by_branch(units):
            rows[b.pk] = Row(
                pk=b.pk,
                label=b.label,
                member_count=b.member_count,
                party_count=b.party_count,
                login_count=b.login_count,
            )
        return list(rows.values()), False, rows
    groups = [g for root in roots for g in member_stats.by_branch_under(root)]
    heads = {
        u.path: u
        for u in OrgUnit.objects.filter(path__in=[g["path"] for g in groups]).only(
            "name", "short_name", "kind", "path"
        )
    }
    rows_by_path: dict[str, Row] = {}
    url = reverse("stats")
    for group in groups:
        head = heads[group["path"]]
        link = None
        if head.kind != OrgUnit.Kind.BRANCH:
            link = f"{url}?unit={head.pk}"
        rows_by_path[head.path] = Row(
            pk=head.pk,
            label=head.label,
            member_count=group["member_count"] or 0,
            party_count=group["party_count"] or 0,
            login_count=group["login_count"] or 0,
            link=link,
        )
    # Each branch's row: the one at its path cut to a row's length (one or two lengths).
    lengths = sorted({len(path) for path in rows_by_path})
    owner = {}
    for pk, path in branches:
        for length in lengths:
            row = rows_by_path.get(path[:length])
            if row is not None:
                owner[pk] = row
                break
    return list(rows_by_path.values()), True, owner


def count_figures(units, roots: list[OrgUnit], today: datetime.date) -> Figures:
    rows, grouped, owner = _rows(units, roots)
    branches = member_stats.branches(units)
    study = lesson_stats.completions_by_branch_month(branches, today)
    banners = campaign_stats.banners_by_branch_quarter(branches)
    months, quarters = study["months"], banners["quarters"]
    month_index = {m: i for i, m in enumerate(months)}
    quarter_index = {q: i for i, q in enumerate(quarters)}
    for row in rows:
        row.done = [0] * len(months)
        row.banners = [0] * len(quarters)
    # The other apps answer per branch: each branch's figures go to its row.
    for (branch, month), n in study["cells"].items():
        row = owner.get(branch)
        if row is not None and month in month_index:
            row.done[month_index[month]] += n
    for branch, n in study["learners"].items():
        row = owner.get(branch)
        if row is not None:
            row.learners += n
    for (branch, quarter), cell in banners["cells"].items():
        row = owner.get(branch)
        if row is not None and quarter in quarter_index:
            row.banners[quarter_index[quarter]] += sum(cell.values())
    for branch, cell in banners["totals"].items():
        row = owner.get(branch)
        if row is not None:
            row.own_banners += cell["branch"]
            row.member_banners += cell["members"]
    members = member_stats.totals(units, today)
    return Figures(
        today=today,
        stage=member_stats.stage_rows(members),
        gender=member_stats.gender_rows(members),
        age=member_stats.age_rows(members),
        education=member_stats.education_rows(members),
        rows=rows,
        grouped=grouped,
        months=months,
        month_totals=[study["totals"].get(m, 0) for m in months],
        quarters=quarters,
    )


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


def dashboard(request):
    access, units, roots = _scope(request)
    today = timezone.localdate()
    figures = count_figures(units, roots, today)
    narrowed = roots[0] if request.GET.get("unit") else None
    scope = [narrowed] if narrowed else (access.organiser_units if not access.is_superuser else [])
    return render(
        request,
        "stats/dashboard.html",
        {
            "tables": [make(figures) for make in TABLES.values()],
            "query": f"?unit={narrowed.pk}" if narrowed else "",
            "today": today,
            "scope": scope,
            "narrowed": narrowed,
            "title": TITLE,
        },
    )


def export(request, key: str):
    make = TABLES.get(key)
    if make is None:
        raise Http404
    _access, units, roots = _scope(request)
    today = timezone.localdate()
    table = make(count_figures(units, roots, today))
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
