"""A past version in the admin is opened by whoever may open the object as it is today.

simple_history asked the permission question of the past version itself, and a unit's first
version has an empty path (the path needs the primary key): organisers got a 403 on the first
version of every unit of their committee.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def first_version_url(unit) -> str:
    first = unit.history.earliest("history_date")
    return reverse("admin:members_orgunit_simple_history", args=[unit.pk, first.history_id])


@pytest.mark.parametrize("persona", ["organiser", "secretary_a", "superuser"])
def test_the_first_version_of_a_unit_opens_for_those_who_keep_it(org, client_for, persona):
    assert org.branch_a.history.earliest("history_date").path == ""
    response = client_for(persona).get(first_version_url(org.branch_a))
    assert response.status_code == 200


@pytest.mark.parametrize("persona, unit", [("secretary_a", "branch_b"), ("organiser", "branch_c")])
def test_a_past_version_outside_the_scope_is_still_404(org, client_for, persona, unit):
    response = client_for(persona).get(first_version_url(getattr(org, unit)))
    assert response.status_code == 404
