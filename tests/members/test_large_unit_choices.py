"""A scope with more units than can be listed (a province's 3,000 branches) offers only the
units above branch level in the directory's and the admin's unit filters, plus the one
chosen; every unit in scope still filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import OrgUnitQuerySet

pytestmark = pytest.mark.django_db


@pytest.fixture
def few_choices(monkeypatch):
    monkeypatch.setattr(OrgUnitQuerySet, "CHOICES_MAX", 2)


def offered(response) -> list[str]:
    return [label for _value, label in response.context["form"].fields["unit"].widget.choices]


def test_small_scope_lists_every_unit(client_for, org):
    response = client_for("organiser").get(reverse("members:directory"))
    assert offered(response)[1:] == [org.committee.name, org.branch_a.name, org.branch_b.name]


def test_large_scope_lists_committees_and_the_chosen_branch(client_for, org, few_choices):
    client = client_for("organiser")
    assert offered(client.get(reverse("members:directory")))[1:] == [org.committee.name]
    response = client.get(reverse("members:directory"), {"unit": org.branch_b.pk})
    assert offered(response)[1:] == [org.committee.name, org.branch_b.name]
    assert [m.name for m in response.context["page"]] == [org.member_b.name]


def test_admin_unit_filter_of_a_large_scope(client_for, org, few_choices):
    client = client_for("organiser")
    url = reverse("admin:members_member_changelist")
    [unit_filter] = [
        spec
        for spec in client.get(url).context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "unit"
    ]
    assert [label for _pk, label in unit_filter.lookup_choices] == [org.committee.name]
    response = client.get(url, {"unit": org.branch_b.pk})
    assert [m.name for m in response.context["cl"].result_list] == [org.member_b.name]
