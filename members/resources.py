"""Member spreadsheets: the columns of the import template and of the export, and the import.

`MemberResource` (django-import-export) maps a spreadsheet row to a `Member`. It is built for
one person (`access`): units are looked up by name among the units that person keeps (one
query for the whole file), sensitive columns are masked on export unless the person may see
them, and rows outside their scope cannot be written.

`member_import` runs the whole file in one transaction. A dry run reports every bad row with
its spreadsheet row number and reasons; a real run writes all rows (with a history entry
each) or, if any row is bad, nothing at all.

The column headers are Chinese: they are the file format the organisation's forms use, the
same in either interface language. English headers are accepted on import as aliases.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from .models import Member, OrgUnit
from .scoping import Access, mask
from .spreadsheets import escape_formula

# (model attribute, header in the file, English alias accepted on import)
COLUMNS = [
    ("name", "姓名", "name"),
    ("unit", "所在党支部", "unit"),
    ("gender", "性别", "gender"),
    ("ethnicity", "民族", "ethnicity"),
    ("birth_date", "出生日期", "birth date"),
    ("native_place", "籍贯", "native place"),
    ("education", "学历", "education"),
    ("id_number", "身份证号", "ID number"),
    ("phone", "手机号码", "phone"),
    ("home_address", "家庭住址", "home address"),
    ("department", "部门", "department"),
    ("job_title", "岗位", "job title"),
    ("stage", "党员类别", "stage"),
    ("applied_on", "申请入党日期", "applied on"),
    ("activist_on", "确定积极分子日期", "activist since"),
    ("candidate_on", "确定发展对象日期", "candidate since"),
    ("probationary_on", "入党日期", "admitted as probationary member on"),
    ("full_on", "转正日期", "full member since"),
]
EXPORT_ONLY_COLUMNS = [("status", "状态"), ("status_changed_on", "状态变更日期")]
HEADERS = {attr: header for attr, header, _alias in COLUMNS}
REQUIRED_HEADERS = [HEADERS["name"], HEADERS["unit"], HEADERS["gender"], HEADERS["stage"]]
TEXT_COLUMNS = ("id_number", "phone")  # kept as text in spreadsheets: no 1.3e17 ID numbers
ERROR_HEADER = "错误原因"
MAX_ROWS = 5000

EXAMPLE_ROW = {
    "name": "张三",
    "unit": "机关第一党支部",
    "gender": "男",
    "ethnicity": "汉族",
    "birth_date": "1990-05-01",
    "native_place": "河北清河",
    "education": "大学本科",
    "id_number": "130534199005010012",
    "phone": "13800000000",
    "home_address": "清河县城关镇建设路1号",
    "department": "办公室",
    "job_title": "专责",
    "stage": "正式党员",
    "applied_on": "2012-03-01",
    "activist_on": "2012-09-01",
    "candidate_on": "2013-06-01",
    "probationary_on": "2013-07-01",
    "full_on": "2014-07-01",
}


def _labels_in_all_languages(choices) -> dict[str, str]:
    """Map each value, and its label in Chinese and in English, to the stored value."""
    lookup: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in choices:
                lookup[str(label).strip().lower()] = value
    for value, _label in choices:
        lookup[value.lower()] = value
    return lookup


class ChoiceWidget(widgets.Widget):
    """A choice given by its label in either language (or its stored value); exported as the
    label in the current language."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self._lookup = None

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return ""
        if self._lookup is None:
            self._lookup = _labels_in_all_languages(self.choices)
        try:
            return self._lookup[text.lower()]
        except KeyError:
            with translation.override("zh-hans"):
                allowed = "、".join(str(label) for _value, label in self.choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class DateWidget(widgets.Widget):
    """Dates as spreadsheet dates or as text: 2024-07-01, 2024/7/1, 2024.7.1 or 20240701."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
        raise ValueError(
            _("“%(value)s” is not a date; write it as 2024-07-01.") % {"value": text}
        ) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class TextWidget(widgets.Widget):
    """Plain text, trimmed; numbers typed into a spreadsheet lose their trailing '.0'."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


class IdNumberWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs).upper()
        return text or None  # unique when present, NULL when absent


