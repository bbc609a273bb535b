"""Reading results: the ranking table, its SVG bar chart, the XLSX export and the banner wall.

All of it reads `Result` rows (written by `services.results_compute`), so the page, the print
page and the spreadsheet show the same totals; a page of the ranking and its holders are read
by the ranking's indexes (`result_ranking`, `result_holders`). The wall reads the kept
banners (`Banner`, with their streaks), never the results. Each reader takes a fixed number
of queries whatever the number of subjects.
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Font

from members.spreadsheets import escape_formula

from .models import Adjustment, Banner, Campaign, Correction, Result, Score, Story

CHART_ROWS = 20  # the chart shows the top of the ranking; the table shows everyone
RESULTS_PER_PAGE = 50  # a provincial ranking lists thousands of branches
WALL_CAMPAIGNS = 12  # campaigns on a page of the banner wall (a province has thousands)
# What a ranking row shows: no member row (the name is the result's), the branch's names.
RESULT_FIELDS = (
    "campaign_id",
    "sheet_id",
    "unit_id",
    "member_id",
    "subject_name",
    "total",
    "rank",
    "is_banner_holder",
    "manual_award",
    "award_reason",
    "unit__name",
    "unit__short_name",
)
CHART_WIDTH = 420
CHART_LABEL = 120
CHART_VALUE = 56
CHART_BAR = 22
CHART_GAP = 8


def url_of(name: str):
    """A function id -> the URL of `name` for that id, reversed once: a ranking of thousands
    of rows links each to its branch or story."""
    placeholder = "999999999"
    head, _sep, tail = reverse(name, args=[placeholder]).partition(placeholder)
    return lambda pk: f"{head}{pk}{tail}"


def _rows(
    campaign: Campaign, criteria: list, results: list[Result], *, whole: bool, draw: bool = True
) -> tuple:
    """The table rows of `results` with their points, adjustments, corrections and stories,
    in four queries: for the whole ranking by campaign, for a page by its sheets."""
    sheets = (
        {"sheet__campaign": campaign} if whole else {"sheet_id__in": [r.sheet_id for r in results]}
    )
    points: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for sheet_id, criterion_id, value in Score.objects.filter(**sheets).values_list(
        "sheet_id", "criterion_id", "points"
    ):
        points[sheet_id][criterion_id] = value
    adjustments: dict[int, Decimal] = defaultdict(Decimal)
    for sheet_id, kind, value in Adjustment.objects.filter(**sheets).values_list(
        "sheet_id", "kind", "points"
    ):
        adjustments[sheet_id] += value if kind == Adjustment.Kind.BONUS else -value
    of_results = (
        {"result__campaign": campaign} if whole else {"result_id__in": [r.pk for r in results]}
    )
    corrections: dict[int, list[Correction]] = defaultdict(list)
    for correction in Correction.objects.filter(**of_results).select_related("criterion"):
        corrections[correction.result_id].append(correction)
    holders = [r.member_id for r in results if r.is_banner_holder and r.member_id]
    stories: dict[int, dict] = {}
    for story in (
        Story.objects.published()
        .filter(member_id__in=holders)
        .order_by("published_at")
        .values("pk", "member_id", "title")
    ):
        stories[story["member_id"]] = story  # the latest one wins
    drawer = _RowDrawer(campaign) if draw else None
    rows = []
    for result in results:
        sheet_points = points.get(result.sheet_id, {})
        row = {
            "result": result,
            "points": [sheet_points.get(c.pk) for c in criteria],
            "adjustment": adjustments.get(result.sheet_id, Decimal("0")),
            "corrections": corrections.get(result.pk, []),
            "story": stories.get(result.member_id) if result.member_id else None,
        }
        if drawer is not None:
            row["html"] = drawer(row)
        rows.append(row)
    return rows, bool(corrections)


class _RowDrawer:
    """A ranking row's markup (templates/campaigns/_table.html lays out the table around
    them). Written out here, every value escaped, rather than by the template: a page has
    fifty rows of ten cells and the printable page thousands, and the template's tags for
    each cell were most of the page's time."""

    def __init__(self, campaign: Campaign):
        self.members = campaign.kind == Campaign.Kind.MEMBERS
        self.unit_url, self.story_url = url_of("members:unit"), url_of("campaigns:story")
        self.banner = escape(_("Red banner"))
        self.story = escape(_("Story"))
        self.corrected = _("Corrected %(date)s: %(criterion)s %(old)s → %(new)s")

    def __call__(self, row: dict) -> str:
        result = row["result"]
        name = escape(result.subject_name)
        if result.member_id is None:
            name = f'<a href="{self.unit_url(result.unit_id)}">{name}</a>'
        if row["story"] is not None:
            story = row["story"]
            name += (
                f'<br><a class="small" href="{self.story_url(story["pk"])}">'
                f"{self.story}: {escape(story['title'])}</a>"
            )
        cells = [
            f'<td class="num">{result.rank}</td>',
            f'<th scope="row">{name}</th>',
        ]
        if self.members:
            cells.append(f"<td>{escape(result.unit.label)}</td>")
        cells += [f'<td class="num">{_num(value)}</td>' for value in row["points"]]
        cells.append(f'<td class="num">{row["adjustment"] or "–"}</td>')
        cells.append(f'<td class="num total">{result.total}</td>')
        notes = ""
        if result.is_banner_holder:
            notes = f'<span class="badge banner-badge">★ {self.banner}</span>'
            if result.manual_award:
                notes += f'<br><span class="muted small">{escape(result.award_reason)}</span>'
        for c in row["corrections"]:
            text = self.corrected % {
                "date": timezone.localtime(c.created_at).strftime("%Y-%m-%d"),
                "criterion": c.criterion.name,
                "old": _num(c.old_points),
                "new": c.new_points,
            }
            notes += (
                f'<br><span class="correction small">{escape(text)} ({escape(c.reason)})</span>'
            )
        cells.append(f"<td>{notes}</td>")
        holder = ' class="holder"' if result.is_banner_holder else ""
        return mark_safe(f'<tr id="result-{result.pk}"{holder}>{"".join(cells)}</tr>')


