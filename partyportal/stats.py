"""The statistics dashboard (数据看板) and its XLSX exports, for organisers within their scope.

The figures come from each app's `stats` module (members, lessons, campaigns), which count in
the database; this module only lays them out as `Table`s: a title, column headings, rows, a
total row and a bar chart. The page and the spreadsheets are built from the same `Table`, so
they always agree. Anyone who is not an organiser (or a superuser) gets a 404: branch officers
follow their branch on the lessons' progress pages and in the admin.

Query count: each table is a fixed number of grouped queries whatever the number of members,
branches or records (see tests/test_stats_queries.py).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns import stats as campaign_stats
from lessons import stats as lesson_stats
from members import stats as member_stats
from members.scoping import access_for
from members.spreadsheets import escape_formula

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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

    @property
    def chart(self) -> dict:
        return {"title": self.chart_title, "bars": self.bars, "max": self.chart_max}


def _share(count: int, total: int) -> str:
    return f"{count * 100 / total:.1f}%" if total else "–"


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


def stage_table(units, today) -> Table:
    return _distribution("stage", _("Members by stage"), _("Stage"), member_stats.by_stage(units))


def gender_table(units, today) -> Table:
    return _distribution(
        "gender", _("Members by gender"), _("Gender"), member_stats.by_gender(units)
    )


def age_table(units, today) -> Table:
    table = _distribution(
        "age", _("Members by age"), _("Age"), member_stats.by_age_band(units, today)
    )
    table.note = _("Age on %(date)s.") % {"date": date_format(today, "DATE_FORMAT")}
    return table


def education_table(units, today) -> Table:
    return _distribution(
        "education", _("Members by education"), _("Education"), member_stats.by_education(units)
    )


def branch_table(units, today, branches=None) -> Table:
    branches = branches if branches is not None else member_stats.by_branch(units)
    return Table(
        key="branches",
        title=_("Members by branch"),
        columns=[_("Branch"), _("Members"), _("Party members"), _("Applicants to candidates")],
        rows=[[b.label, b.member_count, b.party_count, b.pipeline_count] for b in branches],
        total=[
            _("Total"),
            sum(b.member_count for b in branches),
            sum(b.party_count for b in branches),
            sum(b.pipeline_count for b in branches),
        ],
        chart_title=_("Members on the roll in each branch"),
        bars=[{"label": b.label, "value": b.member_count} for b in branches],
        chart_max=max((b.member_count for b in branches), default=0),
        note=_("Party members are probationary and full members."),
    )


def coverage_table(units, today, branches=None) -> Table:
    branches = branches if branches is not None else member_stats.by_branch(units)
    members = sum(b.member_count for b in branches)
    logins = sum(b.login_count for b in branches)
    return Table(
        key="coverage",
        title=_("Portal coverage"),
        columns=[_("Branch"), _("Members"), _("With a login"), _("Coverage")],
        rows=[[b.label, b.member_count, b.login_count, f"{b.coverage}%"] for b in branches],
        total=[
            _("Total"),
            members,
            logins,
            f"{member_stats.coverage(logins, members)}%",
        ],
        chart_title=_("Share of members with a portal login, per branch"),
        bars=[
            {"label": b.label, "value": b.coverage, "display": f"{b.coverage}%"} for b in branches
        ],
        chart_max=100,
        note=_("Members on the roll who have a login to the portal."),
    )


def study_table(units, today, branches=None) -> Table:
    branches = branches if branches is not None else member_stats.by_branch(units)
    figures = lesson_stats.completions_by_branch_month(member_stats.branches(units), today)
    months = figures["months"]
    cells, learners = figures["cells"], figures["learners"]
    month_labels = [date_format(m, "YEAR_MONTH_FORMAT") for m in months]
    rows = []
    for b in branches:
        done = [cells.get((b.pk, m), 0) for m in months]
        rows.append([b.label, *done, sum(done), learners.get(b.pk, 0), b.login_count])
    totals = [figures["totals"].get(m, 0) for m in months]
    return Table(
        key="study",
        title=_("Study completion"),
        columns=[_("Branch"), *month_labels, _("Total"), _("Learners"), _("With a login")],
        rows=rows,
        total=[
            _("Total"),
            *totals,
            sum(totals),
            sum(learners.get(b.pk, 0) for b in branches),
            sum(b.login_count for b in branches),
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


def banner_table(units, today, branches=None) -> Table:
    branches = branches if branches is not None else member_stats.by_branch(units)
    figures = campaign_stats.banners_by_branch_quarter(member_stats.branches(units))
    quarters, cells, totals = figures["quarters"], figures["cells"], figures["totals"]
    empty = {"branch": 0, "members": 0}
    rows, bars = [], []
    for b in branches:
        per_quarter = []
        for q in quarters:
            cell = cells.get((b.pk, q), empty)
            per_quarter.append(cell["branch"] + cell["members"])
        total = totals.get(b.pk, empty)
        rows.append([b.label, *per_quarter, total["branch"], total["members"]])
        bars.append({"label": b.label, "value": total["branch"] + total["members"]})
    return Table(
        key="banners",
        title=_("Red banners over the quarters"),
        columns=[
            _("Branch"),
            *[_("%(year)s Q%(quarter)s") % {"year": y, "quarter": q} for y, q in quarters],
            _("Branch banners"),
            _("Member banners"),
        ],
        rows=rows,
        total=[
            _("Total"),
            *[sum(r[i + 1] for r in rows) for i in range(len(quarters))],
            sum(r[-2] for r in rows),
            sum(r[-1] for r in rows),
        ],
        chart_title=_("Red banners won by each branch and its members"),
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
BRANCH_TABLES = {"branches", "coverage", "study", "banners"}
TITLE = gettext_lazy("Statistics")


def _scope(request):
    """The units an organiser may count: their subtree (everything for a superuser)."""
    access = access_for(request.user)
    if not access.is_organiser:
        raise Http404
    return access, access.organised_units()


def dashboard(request):
    access, units = _scope(request)
    today = timezone.localdate()
    branches = member_stats.by_branch(units)  # shared by the four tables per branch
    tables = [
        make(units, today, branches=branches) if key in BRANCH_TABLES else make(units, today)
        for key, make in TABLES.items()
    ]
    scope = access.organiser_units if not access.is_superuser else []
    return render(
        request,
        "stats/dashboard.html",
        {"tables": tables, "today": today, "scope": scope, "title": TITLE},
    )


def export(request, key: str):
    make = TABLES.get(key)
    if make is None:
        raise Http404
    _access, units = _scope(request)
    today = timezone.localdate()
    table = make(units, today)
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
