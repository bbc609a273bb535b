"""The member figures kept per unit (members.figures) equal a recount from the members after
every kind of write: a new member, an edit of each counted field, a move, leaving, a
deletion, a transfer, an import, the bulk queryset writes, a login deleted, a unit moved or
made, the demo data; the age bands follow the date, 29 February included; and the pages
that show the figures show them at once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from members import figures, services
from members.models import Member, OrgUnit, UnitFigures
from members.resources import Sheet, member_import
from members.scoping import access_for
from members.stats import born_on_or_before
from tests.conftest import make_member, make_user

pytestmark = pytest.mark.django_db


def agrees() -> None:
    assert figures.recount(fix=False) == []


def kept(unit: OrgUnit, column: str = "members") -> int:
    return UnitFigures.objects.values_list(column, flat=True).get(unit=unit)


def subtree(unit: OrgUnit) -> dict:
    return figures.subtree_figures([unit])[unit.pk]


def test_the_personas_are_counted(org):
    agrees()
    assert subtree(org.committee) == {"members": 4, "logins": 4}
    assert subtree(org.branch_a) == {"members": 3, "logins": 3}
    assert subtree(org.other_committee) == {"members": 1, "logins": 1}
    assert kept(org.committee) == 0  # its own row: nobody belongs to a committee directly


def test_a_new_member_is_counted_in_every_column(org):
    make_member(
        org.branch_b,
        "新党员",
        gender=Member.Gender.FEMALE,
        education=Member.Education.MASTER,
        stage=Member.Stage.PROBATIONARY,
        probationary_on=datetime.date(2026, 1, 1),
        full_on=None,
        birth_date=datetime.date(2000, 1, 1),
    )
    agrees()
    assert kept(org.branch_b, "gender_female") == 1
    assert kept(org.branch_b, "education_master") == 1
    assert kept(org.branch_b, "stage_probationary") == 1
    assert kept(org.branch_b, "age_under_30") == 1
    assert kept(org.branch_b, "logins") == 1  # 赵博's; the new member has none


@pytest.mark.parametrize(
    "field, value",
    [
        ("gender", Member.Gender.FEMALE),
        ("education", Member.Education.DOCTORATE),
        ("birth_date", datetime.date(1960, 1, 1)),
        ("birth_date", None),
        ("name", "改名"),
        ("phone", "13900000000"),
    ],
)
def test_editing_a_member_moves_their_figures(org, field, value):
    member = org.member_a
    setattr(member, field, value)
    member.save()
    agrees()


def test_a_stage_step_and_a_save_with_update_fields(org):
    member = make_member(
        org.branch_a,
        "积极分子",
        stage=Member.Stage.ACTIVIST,
        activist_on=datetime.date(2025, 1, 1),
        full_on=None,
    )
    member.stage = Member.Stage.CANDIDATE
    member.candidate_on = datetime.date(2026, 1, 1)
    member.save(update_fields=["stage", "candidate_on"])
    agrees()
    assert kept(org.branch_a, "stage_candidate") == 1
    member.job_title = "班长"
    member.save(update_fields=["job_title"])
    agrees()


def test_a_member_moved_by_hand_leaves_one_unit_for_the_other(org):
    member = org.member_a
    member.unit = org.branch_c
    member.save()
    agrees()
    assert subtree(org.committee)["members"] == 3
    assert subtree(org.other_committee)["members"] == 2
    member.refresh_from_db()
    assert member.unit_path == org.branch_c.path


def test_a_transfer_within_and_out_of_the_organisation(org):
    services.member_transfer(
        member=org.member_a, on=datetime.date(2026, 3, 1), by=None, to_unit=org.branch_b
    )
    agrees()
    assert kept(org.branch_b) == 2
    services.member_transfer(
        member=org.member_b, on=datetime.date(2026, 4, 1), by=None, to_outside="外省某党委"
    )
    agrees()
    assert kept(org.branch_b) == 1
    assert kept(org.branch_b, "everyone") == 2  # the record stays


def test_leaving_the_roll_and_a_deletion(org):
    services.member_leave(
        member=org.member_a, status=Member.Status.LEFT, on=datetime.date(2026, 5, 1), by=None
    )
    agrees()
    newcomer = make_member(
        org.branch_b, "申请人", stage=Member.Stage.APPLICANT, full_on=None, birth_date=None
    )
    agrees()
    newcomer.delete()
    agrees()


def test_a_login_given_and_a_login_deleted(org):
    member = make_member(org.branch_b, "新人")
    member.user = make_user("xinren")
    member.save()
    agrees()
    assert kept(org.branch_b, "logins") == 2
    get_user_model().objects.filter(username="xinren").delete()
    agrees()
    org.member_b.user.delete()
    agrees()
    assert kept(org.branch_b, "logins") == 0


def test_the_bulk_writes_recount_what_they_touched(org):
    Member.objects.bulk_create(
        Member(unit=org.branch_b, name=f"批量{n}", gender=Member.Gender.FEMALE, stage="full")
        for n in range(5)
    )
    agrees()
    assert Member.objects.filter(name="批量0").values_list("unit_path", flat=True).get() == (
        org.branch_b.path
    )
    Member.objects.filter(name__startswith="批量").update(education=Member.Education.COLLEGE)
    agrees()
    Member.objects.filter(name__startswith="批量").update(unit=org.branch_c)
    agrees()
    assert set(
        Member.objects.filter(name__startswith="批量").values_list("unit_path", flat=True)
    ) == {org.branch_c.path}
    Member.objects.filter(name="批量1").update(
        status=Member.Status.LEFT, status_changed_on=datetime.date(2026, 1, 1)
    )
    agrees()
    Member.objects.filter(name__startswith="批量").delete()
    agrees()


def test_bulk_update_with_history_is_recounted(org):
    from simple_history.utils import bulk_update_with_history

    members = list(Member.objects.filter(unit=org.branch_a))
    for member in members:
        member.gender = Member.Gender.FEMALE
    bulk_update_with_history(members, Member, ["gender"], batch_size=2)
    agrees()
    assert kept(org.branch_a, "gender_female") == len(members)


def test_an_import_counts_its_members(org):
    headers = ["姓名", "所在党支部", "性别", "党员类别", "申请入党日期", "入党日期", "转正日期"]
    rows = [
        ["导入甲", org.branch_b.name, "女", "正式党员", "2010-01-01", "2011-01-01", "2012-01-01"],
        ["导入乙", org.branch_b.name, "男", "正式党员", "2010-01-01", "2011-01-01", "2012-01-01"],
    ]
    sheet = Sheet(headers=headers, rows=rows, line_numbers=[2, 3])
    access = access_for(org.organiser.user)
    report = member_import(sheet=sheet, access=access, by=org.organiser.user, dry_run=False)
    assert report.ok, report.bad_rows
    agrees()
    assert kept(org.branch_b) == 3


def test_units_moved_and_made(org):
    branch = OrgUnit.objects.create(name="新支部", kind=OrgUnit.Kind.BRANCH, parent=org.committee)
    assert kept(branch) == 0
    make_member(branch, "新支部党员")
    org.branch_a.parent = org.other_committee
    org.branch_a.save()
    agrees()
    assert subtree(org.other_committee)["members"] == 4
    assert subtree(org.committee)["members"] == 2
    assert set(Member.objects.filter(unit=org.branch_a).values_list("unit_path", flat=True)) == {
        OrgUnit.objects.get(pk=org.branch_a.pk).path
    }


def test_the_demo_data_agrees(db, monkeypatch):
    monkeypatch.setattr("members.management.commands.seed_demo.DEMO_APPS", ("members",))
    call_command("seed_demo", stdout=io.StringIO())
    agrees()
    assert UnitFigures.objects.count() == OrgUnit.objects.count()


def test_recount_reports_and_corrects_a_write_that_bypassed_everything(org):
    UnitFigures.objects.filter(unit=org.branch_a).update(members=99, age_40_49=0)
    OrgUnit.objects.filter(pk=org.branch_b.pk).update(name="运维")  # not a figure
    UnitFigures.objects.filter(unit=org.branch_b).delete()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_member SET unit_path = '' WHERE name = %s", ["李安"])
    found = figures.recount(fix=True)
    assert f"unit {org.branch_a.pk}: members 99 kept, 3 counted" in found
    assert f"unit {org.branch_b.pk}: no row of member figures" in found
    assert "1 member(s) with a stale copy of their unit's path" in found
    agrees()


# --- ages ---------------------------------------------------------------------------------------
def bands(unit: OrgUnit) -> dict[str, int]:
    row = UnitFigures.objects.get(unit=unit)
    return {column: getattr(row, column) for column, _low, _high in figures.AGE_COLUMNS}


def test_age_bands_catch_up_with_the_date_and_back(org):
    day = datetime.date(2026, 6, 15)
    figures.recount_units([org.branch_b.pk], day)
    make_member(org.branch_b, "三十", birth_date=born_on_or_before(day, 30) + datetime.timedelta(1))
    make_member(org.branch_b, "六十", birth_date=born_on_or_before(day, 60) + datetime.timedelta(3))
    assert bands(org.branch_b)["age_under_30"] == 1
    units = OrgUnit.objects.filter(pk=org.branch_b.pk)
    figures.catch_up(units, day + datetime.timedelta(days=1))
    assert bands(org.branch_b)["age_under_30"] == 0
    assert bands(org.branch_b)["age_30_39"] == 1
    agrees()
    figures.catch_up(units, day + datetime.timedelta(days=3))
    assert bands(org.branch_b)["age_60_plus"] == 1
    agrees()
    figures.catch_up(units, day - datetime.timedelta(days=400))  # back: both younger again
    assert bands(org.branch_b)["age_under_30"] == 1 and bands(org.branch_b)["age_60_plus"] == 0
    agrees()
    figures.catch_up(units, day.replace(year=2046))  # several bands at once
    agrees()
    assert bands(org.branch_b)["age_40_49"] == 1  # 49, the day before turning 50
    assert bands(org.branch_b)["age_60_plus"] == 2


def test_a_write_counts_the_member_as_of_the_rows_day(org):
    day = datetime.date(2026, 6, 15)
    figures.recount_units([org.branch_b.pk], day)
    # 30 today, but the row is still counted as of yesterday: 29 there, until caught up.
    make_member(org.branch_b, "三十", birth_date=born_on_or_before(day + datetime.timedelta(1), 30))
    assert bands(org.branch_b)["age_under_30"] == 1
    figures.catch_up(OrgUnit.objects.filter(pk=org.branch_b.pk), day + datetime.timedelta(1))
    assert bands(org.branch_b)["age_30_39"] == 1
    agrees()


@pytest.mark.parametrize(
    "since, day, under_30",
    [
        # Born 29 February 1996: 29 on 28 February 2026, 30 on 1 March 2026.
        (datetime.date(2026, 2, 27), datetime.date(2026, 2, 28), 1),
        (datetime.date(2026, 2, 28), datetime.date(2026, 3, 1), 0),
        (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1), 0),
        # 29 on 1 March 2025 still.
        (datetime.date(2025, 2, 28), datetime.date(2025, 3, 1), 1),
    ],
)
def test_a_birthday_on_29_february(org, since, day, under_30):
    figures.recount_units([org.branch_b.pk], since)
    make_member(org.branch_b, "闰年", birth_date=datetime.date(1996, 2, 29))
    figures.catch_up(OrgUnit.objects.filter(pk=org.branch_b.pk), day)
    assert bands(org.branch_b)["age_under_30"] == under_30
    agrees()


def test_someone_born_on_the_28th_is_30_on_a_leap_day(org):
    figures.recount_units([org.branch_b.pk], datetime.date(2028, 2, 27))
    make_member(org.branch_b, "二十八", birth_date=datetime.date(1998, 2, 28))
    make_member(org.branch_b, "三月", birth_date=datetime.date(1998, 3, 1))
    figures.catch_up(OrgUnit.objects.filter(pk=org.branch_b.pk), datetime.date(2028, 2, 29))
    assert bands(org.branch_b)["age_30_39"] == 1
    assert bands(org.branch_b)["age_under_30"] == 1
    agrees()


# --- the pages show them at once -----------------------------------------------------------------
def test_overview_and_unit_page_show_fresh_figures(client_for, org):
    client = client_for("organiser")
    make_member(org.branch_b, "新党员")
    overview = client.get(reverse("members:overview")).text
    assert "5 members" in overview  # the committee: 4 and the new one
    unit = client.get(reverse("members:unit", args=[org.branch_b.pk])).text
    assert "2 members" in unit and "portal coverage 1/2" in unit


@pytest.mark.parametrize("persona", ["organiser", "secretary_a", "member_a"])
def test_directory_count_agrees_with_the_list(client_for, org, persona):
    response = client_for(persona).get(reverse("members:directory"))
    page = response.context["page"]
    assert page.count == len(page.object_list)
