"""Transfers and leaving the roll: several records change together, and history is kept."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, Post, Transfer
from members.services import member_leave, member_transfer

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 11, 1)


def test_transfer_to_another_branch_moves_the_member_and_records_it(org):
    member = org.secretary_a
    transfer = member_transfer(member=member, to_unit=org.branch_b, on=ON, by=org.superuser)
    member.refresh_from_db()
    assert member.unit == org.branch_b
    assert member.status == Member.Status.ACTIVE
    assert transfer.from_unit == org.branch_a
    assert transfer.to_unit == org.branch_b
    assert transfer.transferred_on == ON
    assert transfer.created_by == org.superuser
    assert list(member.transfers.all()) == [transfer]


def test_transfer_ends_the_members_current_posts(org):
    member = org.secretary_a
    member_transfer(member=member, to_unit=org.branch_b, on=ON, by=org.superuser)
    post = Post.objects.get(member=member, kind=Post.Kind.SECRETARY)
    assert post.end_on == ON
    assert not Post.objects.current(ON + datetime.timedelta(days=1)).filter(member=member).exists()


def test_transfer_keeps_history_entries_with_the_user(org):
    member = org.secretary_a
    before = member.history.count()
    member_transfer(member=member, to_unit=org.branch_b, on=ON, by=org.superuser)
    entries = member.history.order_by("history_date")
    assert entries.count() == before + 1
    latest = entries.last()
    assert latest.unit_id == org.branch_b.pk
    assert latest.history_user == org.superuser
    assert entries.first().unit_id == org.branch_a.pk  # the old record is still there
    post_entry = Post.history.filter(member_id=member.pk).order_by("history_date").last()
    assert post_entry.end_on == ON
    assert post_entry.history_user == org.superuser


def test_transfer_out_of_the_organisation_sets_the_status(org):
    member = org.member_b
    member_transfer(member=member, to_outside="外省某县供电公司党委", on=ON, by=org.superuser)
    member.refresh_from_db()
    assert member.unit == org.branch_b  # the record stays where it was kept
    assert member.status == Member.Status.TRANSFERRED_OUT
    assert member.status_changed_on == ON
    assert Transfer.objects.get(member=member).to_outside == "外省某县供电公司党委"


def test_an_invalid_transfer_changes_nothing(org):
    member = org.secretary_a
    with pytest.raises(ValidationError):
        member_transfer(member=member, to_unit=org.branch_a, on=ON, by=org.superuser)
    with pytest.raises(ValidationError):
        member_transfer(member=member, to_unit=org.committee, on=ON, by=org.superuser)
    member.refresh_from_db()
    assert member.unit == org.branch_a
    assert not Transfer.objects.exists()
    assert Post.objects.get(member=member).end_on is None


@pytest.mark.parametrize("status", [Member.Status.LEFT, Member.Status.DECEASED])
def test_leaving_keeps_the_record_and_ends_posts(org, status):
    member = member_leave(member=org.secretary_a, status=status, on=ON, by=org.superuser, note="x")
    member.refresh_from_db()
    assert member.status == status
    assert member.status_changed_on == ON
    assert member.status_note == "x"
    assert Post.objects.get(member=member).end_on == ON
    assert member.history.order_by("history_date").last().history_user == org.superuser
    with pytest.raises(ValidationError):
        member.delete()


@pytest.mark.parametrize("status", [Member.Status.ACTIVE, Member.Status.TRANSFERRED_OUT, "gone"])
def test_leaving_with_another_status_is_refused(org, status):
    with pytest.raises(ValidationError):
        member_leave(member=org.member_a, status=status, on=ON, by=org.superuser)
    org.member_a.refresh_from_db()
    assert org.member_a.status == Member.Status.ACTIVE


def test_a_member_who_left_no_longer_has_a_role(org):
    from members.scoping import access_for

    member_leave(member=org.secretary_a, status=Member.Status.LEFT, on=ON, by=org.superuser)
    user = org.secretary_a.user
    user.refresh_from_db()
    access = access_for(user)
    assert not access.is_officer
    assert not access.is_member


def test_transfer_without_an_acting_user_is_recorded(org):
    # A management command or an import has no request user.
    transfer = member_transfer(member=org.member_a, to_unit=org.branch_b, on=ON, by=None)
    assert transfer.pk is not None
    assert transfer.created_by is None
    org.member_a.refresh_from_db()
    assert org.member_a.unit == org.branch_b
