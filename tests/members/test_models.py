"""The organisation tree, posts, transfers and the rule that members are never deleted."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, OrgUnit, Post, Transfer
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def unit(name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(name=name, kind=kind, parent=parent)


@pytest.fixture
def tree():
    """province ─ county ─ general ─ branch, and a second county beside it."""
    province = unit("省公司党委", OrgUnit.Kind.COMMITTEE)
    county = unit("县公司党委", OrgUnit.Kind.COMMITTEE, province)
    general = unit("机关党总支", OrgUnit.Kind.GENERAL_BRANCH, county)
    branch = unit("机关第一党支部", OrgUnit.Kind.BRANCH, general)
    other_county = unit("邻县公司党委", OrgUnit.Kind.COMMITTEE, province)
    return province, county, general, branch, other_county


# --- OrgUnit tree ---------------------------------------------------------------------------
def test_paths_and_depths_follow_the_tree(tree):
    province, county, general, branch, _other = tree
    assert province.depth == 0
    assert province.path == f"{province.pk:06d}."
    assert county.path == f"{province.path}{county.pk:06d}."
    assert (county.depth, general.depth, branch.depth) == (1, 2, 3)
    branch.refresh_from_db()
    assert branch.path == f"{general.path}{branch.pk:06d}."
    assert branch.depth == 3


def test_subtree_and_ancestors_use_the_path(tree):
    province, county, general, branch, other = tree
    assert set(county.subtree()) == {county, general, branch}
    assert set(OrgUnit.objects.subtree_of([general, other])) == {general, branch, other}
    assert list(branch.ancestors()) == [province, county, general]
    assert branch.is_within(county)
    assert not branch.is_within(other)
    assert not OrgUnit.objects.subtree_of([]).exists()


def test_moving_a_unit_moves_its_subtree(tree):
    _province, county, general, branch, other = tree
    general.parent = other
    general.full_clean()
    general.save()
    general.refresh_from_db()
    branch.refresh_from_db()
    assert general.path == f"{other.path}{general.pk:06d}."
    assert branch.path == f"{general.path}{branch.pk:06d}."
    assert (general.depth, branch.depth) == (2, 3)
    assert set(other.subtree()) == {other, general, branch}
    assert set(county.subtree()) == {county}


def test_moving_a_unit_up_a_level_updates_depths(tree):
    province, _county, general, branch, _other = tree
    general.parent = province
    general.save()
    branch.refresh_from_db()
    assert branch.depth == 2
    assert branch.path == f"{province.path}{general.pk:06d}.{branch.pk:06d}."


def test_a_branch_cannot_hold_units(tree):
    *_, branch, _other = tree
    child = OrgUnit(name="小组", kind=OrgUnit.Kind.BRANCH, parent=branch)
    with pytest.raises(ValidationError) as error:
        child.full_clean()
    assert "parent" in error.value.message_dict


def test_a_general_branch_holds_only_branches(tree):
    _province, _county, general, *_ = tree
    child = OrgUnit(name="下级党委", kind=OrgUnit.Kind.COMMITTEE, parent=general)
    with pytest.raises(ValidationError) as error:
        child.full_clean()
    assert "parent" in error.value.message_dict


@pytest.mark.parametrize("kind", [OrgUnit.Kind.BRANCH, OrgUnit.Kind.GENERAL_BRANCH])
def test_only_a_committee_stands_at_the_top(kind):
    with pytest.raises(ValidationError) as error:
        OrgUnit(name="孤立支部", kind=kind).full_clean()
    assert "parent" in error.value.message_dict
    OrgUnit(name="党委", kind=OrgUnit.Kind.COMMITTEE).full_clean()


def test_a_unit_cannot_be_put_under_itself_or_its_descendant(tree):
    _province, county, general, _branch, _other = tree
    county.parent = county
    with pytest.raises(ValidationError):
        county.full_clean()
    county.parent = general  # a general branch may not hold a committee either way
    with pytest.raises(ValidationError):
        county.full_clean()
    county.refresh_from_db()
    # A committee under its own child committee: the kind is allowed, the loop is not.
    province = county.parent
    province.parent = county
    with pytest.raises(ValidationError) as error:
        province.full_clean()
    assert "itself" in str(error.value)


# --- Posts ----------------------------------------------------------------------------------
def test_current_posts_are_those_running_on_the_day(org):
    day = datetime.date(2025, 6, 1)
    ended = Post.objects.create(
        member=org.member_a,
        unit=org.branch_a,
        kind=Post.Kind.PUBLICITY,
        start_on=datetime.date(2020, 1, 1),
        end_on=datetime.date(2025, 5, 31),
    )
    ends_today = Post.objects.create(
        member=org.member_a,
        unit=org.branch_a,
        kind=Post.Kind.LIAISON,
        start_on=datetime.date(2020, 1, 1),
        end_on=day,
    )
    future = Post.objects.create(
        member=org.member_b,
        unit=org.branch_b,
        kind=Post.Kind.SECRETARY,
        start_on=datetime.date(2025, 6, 2),
    )
    current = set(Post.objects.current(day))
    assert ends_today in current
    assert ended not in current
    assert future not in current
    assert {p.kind for p in current} >= {Post.Kind.ORGANISER, Post.Kind.SECRETARY}
    assert future in Post.objects.current(datetime.date(2025, 6, 2))


def test_a_post_cannot_end_before_it_starts(org):
    post = Post(
        member=org.member_a,
        unit=org.branch_a,
        kind=Post.Kind.LIAISON,
        start_on=datetime.date(2025, 1, 1),
        end_on=datetime.date(2024, 12, 31),
    )
    with pytest.raises(ValidationError) as error:
        post.full_clean()
    assert "end_on" in error.value.message_dict


# --- Transfers ------------------------------------------------------------------------------
def transfer(org, **extra) -> Transfer:
    fields = {
        "member": org.member_a,
        "from_unit": org.branch_a,
        "transferred_on": datetime.date(2026, 1, 1),
        "created_by": org.superuser,
    }
    fields.update(extra)
    return Transfer(**fields)


def test_a_transfer_goes_to_a_unit_or_outside_but_not_both(org):
    with pytest.raises(ValidationError):
        transfer(org).full_clean()
    with pytest.raises(ValidationError):
        transfer(org, to_unit=org.branch_b, to_outside="外省某党委").full_clean()
    transfer(org, to_unit=org.branch_b).full_clean()
    transfer(org, to_outside="外省某党委").full_clean()


def test_a_transfer_to_the_same_unit_is_refused(org):
    with pytest.raises(ValidationError) as error:
        transfer(org, to_unit=org.branch_a).full_clean()
    assert "to_unit" in error.value.message_dict


def test_a_transfer_goes_to_a_branch_not_a_committee(org):
    with pytest.raises(ValidationError) as error:
        transfer(org, to_unit=org.committee).full_clean()
    assert "to_unit" in error.value.message_dict


# --- Members are never deleted once they have a history --------------------------------------
def test_a_member_with_history_cannot_be_deleted(org):
    with pytest.raises(ValidationError):
        org.member_a.delete()  # a full member
    assert Member.objects.filter(pk=org.member_a.pk).exists()


def test_a_member_with_a_post_cannot_be_deleted(org):
    applicant = make_member(
        org.branch_a,
        "新申请",
        stage=Member.Stage.APPLICANT,
        applied_on=datetime.date(2026, 1, 1),
        full_on=None,
    )
    Post.objects.create(
        member=applicant,
        unit=org.branch_a,
        kind=Post.Kind.LIAISON,
        start_on=datetime.date(2026, 2, 1),
    )
    with pytest.raises(ValidationError):
        applicant.delete()
    assert Member.objects.filter(pk=applicant.pk).exists()


def test_a_fresh_applicant_entered_by_mistake_can_be_deleted(org):
    applicant = make_member(
        org.branch_a,
        "录错了",
        stage=Member.Stage.APPLICANT,
        applied_on=datetime.date(2026, 1, 1),
        full_on=None,
    )
    applicant.delete()
    assert not Member.objects.filter(name="录错了").exists()
