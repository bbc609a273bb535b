"""Units, posts and transfers in the admin: organisers shape the tree and give posts within
their subtree; branch officers read their own branch's."""

from __future__ import annotations

import datetime

import pytest

from members.models import OrgUnit, Post, Transfer

from .conftest import admin_url

pytestmark = pytest.mark.django_db


def unit_data(**fields) -> dict:
    return {"name": "", "short_name": "", "kind": "branch", "parent": "", "sort_order": 0, **fields}


def test_organiser_adds_a_branch_under_their_committee(org, client_for):
    client = client_for("organiser")
    page = client.get(admin_url("orgunit_add"))
    parents = list(page.context["adminform"].form.fields["parent"].queryset)
    assert parents == [org.committee]  # branches hold no units; the other committee is out
    response = client.post(
        admin_url("orgunit_add"), unit_data(name="新建党支部", parent=org.committee.pk)
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="新建党支部")
    assert unit.is_within(org.committee)
    assert unit.history.first().history_user == org.organiser.user


def test_organiser_cannot_add_a_unit_elsewhere_or_at_the_top(org, client_for):
    client = client_for("organiser")
    client.post(admin_url("orgunit_add"), unit_data(name="越界支部", parent=org.other_committee.pk))
    client.post(admin_url("orgunit_add"), unit_data(name="顶层党委", kind="committee"))
    assert not OrgUnit.objects.filter(name__in=["越界支部", "顶层党委"]).exists()


def test_organiser_edits_own_committee_without_moving_it(org, client_for):
    client = client_for("organiser")
    page = client.get(admin_url("orgunit_change", org.committee.pk))
    assert "parent" not in page.context["adminform"].form.fields
    response = client.post(
        admin_url("orgunit_change", org.committee.pk),
        unit_data(name=org.committee.name, short_name="县公司党委", kind="committee"),
    )
    assert response.status_code == 302
    org.committee.refresh_from_db()
    assert org.committee.short_name == "县公司党委" and org.committee.parent is None


def test_secretary_reads_their_branch_but_does_not_change_it(org, client_for):
    client = client_for("secretary_a")
    response = client.get(admin_url("orgunit_changelist"))
    assert [u.name for u in response.context["cl"].result_list] == ["机关第一党支部"]
    response = client.post(
        admin_url("orgunit_change", org.branch_a.pk),
        unit_data(name="改名", parent=org.committee.pk),
    )
    assert response.status_code == 403
    org.branch_a.refresh_from_db()
    assert org.branch_a.name == "机关第一党支部"


def test_post_pickers_list_only_the_organisers_scope(org, client_for):
    page = client_for("organiser").get(admin_url("post_add"))
    form = page.context["adminform"].form
    assert org.branch_c not in form.fields["unit"].queryset
    assert org.member_c not in form.fields["member"].queryset
    assert org.member_b in form.fields["member"].queryset


def test_organiser_cannot_give_a_post_to_someone_outside_scope(org, client_for):
    response = client_for("organiser").post(
        admin_url("post_add"),
        {
            "member": org.member_c.pk,
            "unit": org.branch_a.pk,
            "kind": Post.Kind.PUBLICITY,
            "start_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "member" in response.context["adminform"].form.errors
    assert not Post.objects.filter(member=org.member_c).exists()


def test_transfers_are_listed_in_scope_and_not_added_by_hand(org, client_for):
    Transfer.objects.create(
        member=org.member_c,
        from_unit=org.branch_c,
        to_outside="外单位",
        transferred_on=datetime.date(2026, 1, 1),
    )
    mine = Transfer.objects.create(
        member=org.member_b,
        from_unit=org.branch_b,
        to_unit=org.branch_a,
        transferred_on=datetime.date(2026, 1, 1),
    )
    response = client_for("secretary_a").get(admin_url("transfer_changelist"))
    assert list(response.context["cl"].result_list) == [mine]  # into branch A
    assert client_for("organiser").get(admin_url("transfer_add")).status_code == 403
