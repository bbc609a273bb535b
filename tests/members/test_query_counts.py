"""The organisation pages run the same number of queries whatever the number of rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member, OrgUnit, Post

pytestmark = pytest.mark.django_db


def add_members(unit: OrgUnit, count: int, start: int = 0) -> None:
    Member.objects.bulk_create(
        Member(
            unit=unit,
            name=f"批量{n:04d}",
            gender=Member.Gender.FEMALE,
            stage=Member.Stage.FULL,
            applied_on=datetime.date(2010, 1, 1),
            full_on=datetime.date(2012, 1, 1),
        )
        for n in range(start, start + count)
    )


def count_queries(client, url: str, params: dict | None = None) -> int:
    client.get(url, params)  # warm the session cache so both runs start alike
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_directory_queries_do_not_grow_with_members(client_for, org):
    # Page and count queries only: no per-row unit lookup (select_related("unit")).
    client = client_for("organiser")
    url = reverse("members:directory")
    add_members(org.branch_a, 5)
    add_members(org.branch_b, 5, start=5)
    small = count_queries(client, url)
    add_members(org.branch_a, 495, start=10)
    add_members(org.branch_b, 495, start=505)
    assert Member.objects.count() >= 1000
    assert count_queries(client, url) == small
    # A page deep in the list is read like the first, from its key (members.keyset).
    last = Member.objects.filter(name__startswith="批量").order_by("unit_path", "name", "pk")
    key = f"{last[600].unit_path}|{last[600].pk}|{last[600].name}"
    assert count_queries(client, url, {"q": "批量", "after": key}) == count_queries(
        client, url, {"q": "批量", "after": f"{last[5].unit_path}|{last[5].pk}|{last[5].name}"}
    )


def test_unit_page_queries_do_not_grow_with_members(client_for, org):
    # Member counts are the kept figures and officers one query, however long the list.
    client = client_for("organiser")
    url = reverse("members:unit", args=[org.committee.pk])
    add_members(org.branch_a, 10)
    small = count_queries(client, url)
    add_members(org.branch_a, 990, start=10)
    assert count_queries(client, url) == small


def test_unit_page_queries_do_not_grow_with_officers(client_for, org):
    # Officers come with their member in one join, not one query each.
    client = client_for("secretary_a")
    url = reverse("members:unit", args=[org.branch_a.pk])
    small = count_queries(client, url)
    add_members(org.branch_a, 6)
    for member, kind in zip(
        Member.objects.filter(name__startswith="批量"),
        [Post.Kind.DEPUTY, Post.Kind.ORGANISATION, Post.Kind.PUBLICITY, Post.Kind.LIAISON],
        strict=False,
    ):
        Post.objects.create(
            member=member, unit=org.branch_a, kind=kind, start_on=datetime.date(2025, 1, 1)
        )
    assert count_queries(client, url) == small


def test_overview_queries_do_not_grow_with_members(client_for, org):
    # Counts per unit are the kept figures, summed by the database in one query.
    client = client_for("member_a")
    url = reverse("members:overview")
    add_members(org.branch_a, 10)
    small = count_queries(client, url)
    add_members(org.branch_b, 990, start=10)
    assert count_queries(client, url) == small


def test_overview_queries_do_not_grow_with_branches(client_for, org):
    # The tree is one query for two levels; children are grouped in Python.
    client = client_for("member_a")
    url = reverse("members:overview")
    add_members(org.branch_b, 3)
    small = count_queries(client, url)  # 3 branches: A, B and C
    for n in range(57):
        branch = OrgUnit.objects.create(
            name=f"新建党支部{n:02d}", kind=OrgUnit.Kind.BRANCH, parent=org.committee
        )
        add_members(branch, 2, start=100 + 2 * n)
    assert OrgUnit.objects.branches().count() == 60
    response = client.get(url)
    assert "新建党支部56" in response.content.decode()
    assert count_queries(client, url) == small
