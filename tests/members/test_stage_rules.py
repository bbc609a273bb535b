"""A member's stage, the dates of each step, status changes and full membership falling due."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Member
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

D = datetime.date


def person(org, **fields) -> Member:
    """An unsaved member with no stage dates except those given."""
    base = {
        "unit": org.branch_a,
        "name": "测试人",
        "gender": Member.Gender.FEMALE,
        "birth_date": D(1990, 3, 3),
        "stage": Member.Stage.APPLICANT,
        "applied_on": D(2020, 1, 1),
    }
    base.update(fields)
    return Member(**base)


def errors_of(member: Member) -> dict:
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    return error.value.message_dict


def test_dates_in_order_are_accepted(org):
    person(
        org,
        stage=Member.Stage.FULL,
        activist_on=D(2020, 6, 1),
        candidate_on=D(2021, 6, 1),
        probationary_on=D(2021, 12, 1),
        full_on=D(2022, 12, 1),
    ).full_clean()


def test_equal_dates_on_consecutive_steps_are_accepted(org):
    person(org, stage=Member.Stage.ACTIVIST, activist_on=D(2020, 1, 1)).full_clean()


@pytest.mark.parametrize(
    "field, day",
    [
        ("activist_on", D(2019, 12, 31)),  # before applying
        ("candidate_on", D(2020, 5, 31)),  # before becoming an activist
        ("probationary_on", D(2021, 5, 31)),  # before becoming a candidate
        ("full_on", D(2021, 11, 30)),  # before admission as probationary
    ],
)
def test_a_date_before_the_previous_step_is_refused(org, field, day):
    fields = {
        "stage": Member.Stage.FULL,
        "activist_on": D(2020, 6, 1),
        "candidate_on": D(2021, 6, 1),
        "probationary_on": D(2021, 12, 1),
        "full_on": D(2022, 12, 1),
    }
    fields[field] = day
    assert field in errors_of(person(org, **fields))


def test_order_is_checked_across_a_skipped_date(org):
    # No activist date given: the candidate date is still compared with the application.
    errors = errors_of(
        person(
            org, stage=Member.Stage.CANDIDATE, applied_on=D(2020, 1, 1), candidate_on=D(2019, 1, 1)
        )
    )
    assert "candidate_on" in errors


@pytest.mark.parametrize(
    "stage, field",
    [
        (Member.Stage.APPLICANT, "applied_on"),
        (Member.Stage.ACTIVIST, "activist_on"),
        (Member.Stage.CANDIDATE, "candidate_on"),
        (Member.Stage.PROBATIONARY, "probationary_on"),
        (Member.Stage.FULL, "full_on"),
    ],
)
def test_the_current_stage_needs_its_date(org, stage, field):
    fields = {"stage": stage, "applied_on": None}
    assert field in errors_of(person(org, **fields))


@pytest.mark.parametrize("field", ["activist_on", "candidate_on", "probationary_on", "full_on"])
def test_dates_of_later_stages_are_refused(org, field):
    member = person(org, stage=Member.Stage.APPLICANT, **{field: D(2025, 1, 1)})
    assert field in errors_of(member)


def test_applying_before_birth_is_refused(org):
    assert "applied_on" in errors_of(person(org, birth_date=D(2021, 1, 1)))


@pytest.mark.parametrize(
    "status", [Member.Status.TRANSFERRED_OUT, Member.Status.LEFT, Member.Status.DECEASED]
)
def test_a_status_change_needs_a_date(org, status):
    member = person(org, status=status)
    assert "status_changed_on" in errors_of(member)
    member.status_changed_on = D(2026, 1, 1)
    member.full_clean()


def test_an_empty_id_number_is_stored_as_null_so_it_stays_unique(org):
    first = person(org, name="甲", id_number="")
    first.full_clean()
    first.save()
    second = person(org, name="乙", id_number="")
    second.full_clean()
    second.save()
    assert Member.objects.filter(pk__in=[first.pk, second.pk], id_number__isnull=True).count() == 2


# --- Full membership falls due a year after admission ----------------------------------------
def probationary(org, name: str, admitted: datetime.date, **extra) -> Member:
    return make_member(
        org.branch_b,
        name,
        stage=Member.Stage.PROBATIONARY,
        applied_on=admitted - datetime.timedelta(days=800),
        probationary_on=admitted,
        full_on=None,
        **extra,
    )


def test_full_membership_is_due_a_year_after_admission(org):
    member = probationary(org, "预备甲", D(2025, 7, 1))
    assert member.full_membership_due_on == D(2026, 7, 1)


def test_full_membership_due_date_of_29_february_is_28_february(org):
    member = probationary(org, "闰年生", D(2024, 2, 29))
    assert member.full_membership_due_on == D(2025, 2, 28)


def test_no_due_date_outside_probation(org):
    assert org.member_a.full_membership_due_on is None
    assert org.member_a.is_overdue_for_full_membership is False


def test_overdue_probationary_lists_only_those_past_their_year(org):
    today = D(2026, 11, 24)
    overdue = probationary(org, "已逾期", D(2025, 11, 23))
    due_today = probationary(org, "今日到期", D(2025, 11, 24))
    not_yet = probationary(org, "未到期", D(2025, 11, 25))
    left = probationary(
        org,
        "已出党",
        D(2020, 1, 1),
        status=Member.Status.LEFT,
        status_changed_on=D(2021, 1, 1),
    )
    listed = set(Member.objects.overdue_probationary(today))
    assert overdue in listed
    assert due_today in listed
    assert not_yet not in listed
    assert left not in listed  # only members on the roll
    assert org.member_a not in listed  # full members are never overdue


def test_overdue_probationary_on_29_february(org):
    leap = probationary(org, "闰日到期", D(2023, 2, 28))
    # 2024-02-29 minus one year is 2023-02-28: admitted that day, due on the day itself.
    assert leap in Member.objects.overdue_probationary(D(2024, 2, 29))
    assert leap not in Member.objects.overdue_probationary(D(2024, 2, 27))


def test_admitted_on_29_february_is_listed_on_the_day_it_falls_due(org):
    member = probationary(org, "闰日入党", D(2024, 2, 29))
    due = member.full_membership_due_on  # 2025-02-28
    assert member not in Member.objects.overdue_probationary(due - datetime.timedelta(days=1))
    assert member in Member.objects.overdue_probationary(due)


@pytest.mark.parametrize(
    "admitted", [D(2023, 2, 28), D(2023, 3, 1), D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)]
)
def test_the_list_and_the_due_date_agree_around_february(org, admitted):
    member = probationary(org, "二月入党", admitted)
    due = member.full_membership_due_on
    for offset in (-1, 0, 1):
        day = due + datetime.timedelta(days=offset)
        listed = member in Member.objects.overdue_probationary(day)
        assert listed == (due <= day), (admitted, day)
