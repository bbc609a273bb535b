"""The demo organisation: its size, its four logins and their roles, and idempotence."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from members import demo
from members.models import Member, OrgUnit, Post
from members.scoping import access_for

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {
        "units": OrgUnit.objects.count(),
        "members": Member.objects.count(),
        "posts": Post.objects.count(),
        "users": get_user_model().objects.count(),
        "member history": Member.history.count(),
        "post history": Post.history.count(),
        "logins": sorted(Member.objects.values_list("id_number", "user__username")),
    }


@pytest.fixture
def seeded(db):
    return demo.seed()


# Seeding takes a few tenths of a second, so each test checks several things of one seed.
def test_builds_a_committee_with_eight_branches_and_186_members(seeded):
    committee = seeded["committee"]
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMITTEE).get() == committee
    assert committee.children.filter(kind=OrgUnit.Kind.BRANCH).count() == 8
    assert Member.objects.filter(unit__path__startswith=committee.path).count() == 186
    assert [len(people) for people in seeded["members"]] == [28, 25, 24, 23, 22, 22, 21, 21]
    assert Member.history.count() == 186  # each member's creation is in the history

    for member in Member.objects.all():
        member.clean()  # the stage rules hold for every generated person
        assert all("\u4e00" <= ch <= "\u9fff" for ch in member.name)
    stages = set(Member.objects.values_list("stage", flat=True))
    assert {Member.Stage.FULL, Member.Stage.PROBATIONARY, Member.Stage.APPLICANT} <= stages
    assert Member.objects.overdue_probationary().exists()  # something for the to-do list
    assert 140 <= Member.objects.filter(user__isnull=False).count() < 186

    for branch in seeded["branches"]:
        kinds = set(Post.objects.current().filter(unit=branch).values_list("kind", flat=True))
        assert {Post.Kind.SECRETARY, Post.Kind.ORGANISATION, Post.Kind.LIAISON} <= kinds


def test_the_four_demo_logins_work_and_have_their_roles(seeded):
    User = get_user_model()
    for username in ("organiser", "secretary", "member", "staff"):
        response = Client().post(
            reverse("account_login"), {"login": username, "password": "demo-pass-2017"}
        )
        assert response.status_code == 302, username
    first_branch = seeded["branches"][0]
    assert first_branch.name == "机关第一党支部"

    organiser = access_for(User.objects.get(username="organiser"))
    assert organiser.is_organiser
    assert organiser.organiser_units == [seeded["committee"]]
    assert organiser.member.unit == first_branch
    assert organiser.members().count() == 186

    secretary = access_for(User.objects.get(username="secretary"))
    assert secretary.is_officer and not secretary.is_organiser
    assert secretary.officer_units == [first_branch]
    assert set(secretary.members()) == set(first_branch.members.all())

    member = access_for(User.objects.get(username="member"))
    assert member.is_member and not member.is_officer
    assert member.member.unit == first_branch

    staff = access_for(User.objects.get(username="staff"))
    assert staff.member is None
    assert not staff.is_officer


def test_running_twice_changes_nothing(seeded):
    before = counts()
    again = demo.seed()
    assert counts() == before
    assert [[m.pk for m in people] for people in again["members"]] == [
        [m.pk for m in people] for people in seeded["members"]
    ]


def test_a_member_who_lost_their_login_gets_it_back_without_duplicates(seeded):
    member = Member.objects.get(user__username="member")
    Member.objects.filter(pk=member.pk).update(user=None)
    demo.seed()
    member.refresh_from_db()
    assert member.user.username == "member"
    assert get_user_model().objects.filter(username="member").count() == 1


def test_command_prints_the_demo_logins(db, monkeypatch):
    # Only the organisation: the other apps test their own demo data.
    monkeypatch.setattr("members.management.commands.seed_demo.DEMO_APPS", ("members",))
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "8 branches, 186 members" in text
    for username in ("organiser", "secretary", "member", "staff"):
        assert username in text
    assert "demo-pass-2017" in text
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
