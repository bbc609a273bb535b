"""The statistics dashboard (数据看板): who may open it, and its arithmetic checked against a
small organisation counted by hand.

The hand count, for the organiser's committee (branch A and branch B; branch C belongs to
another committee and is never counted for them), members on the roll only:

    branch A  王组织 organiser   full          male    1985   no education  login
              孙书记 secretary   full          male    1985   no education  login
              李安   member_a    full          male    1985   no education  login
              女甲               probationary  female  28     bachelor
              女乙               activist      female  30     college
              男丙               full          male    59     master        login
              男丁               LEFT the Party (not counted), 60
    branch B  赵博   member_b    full          male    1985   no education  login
              男戊               applicant     male    ?      bachelor
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns import stats as campaign_stats
from campaigns.models import Campaign, Result, ScoreSheet
from lessons import stats as lesson_stats
from lessons.models import Lesson, StudyRecord
from members import stats as member_stats
from members.models import Member, OrgUnit
from members.scoping import access_for
from partyportal import stats

from .conftest import TODAY, make_member, make_user

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def years_before(day: datetime.date, years: int, days: int = 0) -> datetime.date:
    return member_stats.born_on_or_before(day, years) + datetime.timedelta(days=days)


def add_people(org, today: datetime.date) -> None:
    make_member(
        org.branch_a,
        "女甲",
        gender=Member.Gender.FEMALE,
        stage=Member.Stage.PROBATIONARY,
        birth_date=years_before(today, 29, days=1),  # 28: turns 29 tomorrow
        education=Member.Education.BACHELOR,
    )
    make_member(
        org.branch_a,
        "女乙",
        gender=Member.Gender.FEMALE,
        stage=Member.Stage.ACTIVIST,
        birth_date=years_before(today, 30),  # 30 today
        education=Member.Education.COLLEGE,
    )
    make_member(
        org.branch_a,
        "男丙",
        birth_date=years_before(today, 60, days=1),  # 59: turns 60 tomorrow
        education=Member.Education.MASTER,
        user=make_user("bing"),
    )
    make_member(
        org.branch_a,
        "男丁",
        birth_date=years_before(today, 60),
        status=Member.Status.LEFT,
        status_changed_on=datetime.date(2026, 1, 1),
    )
    make_member(
        org.branch_b,
        "男戊",
        stage=Member.Stage.APPLICANT,
        birth_date=None,
        education=Member.Education.BACHELOR,
    )


@pytest.fixture
def people(org):
    add_people(org, TODAY)
    return org


def counts(rows) -> dict:
    return {row["key"]: row["count"] for row in rows}


def scope_of(org, persona="organiser"):
    user = org.superuser if persona == "superuser" else getattr(org, persona).user
    return access_for(user).organised_units()


# --- members ----------------------------------------------------------------------------------
def test_members_by_stage(people):
    assert counts(member_stats.by_stage(scope_of(people))) == {
        "applicant": 1,
        "activist": 1,
        "candidate": 0,
        "probationary": 1,
        "full": 5,
    }


def test_members_by_gender(people):
    assert counts(member_stats.by_gender(scope_of(people))) == {"male": 6, "female": 2}


def test_members_by_age_band_on_birthdays(people):
    assert counts(member_stats.by_age_band(scope_of(people), TODAY)) == {
        "under_30": 1,
        "30_39": 1,
        "40_49": 4,
        "50_59": 1,
        "60_plus": 0,
        "unknown": 1,
    }


def test_age_band_of_someone_born_on_29_february(org):
    born = datetime.date(1996, 2, 29)
    make_member(org.branch_a, "闰年", birth_date=born)
    units = OrgUnit.objects.filter(pk=org.branch_a.pk)
    # On 28 February 2026 they are still 29; on 1 March they are 30.
    assert counts(member_stats.by_age_band(units, datetime.date(2026, 2, 28)))["under_30"] == 1
    assert counts(member_stats.by_age_band(units, datetime.date(2026, 3, 1)))["under_30"] == 0
    # On a leap day, 30 years back has no 29 February: whoever was born on the 28th is 30.
    assert member_stats.born_on_or_before(datetime.date(2028, 2, 29), 30) == datetime.date(
        1998, 2, 28
    )


def test_members_by_education_counts_the_unrecorded(people):
    assert counts(member_stats.by_education(scope_of(people))) == {
        "doctorate": 0,
        "master": 1,
        "bachelor": 2,
        "college": 1,
        "vocational": 0,
        "high_school": 0,
        "middle_school": 0,
        "unknown": 4,
    }


def test_members_and_coverage_by_branch(people):
    rows = {
        b.pk: (b.member_count, b.party_count, b.pipeline_count, b.login_count, b.coverage)
        for b in member_stats.by_branch(scope_of(people))
    }
    assert rows == {
        people.branch_a.pk: (6, 5, 1, 4, 66),
        people.branch_b.pk: (2, 1, 1, 1, 50),
    }


def test_superuser_counts_every_committee(people):
    branches = {b.pk for b in member_stats.by_branch(scope_of(people, "superuser"))}
    assert branches == {people.branch_a.pk, people.branch_b.pk, people.branch_c.pk}


# --- study ------------------------------------------------------------------------------------
def at(y, m, d, h=12, minute=0, tz=SHANGHAI):
    return datetime.datetime(y, m, d, h, minute, tzinfo=tz)


@pytest.fixture
def study(org):
    lessons = [
        Lesson.objects.create(unit=org.committee, title=f"课{i}", status=Lesson.Status.PUBLISHED)
        for i in range(3)
    ]

    def learned(person, lesson, when):
        user = person if person is org.staff else person.user
        StudyRecord.objects.create(user=user, lesson=lesson, completed_at=when)

    learned(org.member_a, lessons[0], at(2026, 11, 2))
    learned(org.member_a, lessons[1], at(2026, 10, 31, 23, 30))  # October in Beijing
    # 16:30 UTC on 31 October is half past midnight on 1 November in Beijing: November.
    learned(org.member_a, lessons[2], at(2026, 10, 31, 16, 30, tz=datetime.UTC))
    learned(org.organiser, lessons[0], at(2026, 11, 20))
    learned(org.member_b, lessons[0], at(2026, 6, 1, 0, 10))  # the oldest month shown
    learned(org.member_b, lessons[1], at(2026, 5, 31, 23, 50))  # before the six months
    learned(org.member_c, lessons[0], at(2026, 11, 3))  # another committee
    learned(org.staff, lessons[0], at(2026, 11, 3))  # not a member of any branch
    StudyRecord.objects.create(user=org.secretary_a.user, lesson=lessons[1])  # opened only
    return lessons


def test_months_are_the_last_six_calendar_months():
    assert lesson_stats.month_starts(datetime.date(2026, 2, 10)) == [
        datetime.date(2025, 9, 1),
        datetime.date(2025, 10, 1),
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


def test_study_completion_per_branch_and_month(org, study):
    figures = lesson_stats.completions_by_branch_month(member_stats.branches(scope_of(org)), TODAY)
    nov, oct_, jun = (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 10, 1),
        datetime.date(2026, 6, 1),
    )
    assert figures["months"][0] == jun and figures["months"][-1] == nov
    assert figures["cells"] == {
        (org.branch_a.pk, nov): 3,
        (org.branch_a.pk, oct_): 1,
        (org.branch_b.pk, jun): 1,
    }
    assert figures["totals"] == {nov: 3, oct_: 1, jun: 1}
    assert figures["learners"] == {org.branch_a.pk: 2, org.branch_b.pk: 1}


# --- banners ----------------------------------------------------------------------------------
def result(campaign, unit, member=None, holder=True, rank=1):
    sheet = ScoreSheet.objects.create(campaign=campaign, unit=unit, member=member)
    return Result.objects.create(
        campaign=campaign,
        sheet=sheet,
        unit=unit,
        member=member,
        subject_name=member.name if member else unit.name,
        total=Decimal("90"),
        first_points=Decimal("10"),
        rank=rank,
        branch_rank=rank,
        is_banner_holder=holder,
    )


@pytest.fixture
def banners(org):
    published = Campaign.Status.PUBLISHED
    q2 = Campaign.objects.create(
        scope=org.committee, year=2026, quarter=2, kind=Campaign.Kind.BRANCHES, status=published
    )
    result(q2, org.branch_a)
    result(q2, org.branch_b, holder=False, rank=2)
    q3 = Campaign.objects.create(
        scope=org.committee, year=2026, quarter=3, kind=Campaign.Kind.MEMBERS, status=published
    )
    result(q3, org.branch_a, org.member_a)
    result(q3, org.branch_b, org.member_b)
    result(q3, org.branch_a, org.secretary_a, holder=False, rank=3)
    # Not counted: a campaign still being scored, and another committee's results.
    q4 = Campaign.objects.create(
        scope=org.committee,
        year=2026,
        quarter=4,
        kind=Campaign.Kind.MEMBERS,
        status=Campaign.Status.SCORING,
    )
    result(q4, org.branch_a, org.organiser)
    other = Campaign.objects.create(
        scope=org.other_committee,
        year=2026,
        quarter=1,
        kind=Campaign.Kind.BRANCHES,
        status=published,
    )
    result(other, org.branch_c)


def test_banners_per_branch_and_quarter(org, banners):
    figures = campaign_stats.banners_by_branch_quarter(member_stats.branches(scope_of(org)))
    a, b = org.branch_a.pk, org.branch_b.pk
    assert figures["quarters"] == [(2026, 2), (2026, 3)]
    assert figures["cells"] == {
        (a, (2026, 2)): {"branch": 1, "members": 0},
        (a, (2026, 3)): {"branch": 0, "members": 1},
        (b, (2026, 3)): {"branch": 0, "members": 1},
    }
    assert figures["totals"] == {a: {"branch": 1, "members": 1}, b: {"branch": 0, "members": 1}}


def test_banners_keep_only_the_latest_quarters(org, banners):
    figures = campaign_stats.banners_by_branch_quarter(
        member_stats.branches(scope_of(org)), quarters=1
    )
    assert figures["quarters"] == [(2026, 3)]
    assert figures["totals"] == {
        org.branch_a.pk: {"branch": 0, "members": 1},
        org.branch_b.pk: {"branch": 0, "members": 1},
    }


# --- the page ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "persona, status",
    [
        ("anonymous", 302),
        ("staff", 404),
        ("member_a", 404),
        ("secretary_a", 404),
        ("organiser", 200),
        ("superuser", 200),
    ],
)
def test_who_may_open_the_dashboard_and_exports(client_for, persona, status):
    client = client_for(persona)
    assert client.get(reverse("stats")).status_code == status
    response = client.get(reverse("stats_export", args=["stage"]))
    assert response.status_code == status


def test_unknown_export_is_404(client_for):
    assert client_for("organiser").get("/stats/nothing.xlsx").status_code == 404


def test_nav_link_only_for_organisers(client_for):
    assert 'href="/stats/"' in client_for("organiser").get(reverse("home")).text
    assert 'href="/stats/"' not in client_for("secretary_a").get(reverse("home")).text
    assert 'href="/stats/"' not in client_for("member_a").get(reverse("home")).text


def test_dashboard_shows_the_hand_counted_figures(org, client_for):
    add_people(org, timezone.localdate())
    page = client_for("organiser").get(reverse("stats"))
    tables = {t.key: t for t in page.context["tables"]}
    assert list(tables) == [
        "stage",
        "gender",
        "age",
        "education",
        "branches",
        "coverage",
        "study",
        "banners",
    ]
    assert [row[1] for row in tables["stage"].rows] == [1, 1, 0, 1, 5]
    assert tables["stage"].total == ["Total", 8, "100.0%"]
    assert tables["gender"].rows == [["Male", 6, "75.0%"], ["Female", 2, "25.0%"]]
    assert [row[1] for row in tables["age"].rows] == [1, 1, 4, 1, 0, 1]
    assert tables["branches"].rows == [
        [org.branch_a.label, 6, 5, 1],
        [org.branch_b.label, 2, 1, 1],
    ]
    assert tables["coverage"].rows == [
        [org.branch_a.label, 6, 4, "66%"],
        [org.branch_b.label, 2, 1, "50%"],
    ]
    assert tables["coverage"].total == ["Total", 8, 5, "62%"]
    text = page.text
    # Out of scope: the other committee's branch is nowhere on the page.
    assert org.branch_c.name not in text
    # Each table has its chart (SVG drawn on the server) and its export link.
    assert text.count("<svg") == 8
    for key in tables:
        assert reverse("stats_export", args=[key]) in text
    assert "style=" not in text


def test_dashboard_study_and_banner_tables(org, client_for, banners):
    lesson = Lesson.objects.create(unit=org.committee, title="课", status=Lesson.Status.PUBLISHED)
    StudyRecord.objects.create(user=org.member_a.user, lesson=lesson, completed_at=timezone.now())
    StudyRecord.objects.create(user=org.member_b.user, lesson=lesson, completed_at=timezone.now())
    tables = {t.key: t for t in client_for("organiser").get(reverse("stats")).context["tables"]}
    study = tables["study"]
    assert len(study.columns) == 1 + 6 + 3
    # This month is the last month column: one lesson each, one learner each.
    assert study.rows == [
        [org.branch_a.label, 0, 0, 0, 0, 0, 1, 1, 1, 3],
        [org.branch_b.label, 0, 0, 0, 0, 0, 1, 1, 1, 1],
    ]
    assert study.total == ["Total", 0, 0, 0, 0, 0, 2, 2, 2, 4]
    assert tables["banners"].columns == [
        "Branch",
        "2026 Q2",
        "2026 Q3",
        "Branch banners",
        "Member banners",
    ]
    assert tables["banners"].rows == [
        [org.branch_a.label, 1, 1, 1, 1],
        [org.branch_b.label, 0, 1, 0, 1],
    ]
    assert tables["banners"].total == ["Total", 1, 2, 1, 2]


def test_chart_bars_scale_to_the_largest_value(org, client_for):
    add_people(org, timezone.localdate())
    page = client_for("organiser").get(reverse("stats")).text
    # Branch A has 6 members, the most: a full 264-unit bar; branch B's 2 make 88.
    assert 'width="264" height="18"' in page and 'width="88" height="18"' in page


def test_a_long_unit_chart_draws_one_end_and_the_table_keeps_every_row(
    org, client_for, monkeypatch
):
    add_people(org, timezone.localdate())
    monkeypatch.setattr(stats, "CHART_MAX_BARS", 1)
    page = client_for("organiser").get(reverse("stats"))
    tables = {t.key: t for t in page.context["tables"]}
    members = tables["branches"].chart
    assert [bar["label"] for bar in members["bars"]] == [org.branch_a.label]  # 6 members
    assert members["title"].endswith(": the 1 highest of 2")
    coverage = tables["coverage"].chart
    assert [bar["label"] for bar in coverage["bars"]] == [org.branch_b.label]  # 50% < 66%
    assert coverage["title"].endswith(": the 1 lowest of 2")
    assert len(tables["branches"].rows) == 2
    html = page.text
    assert "the 1 highest of 2" in html and "the 1 lowest of 2" in html


# --- exports ----------------------------------------------------------------------------------
def sheet_rows(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def test_export_matches_the_table(org, client_for):
    add_people(org, timezone.localdate())
    response = client_for("organiser").get(reverse("stats_export", args=["coverage"]))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="stats-coverage-')
    rows = sheet_rows(response)
    assert rows[0][0] == "Portal coverage"
    assert rows[2] == ("Branch", "Members", "With a login", "Coverage")
    assert rows[3] == (org.branch_a.label, 6, 4, "66%")
    assert rows[4] == (org.branch_b.label, 2, 1, "50%")
    assert rows[5] == ("Total", 8, 5, "62%")


def test_export_writes_formula_like_names_as_text(org, client_for):
    org.branch_b.short_name = '=HYPERLINK("http://evil")'
    org.branch_b.save()
    response = client_for("organiser").get(reverse("stats_export", args=["branches"]))
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value]
    names = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert names and all(c.data_type == "s" and c.value.startswith("'=") for c in names)


# --- provincial scale: a row per unit, drill-down, cached figures -------------------------------
@pytest.fixture
def general_branch(org):
    """A general branch under the committee with two branches of its own."""
    general = OrgUnit.objects.create(
        name="营销党总支", kind=OrgUnit.Kind.GENERAL_BRANCH, parent=org.committee
    )
    inner = [
        OrgUnit.objects.create(name=f"营销第{n}党支部", kind=OrgUnit.Kind.BRANCH, parent=general)
        for n in (1, 2)
    ]
    return general, inner


def test_many_branches_make_a_row_per_unit_under_the_organisers(
    org, client_for, general_branch, monkeypatch
):
    monkeypatch.setattr(stats, "MAX_BRANCH_ROWS", 3)  # four branches in scope
    general, inner = general_branch
    add_people(org, timezone.localdate())
    make_member(inner[0], "营销甲")
    make_member(inner[1], "营销乙", gender=Member.Gender.FEMALE)
    page = client_for("organiser").get(reverse("stats"))
    tables = {t.key: t for t in page.context["tables"]}
    assert tables["branches"].columns[0] == "Unit"
    assert tables["branches"].rows == [
        [org.branch_a.label, 6, 5, 1],
        [org.branch_b.label, 2, 1, 1],
        [general.label, 2, 2, 0],
    ]
    drill = f"{reverse('stats')}?unit={general.pk}"
    assert tables["coverage"].links == [None, None, drill]
    assert f'href="{drill}"' in page.text

    narrowed = client_for("organiser").get(drill)
    tables = {t.key: t for t in narrowed.context["tables"]}
    assert tables["branches"].columns[0] == "Branch"
    assert [row[:2] for row in tables["branches"].rows] == [
        [inner[0].label, 1],
        [inner[1].label, 1],
    ]
    assert f'href="{reverse("stats_export", args=["coverage"])}?unit={general.pk}"' in (
        narrowed.text
    )
    export = client_for("organiser").get(
        reverse("stats_export", args=["branches"]) + f"?unit={general.pk}"
    )
    assert sheet_rows(export)[3][:2] == (inner[0].label, 1)


@pytest.mark.parametrize("unit", ["other", "abc", "-1", "999999"])
def test_narrowing_to_a_unit_out_of_scope_or_garbage_is_404(org, client_for, unit):
    pk = str(org.branch_c.pk) if unit == "other" else unit
    assert client_for("organiser").get(reverse("stats"), {"unit": pk}).status_code == 404
    export = reverse("stats_export", args=["stage"])
    assert client_for("organiser").get(export, {"unit": pk}).status_code == 404


def test_a_member_change_shows_at_once(org, client_for):
    add_people(org, timezone.localdate())
    client = client_for("organiser")
    before = {t.key: t for t in client.get(reverse("stats")).context["tables"]}
    make_member(org.branch_b, "新党员", gender=Member.Gender.FEMALE)
    after = {t.key: t for t in client.get(reverse("stats")).context["tables"]}
    assert after["gender"].total[1] == before["gender"].total[1] + 1


def test_study_figures_show_at_once(org, client_for):
    client = client_for("organiser")
    lesson = Lesson.objects.create(unit=org.committee, title="课", status=Lesson.Status.PUBLISHED)
    client.get(reverse("stats"))
    StudyRecord.objects.create(user=org.member_a.user, lesson=lesson, completed_at=timezone.now())
    tables = {t.key: t for t in client.get(reverse("stats")).context["tables"]}
    assert tables["study"].total[-3] == 1
