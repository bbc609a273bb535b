"""A study plan's progress as an XLSX workbook (openpyxl): one sheet of branches, one of
members. Text cells that a spreadsheet would run as a formula are written as text."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from members.spreadsheets import escape_formula

from .progress import percent


def _row(*values) -> list:
    return [escape_formula(value) for value in values]


def progress_workbook(plan, total: int, branches, members) -> bytes:
    """`branches`: lessons.progress.branch_rows; `members`: rows of progress.member_rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Branches")[:31]
    sheet.append(_row(plan.title))
    sheet.append(_row(_("Due on"), plan.due_on.isoformat(), _("Lessons"), total))
    sheet.append([])
    sheet.append(
        _row(
            _("Branch"),
            _("Members"),
            _("Lessons learned"),
            _("Completion rate (%)"),
            _("Members who finished"),
        )
    )
    for row in branches:
        sheet.append(
            _row(
                row["name"],
                row["member_count"],
                row["lesson_done"],
                percent(row["lesson_done"], row["member_count"] * total),
                row["finished_count"],
            )
        )
    people = book.create_sheet(_("Members")[:31])
    people.append(
        _row(_("Branch"), _("Name"), _("Lessons learned"), _("Lessons"), _("Progress (%)"))
    )
    for member in members:
        people.append(
            _row(
                member["unit__name"],
                member["name"],
                member["lesson_done"],
                total,
                percent(member["lesson_done"], total),
            )
        )
    for ws in (sheet, people):
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
