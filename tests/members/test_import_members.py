"""Importing members from XLSX and CSV: template, dry run, bad rows, all-or-nothing commit."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from members.models import Member
from members.resources import COLUMNS, ERROR_HEADER, Sheet, member_import, read_sheet
from members.scoping import access_for

from .conftest import admin_url

pytestmark = pytest.mark.django_db

HEADERS = [header for _attr, header, _alias in COLUMNS]


def good_row(i: int, unit: str = "机关第一党支部") -> dict:
    return {
        "姓名": f"导入{i:03d}",
        "所在党支部": unit,
        "性别": "女" if i % 2 else "男",
        "民族": "汉族",
        "出生日期": "1990-05-01",
        "籍贯": "河北清河",
        "学历": "大学本科",
        "身份证号": f"1305341990050{i:05d}",
        "手机号码": f"139{i:08d}",
        "家庭住址": "",
        "部门": "办公室",
        "岗位": "专责",
        "党员类别": "预备党员" if i % 3 == 0 else "正式党员",
        "申请入党日期": "2012-03-01",
        "确定积极分子日期": "2012-09-01",
        "确定发展对象日期": "2013-06-01",
        "入党日期": "2013-07-01",
        "转正日期": "" if i % 3 == 0 else "2014-07-01",
    }


def xlsx_file(rows: list[dict], name: str = "members.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows: list[dict], encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    lines = [",".join(HEADERS)] + [",".join(row.get(h, "") for h in HEADERS) for row in rows]
    return SimpleUploadedFile("members.csv", "\n".join(lines).encode(encoding))


def upload(client, file):
    return client.post(admin_url("member_import"), {"file": file})


def test_template_has_the_chinese_columns_and_one_example_that_imports(org, client_for):
    response = client_for("organiser").get(admin_url("member_import_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert len(rows) == 2
    # The example row names branch A, so the template itself passes the dry run.
    preview = upload(client_for("organiser"), SimpleUploadedFile("t.xlsx", response.content))
    assert preview.context["report"].ok


def test_200_rows_with_one_bad_row_write_nothing_and_name_the_row_and_reason(org, client_for):
    rows = [good_row(i) for i in range(200)]
    rows[136]["确定积极分子日期"] = "2011-01-01"  # before the application: out of order
    before = Member.objects.count()
    client = client_for("organiser")

    started = time.monotonic()
    response = upload(client, xlsx_file(rows))
    assert time.monotonic() - started < 5

    report = response.context["report"]
    assert not report.ok
    assert [b.line for b in report.bad_rows] == [138]  # data row 137, after the header row
    content = response.content.decode()
    assert "<td>138</td>" in content
    assert "Must not be before applied on (2012-03-01)" in content
    assert 'name="commit"' not in content  # no commit is offered
    assert Member.objects.count() == before

    # Even a forged commit of this upload writes nothing.
    token = response.context["token"]
    response = client.post(admin_url("member_import"), {"commit": "1", "token": token})
    assert Member.objects.count() == before
    assert not response.context["report"].ok


def test_good_import_writes_every_row_with_a_history_entry(org, client_for):
    client = client_for("organiser")
    rows = [good_row(i, "机关第一党支部" if i % 2 else "运维检修党支部") for i in range(200)]
    response = upload(client, xlsx_file(rows))
    report = response.context["report"]
    assert report.ok and report.total == 200
    assert 'name="commit"' in response.content.decode()
    assert not Member.objects.filter(name__startswith="导入").exists()  # the dry run wrote nothing

    response = client.post(
        admin_url("member_import"), {"commit": "1", "token": response.context["token"]}
    )
    assert response.status_code == 302
    imported = Member.objects.filter(name__startswith="导入")
    assert imported.count() == 200
    assert imported.filter(unit=org.branch_b).count() == 100
    member = imported.get(name="导入003")
    assert member.stage == Member.Stage.PROBATIONARY and member.full_on is None
    assert member.id_number == "130534199005000003"
    history = Member.history.filter(name__startswith="导入")
    assert history.count() == 200
    assert set(history.values_list("history_type", "history_user")) == {
        ("+", org.organiser.user.pk)
    }

    # The same file again: every ID number is now on record, nothing is written twice.
    response = upload(client, xlsx_file(rows))
    assert len(response.context["report"].bad_rows) == 200
    assert "already on record" in response.content.decode()


BAD_CELLS = [
    ({"所在党支部": "不存在的党支部"}, "There is no unit named “不存在的党支部”"),
    (
        {"所在党支部": "邻县机关党支部"},
        "There is no unit named “邻县机关党支部”",
    ),  # other committee
    ({"所在党支部": "国网测试县供电公司党委"}, "is not a Party branch"),
    ({"党员类别": "群众"}, "“群众” is not one of"),
    ({"性别": "未知"}, "“未知” is not one of"),
    ({"姓名": ""}, "This field cannot be blank"),
    ({"转正日期": "2013-01-01"}, "Must not be before"),
    ({"入党日期": "七月一日"}, "is not a date"),
    ({"身份证号": "130534198505050033"}, "already on record"),  # member_a's ID number
    ({"党员类别": "发展对象"}, "This date belongs to a later stage"),
]


@pytest.mark.parametrize("cells, reason", BAD_CELLS)
def test_each_kind_of_bad_row_is_named_with_its_reason(org, client_for, cells, reason):
    rows = [good_row(i) for i in range(3)]
    rows[1].update(cells)
    response = upload(client_for("organiser"), xlsx_file(rows))
    report = response.context["report"]
    assert [b.line for b in report.bad_rows] == [3]
    assert any(reason in r for r in report.bad_rows[0].reasons), report.bad_rows[0].reasons


def test_an_id_number_twice_in_the_file_marks_both_rows(org, client_for):
    rows = [good_row(i) for i in range(4)]
    rows[3]["身份证号"] = rows[0]["身份证号"]
    report = upload(client_for("organiser"), xlsx_file(rows)).context["report"]
    assert [b.line for b in report.bad_rows] == [2, 5]
    assert all("more than once" in b.reasons[0] for b in report.bad_rows)


def test_bad_rows_download_holds_exactly_the_bad_row_and_its_reason(org, client_for):
    client = client_for("organiser")
    rows = [good_row(i) for i in range(20)]
    rows[7]["性别"] = "未知"
    response = upload(client, xlsx_file(rows))
    download = client.get(response.context["bad_rows_url"])
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).worksheets[0]
    found = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert found[0] == [*HEADERS, ERROR_HEADER]
    assert len(found) == 2
    assert found[1][:3] == ["导入007", "机关第一党支部", "未知"]
    assert "未知" in found[1][-1] and "性别" in found[1][-1]


def test_bad_rows_download_needs_the_uploaders_token(org, client_for):
    response = client_for("organiser").get(admin_url("member_import_bad_rows") + "?token=forged")
    assert response.status_code == 302


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_imports_in_utf8_and_in_the_chinese_excel_encoding(org, client_for, encoding):
    client = client_for("organiser")
    response = upload(client, csv_file([good_row(1), good_row(2)], encoding))
    assert response.context["report"].ok
    client.post(admin_url("member_import"), {"commit": "1", "token": response.context["token"]})
    assert Member.objects.filter(name__in=["导入001", "导入002"]).count() == 2


@pytest.mark.parametrize(
    "file, message",
    [
        (SimpleUploadedFile("a.txt", b"x"), "Upload an .xlsx or .csv file."),
        (SimpleUploadedFile("a.xlsx", b"not a zip"), "could not be read as an XLSX"),
        (SimpleUploadedFile("a.csv", "姓名,性别\n张三,男".encode()), "lacks the columns"),
        (SimpleUploadedFile("a.csv", ",".join(HEADERS).encode()), "no member rows"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(org, client_for, file, message):
    response = upload(client_for("organiser"), file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "report" not in response.context


@pytest.mark.parametrize("persona", ["secretary_a", "member_a"])
def test_only_organisers_import(org, client_for, persona):
    client = client_for(persona)
    response = upload(client, xlsx_file([good_row(1)]))
    assert response.status_code in (302, 403)
    assert not Member.objects.filter(name="导入001").exists()


def test_import_button_is_shown_to_organisers_only(org, client_for):
    import_url = admin_url("member_import")
    assert (
        import_url in client_for("organiser").get(admin_url("member_changelist")).content.decode()
    )
    assert (
        import_url
        not in client_for("secretary_a").get(admin_url("member_changelist")).content.decode()
    )


def test_unit_lookup_does_not_query_per_row(org):
    access = access_for(org.organiser.user)

    def unit_queries(count: int) -> int:
        sheet = read_sheet(csv_file([good_row(i) for i in range(count)]).read(), "m.csv")
        with CaptureQueriesContext(connection) as queries:
            report = member_import(sheet=sheet, access=access, by=None, dry_run=True)
        assert report.ok
        return sum('FROM "members_orgunit"' in q["sql"] for q in queries.captured_queries)

    assert unit_queries(5) == unit_queries(60)


def test_english_column_names_are_accepted(org):
    row = good_row(1)
    english = {alias: row[header] for _attr, header, alias in COLUMNS}
    content = "\n".join([",".join(english), ",".join(english.values())]).encode()
    sheet = read_sheet(content, "en.csv")
    assert isinstance(sheet, Sheet)
    report = member_import(
        sheet=sheet, access=access_for(org.organiser.user), by=None, dry_run=True
    )
    assert report.ok
