"""Roles come from current posts; each role's scope is a subtree; sensitive fields are narrow."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from members.models import Member, OrgUnit, Post
from members.scoping import access_for, mask
from tests.conftest import make_member, make_user

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same user without the Access cached on it."""
    return type(user).objects.get(pk=user.pk)


def test_anonymous_has_no_role_and_no_scope(org):
    access = access_for(AnonymousUser())
    assert not access.is_authenticated
    assert not access.is_officer
    assert not access.visible_members().exists()


def test_staff_without_membership_has_no_scope(org):
    access = access_for(org.staff)
    assert access.member is None
    assert not access.is_member
    assert not access.is_officer
    assert not access.members().exists()
    assert not access.visible_members().exists()
    assert not access.visible_units().exists()
    assert str(access.role_label) == "Staff"


def test_member_sees_own_branch_but_keeps_no_records(org):
    access = access_for(org.member_a.user)
    assert access.is_member and not access.is_officer
    assert set(access.visible_members()) == {org.member_a, org.secretary_a, org.organiser}
    assert set(access.visible_units()) == {org.branch_a}
    assert not access.members().exists()
    assert not access.manages_unit(org.branch_a)


def test_branch_secretary_keeps_only_their_branch(org):
    access = access_for(org.secretary_a.user)
    assert access.is_officer and not access.is_organiser
    assert access.officer_units == [org.branch_a]
    assert set(access.members()) == {org.member_a, org.secretary_a, org.organiser}
    assert access.manages_unit(org.branch_a)
    assert not access.manages_unit(org.branch_b)
    assert not access.manages_unit(org.committee)
    assert not access.organises_unit(org.branch_a)
    assert str(access.role_label) == "Branch officer"


def test_organiser_keeps_the_committee_subtree(org):
    access = access_for(org.organiser.user)
    assert access.is_organiser and access.is_officer
    assert set(access.managed_units()) == {org.committee, org.branch_a, org.branch_b}
    assert set(access.members()) == {org.member_a, org.secretary_a, org.organiser, org.member_b}
    assert not access.manages_unit(org.branch_c)
    assert access.can_import()


def test_superuser_sees_everything(org):
    access = access_for(org.superuser)
    assert access.is_organiser
    assert access.members().count() == Member.objects.count()
    assert access.can_see_sensitive(org.member_c)


def test_an_ended_post_gives_no_role(org):
    Post.objects.filter(member=org.secretary_a).update(end_on=datetime.date(2025, 1, 1))
    access = access_for(fresh(org.secretary_a.user))
    assert not access.is_officer
    assert set(access.visible_members()) == {org.member_a, org.secretary_a, org.organiser}


def test_a_future_post_gives_no_role_yet(org):
    future = timezone.localdate() + datetime.timedelta(days=30)
    Post.objects.create(
        member=org.member_b, unit=org.branch_b, kind=Post.Kind.SECRETARY, start_on=future
    )
    assert not access_for(fresh(org.member_b.user)).is_officer


def test_a_member_off_the_roll_loses_their_posts_roles(org):
    Member.objects.filter(pk=org.organiser.pk).update(
        status=Member.Status.LEFT, status_changed_on=datetime.date(2026, 1, 1)
    )
    access = access_for(fresh(org.organiser.user))
    assert not access.is_organiser
    assert not access.is_member


def test_liaison_and_publicity_posts_do_not_give_records(org):
    for kind in (Post.Kind.LIAISON, Post.Kind.PUBLICITY, Post.Kind.DISCIPLINE):
        Post.objects.create(
            member=org.member_b, unit=org.branch_b, kind=kind, start_on=datetime.date(2025, 1, 1)
        )
    access = access_for(fresh(org.member_b.user))
    assert not access.is_officer
    assert access.liaison_units == [org.branch_b]


def test_organiser_of_a_general_branch_keeps_its_branches(org):
    general = OrgUnit.objects.create(
        name="机关党总支", kind=OrgUnit.Kind.GENERAL_BRANCH, parent=org.committee
    )
    inner = OrgUnit.objects.create(name="总支下支部", kind=OrgUnit.Kind.BRANCH, parent=general)
    inner_member = make_member(inner, "总支成员")
    head = make_member(inner, "总支书记", user=make_user("head"))
    Post.objects.create(
        member=head, unit=general, kind=Post.Kind.SECRETARY, start_on=datetime.date(2025, 1, 1)
    )
    access = access_for(head.user)
    assert access.organiser_units == [general]
    assert set(access.members()) == {inner_member, head}
    assert access.can_see_sensitive(inner_member)
    assert not access.can_see_sensitive(org.member_a)


def test_nested_posts_are_reduced_to_the_outermost_unit(org):
    Post.objects.create(
        member=org.organiser,
        unit=org.branch_a,
        kind=Post.Kind.SECRETARY,
        start_on=datetime.date(2025, 1, 1),
    )
    access = access_for(fresh(org.organiser.user))
    assert access.organiser_units == [org.committee]
    assert access.members().count() == 4  # no duplicates from overlapping scopes


def test_an_officer_with_a_second_branch_sees_both(org):
    Post.objects.create(
        member=org.secretary_a,
        unit=org.branch_c,
        kind=Post.Kind.DEPUTY,
        start_on=datetime.date(2025, 1, 1),
    )
    access = access_for(fresh(org.secretary_a.user))
    assert set(access.managed_units()) == {org.branch_a, org.branch_c}
    assert org.member_c in access.members()
    assert org.member_b not in access.members()


@pytest.mark.parametrize(
    "viewer, target, sees",
    [
        ("member_a", "member_a", True),
        ("member_a", "secretary_a", False),
        ("secretary_a", "member_a", False),
        ("organiser", "member_a", True),
        ("organiser", "member_b", True),
        ("organiser", "member_c", False),
        ("staff", "member_a", False),
    ],
)
def test_can_see_sensitive(org, viewer, target, sees):
    user = org.staff if viewer == "staff" else getattr(org, viewer).user
    assert access_for(user).can_see_sensitive(getattr(org, target)) is sees


def test_access_is_computed_once_per_user_object(org, django_assert_num_queries):
    user = fresh(org.organiser.user)
    with django_assert_num_queries(2):
        access_for(user)
        access_for(user)


@pytest.mark.parametrize(
    "value, masked",
    [
        ("130534198505050033", "130••••33"),
        ("13800000003", "138••••03"),
        ("1234", "••••"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_keeps_only_enough_to_recognise(value, masked):
    assert mask(value) == masked


@pytest.mark.parametrize("status", [Member.Status.LEFT, Member.Status.TRANSFERRED_OUT])
def test_someone_off_the_roll_no_longer_sees_their_old_branch(org, status):
    Member.objects.filter(pk=org.member_a.pk).update(
        status=status, status_changed_on=datetime.date(2026, 1, 1)
    )
    access = access_for(fresh(org.member_a.user))
    assert not access.visible_members().exists()
    assert not access.visible_units().exists()
    assert access.can_see_sensitive(access.member)  # their own record stays theirs
