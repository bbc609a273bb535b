"""The cached member counts of the organisation pages (members.counts) are served from the
cache and recomputed after every change that alters them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import counts
from members.models import Member, OrgUnit
from tests.conftest import make_member, make_user

pytestmark = pytest.mark.django_db


def figures(unit: OrgUnit) -> tuple[int, int]:
    return counts.subtree_counts()[unit.pk]


def test_counts_add_up_the_whole_subtree(org):
    # Five members on the roll in the committee, all with a login; four of them in A or B.
    assert figures(org.committee) == (4, 4)
    assert figures(org.branch_a) == (3, 3)
    assert figures(org.branch_b) == (1, 1)
    assert figures(org.other_committee) == (1, 1)


def test_counts_are_served_from_the_cache_without_a_query(org):
    counts.subtree_counts()
    with CaptureQueriesContext(connection) as queries:
        counts.subtree_counts()
    assert len(queries) == 0


def test_a_new_member_is_counted_at_once(org):
    before = figures(org.committee)
    make_member(org.branch_b, "新党员")
    assert figures(org.committee) == (before[0] + 1, before[1])
    assert figures(org.branch_b)[0] == 2


def test_a_member_leaving_the_roll_is_no_longer_counted(org):
    before = figures(org.branch_a)
    org.member_a.status = Member.Status.LEFT
    org.member_a.status_changed_on = datetime.date(2026, 11, 1)
    org.member_a.save()
    assert figures(org.branch_a) == (before[0] - 1, before[1] - 1)


def test_a_deleted_member_is_no_longer_counted(org):
    applicant = make_member(org.branch_b, "申请人", stage=Member.Stage.APPLICANT, full_on=None)
    assert figures(org.branch_b)[0] == 2
    applicant.delete()
    assert figures(org.branch_b)[0] == 1


def test_a_login_given_or_deleted_changes_the_coverage(org):
    person = make_member(org.branch_b, "无账号")
    assert figures(org.branch_b) == (2, 1)
    person.user = make_user("new_login")
    person.save()
    assert figures(org.branch_b) == (2, 2)
    # Deleting the login unlinks the member by an UPDATE, without saving the member.
    get_user_model().objects.filter(username="new_login").delete()
    assert figures(org.branch_b) == (2, 1)


def test_a_moved_branch_counts_under_its_new_committee(org):
    org.branch_b.parent = org.other_committee
    org.branch_b.save()
    assert figures(org.committee)[0] == 3
    assert figures(org.other_committee)[0] == 2


def test_explicit_invalidation_after_a_bulk_write(org):
    assert figures(org.branch_b)[0] == 1
    Member.objects.bulk_create(
        [Member(unit=org.branch_b, name="批量", gender=Member.Gender.MALE)]
    )  # no signal: stale until invalidated
    assert figures(org.branch_b)[0] == 1
    counts.invalidate()
    assert figures(org.branch_b)[0] == 2


def test_overview_and_unit_page_show_the_fresh_counts(client_for, org):
    client = client_for("organiser")
    client.get("/org/")
    make_member(org.branch_a, "第四人")
    response = client.get(f"/org/units/{org.committee.pk}/")
    assert (response.context["unit"].member_count, response.context["unit"].login_count) == (5, 4)
    assert response.context["page"].paginator.count == 5
    overview = client.get("/org/")
    [committee] = [u for u in overview.context["roots"] if u.pk == org.committee.pk]
    assert committee.member_count == 5


@pytest.mark.parametrize("persona", ["organiser", "secretary_a", "member_a", "superuser", "staff"])
def test_directory_count_from_the_cache_matches_the_list(client_for, org, persona):
    client = client_for(persona)
    client.get("/org/members/")
    make_member(org.branch_a, "新来的")  # the cached counts must follow
    paginator = client.get("/org/members/").context["page"].paginator
    assert paginator.count == len(list(paginator.object_list))  # all fit on one page