def _num(value: Decimal | None) -> str:
    """A figure as the template would write it (no thousands separator), without its
    localisation per cell: a ranking page has hundreds of cells."""
    return "–" if value is None else str(value)


def _ranked(campaign: Campaign):
    return (
        campaign.results.select_related("unit")
        .only(*RESULT_FIELDS)
        .order_by("rank", "subject_name", "pk")
    )


def results_table(campaign: Campaign, *, draw: bool = True) -> dict:
    """The whole ranking (print page; XLSX without drawing the rows)."""
    criteria = list(campaign.criteria.all())
    results = list(_ranked(campaign))
    rows, any_corrections = _rows(campaign, criteria, results, whole=True, draw=draw)
    return {
        "criteria": criteria,
        "rows": rows,
        "chart": chart(results[:CHART_ROWS]),
        "holders": [r for r in results if r.is_banner_holder],
        "subjects": len(results),
        "any_corrections": any_corrections,
    }


def results_page(campaign: Campaign, number) -> dict:
    """One page of the ranking (RESULTS_PER_PAGE rows), with the chart of the top ranks and
    every banner holder, in a fixed number of queries whatever the campaign's size."""
    criteria = list(campaign.criteria.all())
    page = Paginator(_ranked(campaign), RESULTS_PER_PAGE).get_page(number)
    results = list(page.object_list)
    rows, any_corrections = _rows(campaign, criteria, results, whole=False)
    top = results[:CHART_ROWS] if page.number == 1 else list(_ranked(campaign)[:CHART_ROWS])
    return {
        "criteria": criteria,
        "rows": rows,
        "page": page,
        "chart": chart(top),
        "holders": list(_ranked(campaign).filter(is_banner_holder=True)),
        "subjects": page.paginator.count,
        "any_corrections": any_corrections,
    }


def result_of(campaign: Campaign, member) -> Result | None:
    """The viewer's own row: their result in a members' campaign, their branch's otherwise."""
    if member is None:
        return None
    if campaign.kind == Campaign.Kind.MEMBERS:
        mine = campaign.results.filter(member_id=member.pk)
    else:
        mine = campaign.results.filter(unit_id=member.unit_id, member__isnull=True)
    return mine.order_by("rank", "subject_name", "pk").first()


def page_of(result: Result) -> int:
    """The page of the ranking that lists `result` (the order of `_ranked`)."""
    before = result.campaign.results.filter(
        Q(rank__lt=result.rank)
        | Q(rank=result.rank, subject_name__lt=result.subject_name)
        | Q(rank=result.rank, subject_name=result.subject_name, pk__lt=result.pk)
    ).count()
    return before // RESULTS_PER_PAGE + 1


