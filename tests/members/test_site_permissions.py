"""Who may open which intranet page: one table over every persona and page.

Targets are named objects of the `org` fixture; a profile outside a person's scope is a 404
(never a 403), so its existence does not leak.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Member

pytestmark = pytest.mark.django_db

PAGES = {
    "home": lambda org: reverse("home"),
    "overview": lambda org: reverse("members:overview"),
    "directory": lambda org: reverse("members:directory"),
    "me": lambda org: reverse("members:me"),
    "unit:committee": lambda org: reverse("members:unit", args=[org.committee.pk]),
    "unit:branch_a": lambda org: reverse("members:unit", args=[org.branch_a.pk]),
    "unit:branch_b": lambda org: reverse("members:unit", args=[org.branch_b.pk]),
    "unit:other_committee": lambda org: reverse("members:unit", args=[org.other_committee.pk]),
    "unit:branch_c": lambda org: reverse("members:unit", args=[org.branch_c.pk]),
    "member:member_a": lambda org: reverse("members:member", args=[org.member_a.pk]),
    "member:member_b": lambda org: reverse("members:member", args=[org.member_b.pk]),
    "member:member_c": lambda org: reverse("members:member", args=[org.member_c.pk]),
    "member:missing": lambda org: reverse("members:member", args=[999_999]),
    "unit:missing": lambda org: reverse("members:unit", args=[999_999]),
}

OPEN_TO_ALL = ["home", "overview", "directory", "me", "unit:committee", "unit:branch_a"]
OPEN_TO_ALL += ["unit:branch_b", "unit:other_committee", "unit:branch_c"]

# Member profiles each persona may open; every other profile is a 404.
PROFILES = {
    "staff": set(),  # a login without membership sees nobody's record
    "member_a": {"member:member_a"},  # own branch's colleagues (here: themselves)
    "member_b": {"member:member_b"},
    "secretary_a": {"member:member_a"},  # their branch only
    "organiser": {"member:member_a", "member:member_b"},  # the committee's subtree
    "superuser": {"member:member_a", "member:member_b", "member:member_c"},
}
ALL_PROFILES = ["member:member_a", "member:member_b", "member:member_c", "member:missing"]


def _matrix():
    rows = [("anonymous", page, 302) for page in PAGES]
    for persona, profiles in PROFILES.items():
        rows += [(persona, page, 200) for page in OPEN_TO_ALL]
        rows += [(persona, page, 200 if page in profiles else 404) for page in ALL_PROFILES]
        rows.append((persona, "unit:missing", 404))
    return rows


@pytest.mark.parametrize("persona, page, status", _matrix())
def test_permission_matrix(client_for, org, persona, page, status):
    url = PAGES[page](org)
    response = client_for(persona).get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if status == 404:
        # Nothing about the hidden person leaks into the not-found page.
        for member in (org.member_a, org.member_b, org.member_c):
            assert member.name not in response.content.decode()


# Whose names the member list of a unit page shows, per persona.
UNIT_LISTS = {
    "staff": set(),
    "member_a": {"branch_a"},
    "member_b": {"branch_b"},
    "secretary_a": {"branch_a"},
    "organiser": {"committee", "branch_a", "branch_b"},
    "superuser": {"committee", "branch_a", "branch_b", "other_committee", "branch_c"},
}
UNIT_MEMBERS = {
    "committee": ["member_a", "member_b"],
    "branch_a": ["member_a"],
    "branch_b": ["member_b"],
    "other_committee": ["member_c"],
    "branch_c": ["member_c"],
}


@pytest.mark.parametrize(
    "persona, unit, listed",
    [
        (persona, unit, unit in units)
        for persona, units in UNIT_LISTS.items()
        for unit in UNIT_MEMBERS
    ],
)
def test_unit_page_lists_members_only_within_scope(client_for, org, persona, unit, listed):
    response = client_for(persona).get(reverse("members:unit", args=[getattr(org, unit).pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for key in UNIT_MEMBERS[unit]:
        member = getattr(org, key)
        assert (member.name in html) is listed, member.name
        profile = reverse("members:member", args=[member.pk])
        assert (profile in html) is listed


def test_directory_lists_only_the_scope(client_for, org):
    expectations = {
        "staff": set(),
        "member_a": {"member_a", "secretary_a", "organiser"},
        "secretary_a": {"member_a", "secretary_a", "organiser"},
        "member_b": {"member_b"},
        "organiser": {"member_a", "secretary_a", "organiser", "member_b"},
        "superuser": {"member_a", "secretary_a", "organiser", "member_b", "member_c"},
    }
    everyone = ("member_a", "secretary_a", "organiser", "member_b", "member_c")
    for persona, visible in expectations.items():
        html = client_for(persona).get(reverse("members:directory")).content.decode()
        for key in everyone:
            assert (getattr(org, key).name in html) is (key in visible), (persona, key)


# --- Sensitive fields -------------------------------------------------------------------------
ADDRESS = "清河县城关镇幸福路88号"


@pytest.fixture
def sensitive(org):
    Member.objects.filter(pk__in=[org.member_a.pk, org.secretary_a.pk]).update(home_address=ADDRESS)
    return org


def _full_values(member: Member) -> list[str]:
    return [member.id_number, member.phone, member.birth_date.isoformat(), ADDRESS]


@pytest.mark.parametrize(
    "persona, target, shown",
    [
        ("member_a", "member_a", True),  # the person themselves
        ("organiser", "member_a", True),  # an organiser whose scope covers them
        ("superuser", "member_a", True),
        ("secretary_a", "member_a", False),  # a branch secretary is not an organiser
        ("member_a", "secretary_a", False),  # a colleague
        ("secretary_a", "secretary_a", True),
    ],
)
def test_sensitive_fields_are_shown_only_to_self_and_organisers(
    client_for, sensitive, persona, target, shown
):
    member = getattr(sensitive, target)
    response = client_for(persona).get(reverse("members:member", args=[member.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for value in _full_values(member):
        assert (value in html) is shown, value
    if not shown:
        assert member.id_number[:3] + "••••" + member.id_number[-2:] in html


def test_my_profile_shows_my_own_sensitive_fields(client_for, sensitive):
    html = client_for("member_a").get(reverse("members:me")).content.decode()
    for value in _full_values(sensitive.member_a):
        assert value in html


def test_staff_my_profile_says_there_is_no_member_record(client_for, org):
    response = client_for("staff").get(reverse("members:me"))
    assert response.status_code == 200
    assert "not linked to a Party member record" in response.content.decode()


def test_edit_link_only_for_those_who_keep_the_record(client_for, org):
    admin_url = reverse("admin:members_member_change", args=[org.member_a.pk])
    profile = reverse("members:member", args=[org.member_a.pk])
    for persona, shown in [("member_a", False), ("secretary_a", True), ("organiser", True)]:
        html = client_for(persona).get(profile).content.decode()
        assert (admin_url in html) is shown, persona