class UnitWidget(widgets.Widget):
    """A Party branch given by its name (or short name) among the importer's units.

    The units are loaded once per file (`units` is the scoped queryset); a name outside the
    importer's scope reads exactly like a name that does not exist.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self._by_name: dict[str, list[OrgUnit]] | None = None

    def load(self) -> None:
        by_name: dict[str, list[OrgUnit]] = {}
        for unit in self.units.only("pk", "name", "short_name", "kind", "path"):
            by_name.setdefault(unit.name.strip(), []).append(unit)
            if unit.short_name and unit.short_name.strip() != unit.name.strip():
                by_name.setdefault(unit.short_name.strip(), []).append(unit)
        self._by_name = by_name

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("Give the name of the member's Party branch."))
        if self._by_name is None:
            self.load()
        found = self._by_name.get(text, [])
        if not found:
            raise ValueError(
                _("There is no unit named “%(name)s” among the units you keep.") % {"name": text}
            )
        if len({u.pk for u in found}) > 1:
            raise ValueError(
                _("Several units are named “%(name)s”; use the full name.") % {"name": text}
            )
        unit = found[0]
        if unit.kind != OrgUnit.Kind.BRANCH:
            raise ValueError(
                _("“%(name)s” is not a Party branch; members belong to a branch.") % {"name": text}
            )
        return unit

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class MemberResource(resources.ModelResource):
    """Member rows for one person: their units, their right to see sensitive fields."""

    unit = fields.Field(attribute="unit", column_name="所在党支部")
    status = fields.Field(
        attribute="status",
        column_name="状态",
        widget=ChoiceWidget(Member.Status.choices),
        readonly=True,
    )
    status_changed_on = fields.Field(
        attribute="status_changed_on",
        column_name="状态变更日期",
        widget=DateWidget(),
        readonly=True,
    )

    class Meta:
        model = Member
        fields = [attr for attr, _header, _alias in COLUMNS] + [a for a, _h in EXPORT_ONLY_COLUMNS]
        import_order = [attr for attr, _header, _alias in COLUMNS]
        export_order = fields
        # Import makes new members only: never look up (or overwrite) existing records.
        force_init_instance = True
        clean_model_instances = True
        skip_diff = True
        store_instance = True  # the dry run's preview lists the members it would create
        use_transactions = True

    def __init__(self, *, access: Access, by=None, **kwargs):
        super().__init__(**kwargs)
        self.access = access
        self.by = by
        self._file_id_counts: Counter = Counter()
        self._ids_in_database: set[str] = set()
        self.fields["unit"].widget = UnitWidget(access.managed_units())
        # Declare every column with its header and widget (the declared fields above are
        # export-only: status changes go through the transfer and leave actions).
        choice_fields = {
            "gender": Member.Gender.choices,
            "education": Member.Education.choices,
            "stage": Member.Stage.choices,
        }
        for attr, header, _alias in COLUMNS:
            resource_field = self.fields[attr]
            resource_field.column_name = header
            if attr in choice_fields:
                resource_field.widget = ChoiceWidget(choice_fields[attr])
            elif attr.endswith("_on") or attr == "birth_date":
                resource_field.widget = DateWidget()
            elif attr == "id_number":
                resource_field.widget = IdNumberWidget()
            elif attr != "unit":
                resource_field.widget = TextWidget()

    # --- import -----------------------------------------------------------------------------
    def before_import(self, dataset, **kwargs):
        """Everything the rows are checked against, fetched once for the whole file."""
        self.fields["unit"].widget.load()
        header = HEADERS["id_number"]
        ids = []
        if header in (dataset.headers or []):
            widget = IdNumberWidget()
            ids = [widget.clean(v) for v in dataset[header]]
        ids = [i for i in ids if i]
        self._file_id_counts = Counter(ids)
        self._ids_in_database = set(
            Member.objects.filter(id_number__in=set(ids))
            .order_by()
            .values_list("id_number", flat=True)
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.id_number and "id_number" not in errors:
            if self._file_id_counts[instance.id_number] > 1:
                errors["id_number"] = ValidationError(
                    _("The ID number %(id)s appears more than once in the file.")
                    % {"id": mask(instance.id_number)}
                )
            elif instance.id_number in self._ids_in_database:
                errors["id_number"] = ValidationError(
                    _("A member with the ID number %(id)s is already on record.")
                    % {"id": mask(instance.id_number)}
                )
        try:
            # Uniqueness was checked above for the whole file in one query, and the unit
            # came from the importer's units: no per-row query for either.
            instance.full_clean(exclude=[*errors, "unit"], validate_unique=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs):
            # Every rule a row could break (unit, uniqueness, stage dates) is checked before
            # this point, so the dry run need not insert and roll back each row.
            return
        super().save_instance(instance, is_create, row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        if not self.access.manages_unit(instance.unit):  # the unit widget already ensures it
            raise ValidationError({"unit": _("This unit is outside your scope.")})
        instance._history_user = self.by

    # --- export -----------------------------------------------------------------------------
    def _sensitive(self, member: Member, value) -> str:
        if value in (None, ""):
            return ""
        text = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return text if self.access.can_see_sensitive(member) else mask(text)

    def dehydrate_id_number(self, member):
        return self._sensitive(member, member.id_number)

    def dehydrate_phone(self, member):
        return self._sensitive(member, member.phone)

    def dehydrate_birth_date(self, member):
        return self._sensitive(member, member.birth_date)

    def dehydrate_home_address(self, member):
        return self._sensitive(member, member.home_address)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return [
            escape_formula(value)
            for value in super().export_resource(instance, selected_fields, **kwargs)
        ]


# --- reading files ----------------------------------------------------------------------------
class FileError(Exception):
    """The file as a whole cannot be read; nothing in it was looked at row by row."""


@dataclass
class Sheet:
    """The rows of an uploaded file as text, with the spreadsheet row number of each."""

    headers: list[str]
    rows: list[list[str]]
    line_numbers: list[int] = field(default_factory=list)

    def as_dataset(self) -> tablib.Dataset:
        return tablib.Dataset(*[tuple(r) for r in self.rows], headers=self.headers)

    def to_session(self) -> dict:
        return {"headers": self.headers, "rows": self.rows, "lines": self.line_numbers}

    @classmethod
    def from_session(cls, data: dict) -> Sheet:
        return cls(headers=data["headers"], rows=data["rows"], line_numbers=data["lines"])


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(content: bytes, filename: str) -> Sheet:
    """Read an XLSX or CSV upload (UTF-8 or the GB18030 Chinese Excel writes) into text."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            dataset = base_formats.XLSX().create_dataset(content)
        except Exception as error:  # a corrupt or mislabelled file: openpyxl raises many kinds
            raise FileError(_("The file could not be read as an XLSX workbook.")) from error
        raw_headers, raw_rows = dataset.headers or [], list(dataset)
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
        reader = list(csv.reader(io.StringIO(text)))
        raw_headers, raw_rows = (reader[0], reader[1:]) if reader else ([], [])
    else:
        raise FileError(_("Upload an .xlsx or .csv file."))

    headers = [_canonical_header(_cell_text(h)) for h in raw_headers]
    if not any(headers):
        raise FileError(_("The file is empty: the first row must hold the column names."))
    missing = [h for h in REQUIRED_HEADERS if h not in headers]
    if missing:
        raise FileError(
            _("The file lacks the columns: %(columns)s. Start from the template.")
            % {"columns": "、".join(missing)}
        )
    rows, lines = [], []
    for number, raw in enumerate(raw_rows, start=2):  # the header is row 1
        cells = [_cell_text(v) for v in raw][: len(headers)]
        cells += [""] * (len(headers) - len(cells))
        if any(cells):
            rows.append(cells)
            lines.append(number)
    if not rows:
        raise FileError(_("The file has no member rows under the column names."))
    if len(rows) > MAX_ROWS:
        raise FileError(
            _("The file has %(count)d rows; import at most %(max)d at a time.")
            % {"count": len(rows), "max": MAX_ROWS}
        )
    return Sheet(headers=headers, rows=rows, line_numbers=lines)