def chart(results: list[Result]) -> dict:
    """Geometry of a horizontal bar chart drawn as SVG by the template: bar widths scale to
    the highest total; numbers are written beside the bars."""
    top = max((r.total for r in results), default=Decimal("0"))
    span = CHART_WIDTH - CHART_LABEL - CHART_VALUE
    bars = []
    for index, result in enumerate(results):
        y = index * (CHART_BAR + CHART_GAP)
        width = max(round(float(result.total / top) * span), 0) if top > 0 else 0
        bars.append(
            {
                "y": y,
                "text_y": y + CHART_BAR // 2 + 5,
                "width": max(width, 1 if result.total > 0 else 0),
                "value_x": CHART_LABEL + max(width, 0) + 6,
                "label": result.subject_name if result.member_id else result.unit.label,
                "total": result.total,
                "holder": result.is_banner_holder,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(len(bars) * (CHART_BAR + CHART_GAP) - CHART_GAP, 0),
        "label_x": CHART_LABEL - 6,
        "bar_x": CHART_LABEL,
        "bar_height": CHART_BAR,
    }


def _row(*values) -> list:
    return [escape_formula(value) for value in values]


def xlsx_workbook(campaign: Campaign, table: dict) -> bytes:
    """The ranking as a workbook. A campaign not yet published is marked as a preview in
    the sheet's title and in a first line above everything else."""
    book = Workbook()
    sheet = book.active
    line = 1
    if campaign.is_published:
        sheet.title = _("Results")[:31]
    else:
        sheet.title = _("Preview")[:31]
        sheet.append(_row(_("Not published — preview")))
        sheet["A1"].font = Font(bold=True, size=14, color="C00000")
        line = 2
    sheet.append(_row(str(campaign)))
    sheet[f"A{line}"].font = Font(bold=True, size=14)
    header = [_("Rank"), _("Subject"), _("Branch")]
    header += [f"{c.name} ({c.max_points.normalize():f})" for c in table["criteria"]]
    header += [_("Bonus and deduction"), _("Total"), _("Banner")]
    sheet.append(_row(*header))
    for cell in sheet[line + 1]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        result = row["result"]
        sheet.append(
            _row(
                result.rank,
                result.subject_name,
                result.unit.name,
                *[float(p) if p is not None else None for p in row["points"]],
                float(row["adjustment"]),
                float(result.total),
                _("Red banner") if result.is_banner_holder else "",
            )
        )
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 24
    sheet.freeze_panes = f"A{line + 2}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the banner wall --------------------------------------------------------------------------
def banner_wall_rows(campaigns: list[Campaign]) -> list[dict]:
    """For each kind: one row per campaign of `campaigns` (newest first) with its holders,
    drawn, and their streaks, from the kept banners (one query)."""
    holders: dict[int, list[str]] = defaultdict(list)
    unit_url = url_of("members:unit")
    for campaign_id, unit_id, member_id, name, streak, unit_name, short_name in (
        Banner.objects.filter(campaign__in=[c.pk for c in campaigns])
        .order_by("campaign_id", "rank", "subject_name", "id")
        .values_list(
            "campaign_id",
            "unit_id",
            "member_id",
            "subject_name",
            "streak",
            "unit__name",
            "unit__short_name",
        )
    ):
        holders[campaign_id].append(
            _holder_line(unit_url, unit_id, member_id, name, streak, short_name or unit_name)
        )
    kinds = []
    for kind, label in Campaign.Kind.choices:
        quarters = [
            {"campaign": campaign, "holders": mark_safe("".join(holders[campaign.pk]))}
            for campaign in campaigns
            if campaign.kind == kind
        ]
        kinds.append({"kind": kind, "label": label, "quarters": quarters})
    return kinds


def _holder_line(unit_url, unit_id, member_id, name, streak, unit_label) -> str:
    """One holder on the wall: a branch links to its page, a member names their branch; a
    streak of two quarters or more gets its badge. Written out here rather than by the
    template (every value escaped): a page of the wall lists hundreds of holders, and the
    template's tags for each were most of its time."""
    if member_id is None:
        who = f'<a href="{unit_url(unit_id)}">{escape(name)}</a>'
    else:
        who = f'{escape(name)} <span class="muted small">{escape(unit_label)}</span>'
    badge = ""
    if streak > 1:
        text = ngettext("%(counter)s quarter in a row", "%(counter)s quarters in a row", streak) % {
            "counter": streak
        }
        badge = f' <span class="badge streak">{escape(text)}</span>'
    return f'<li><span class="banner-flag" aria-hidden="true">★</span> {who}{badge}</li>'