_ALIASES = {alias.lower(): header for _attr, header, alias in COLUMNS}


def _canonical_header(text: str) -> str:
    return _ALIASES.get(text.strip().lower(), text.strip())


# --- the import -------------------------------------------------------------------------------
@dataclass
class BadRow:
    line: int  # the row number as the spreadsheet shows it (the header is row 1)
    name: str
    reasons: list[str]
    cells: list[str]


@dataclass
class ImportReport:
    total: int
    bad_rows: list[BadRow]
    created: int = 0
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad_rows


def _field_label(attr: str) -> str:
    if attr == "__all__":
        return ""
    for column_attr, header, _alias in COLUMNS:
        if column_attr == attr:
            return header
    try:
        return str(Member._meta.get_field(attr).verbose_name)
    except Exception:
        return attr


def _reasons(validation_error: ValidationError) -> list[str]:
    reasons = []
    if hasattr(validation_error, "error_dict"):
        for attr, errors in validation_error.message_dict.items():
            label = _field_label(attr)
            for message in errors:
                reasons.append(f"{label}: {message}" if label else message)
    else:
        reasons.extend(validation_error.messages)
    return reasons


@transaction.atomic
def member_import(*, sheet: Sheet, access: Access, by, dry_run: bool) -> ImportReport:
    """Check (dry run) or write the members of `sheet`, all or nothing.

    Refuses anyone who may not import. A real run that finds any bad row writes nothing.
    """
    if not access.can_import():
        raise PermissionError("only organisers import members")
    resource = MemberResource(access=access, by=by)
    result = resource.import_data(
        sheet.as_dataset(),
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    name_index = sheet.headers.index(HEADERS["name"])
    bad: dict[int, BadRow] = {}

    def bad_row(number: int) -> BadRow:
        cells = sheet.rows[number - 1]
        return bad.setdefault(
            number,
            BadRow(
                line=sheet.line_numbers[number - 1],
                name=cells[name_index],
                reasons=[],
                cells=cells,
            ),
        )

    for invalid in result.invalid_rows:
        bad_row(invalid.number).reasons.extend(_reasons(invalid.error))
    for error_row in result.error_rows:
        # An unexpected failure of a row (not a validation error): say so without a trace.
        for error in error_row.errors:
            bad_row(error_row.number).reasons.append(
                _("This row could not be saved: %(error)s") % {"error": error.error}
            )
    for error in result.base_errors:
        raise error.error
    report = ImportReport(
        total=len(sheet.rows), bad_rows=sorted(bad.values(), key=lambda b: b.line)
    )
    if report.ok and not dry_run:
        report.created = result.totals.get("new", 0)
    if report.ok and dry_run:
        report.preview = [
            {
                "name": r.instance.name,
                "unit": r.instance.unit.name,
                "stage": r.instance.get_stage_display(),
            }
            for r in result.valid_rows()[:50]
            if r.instance is not None
        ]
    if not report.ok:
        transaction.set_rollback(True)
    return report


# --- spreadsheets to download -----------------------------------------------------------------
def _xlsx(headers: list[str], rows: list[list], *, notes: list[list[str]] | None = None) -> bytes:
    """An XLSX with ID number and phone columns formatted as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "党员"
    sheet.append(headers)
    text_columns = [i + 1 for i, h in enumerate(headers) if h in (HEADERS[a] for a in TEXT_COLUMNS)]
    for row in rows:
        sheet.append([escape_formula(v) for v in row])
    for column in text_columns:
        # The column's own format makes what is typed in later text as well.
        sheet.column_dimensions[get_column_letter(column)].number_format = "@"
        for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            for cell in cells:
                cell.number_format = "@"
    for column_cells in sheet.columns:
        column_cells[0].font = Font(bold=True)
        sheet.column_dimensions[column_cells[0].column_letter].width = 16
    if notes:
        help_sheet = book.create_sheet("填写说明")
        for line in notes:
            help_sheet.append(line)
        help_sheet.column_dimensions["A"].width = 22
        help_sheet.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The import template: the column names and one example row, with notes on values."""
    with translation.override("zh-hans"):
        notes = [
            ["列", "说明"],
            [HEADERS["unit"], "填写您所管理范围内党支部的全称或简称"],
            [HEADERS["gender"], "、".join(str(label) for _v, label in Member.Gender.choices)],
            [HEADERS["education"], "、".join(str(label) for _v, label in Member.Education.choices)],
            [HEADERS["stage"], "、".join(str(label) for _v, label in Member.Stage.choices)],
            ["日期", "写作 2024-07-01；各阶段日期须按先后顺序，且填到当前类别为止"],
            [HEADERS["id_number"], "18 位，不可与已有党员或本文件中的其他行重复"],
            ["必填", "、".join(REQUIRED_HEADERS)],
        ]
    headers = [header for _attr, header, _alias in COLUMNS]
    example = [EXAMPLE_ROW[attr] for attr, _header, _alias in COLUMNS]
    return _xlsx(headers, [example], notes=notes)


def bad_rows_xlsx(sheet: Sheet, report: ImportReport) -> bytes:
    """Just the bad rows, as they were uploaded, with the reasons in a last column."""
    rows = [[*bad.cells, "；".join(bad.reasons)] for bad in report.bad_rows]
    return _xlsx([*sheet.headers, ERROR_HEADER], rows)


EXPORT_FORMATS = {"xlsx": base_formats.XLSX, "csv": base_formats.CSV}
EXPORT_LABELS = {"xlsx": gettext_lazy("Excel (XLSX)"), "csv": gettext_lazy("CSV")}


def members_export(*, members, access: Access, file_format: str) -> bytes | str:
    """The members as an XLSX or CSV, masked for `access`, formula-safe."""
    dataset = MemberResource(access=access).export(members)
    return EXPORT_FORMATS[file_format](encoding="utf-8-sig").export_data(dataset)
