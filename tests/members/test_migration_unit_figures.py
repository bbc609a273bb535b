"""Migration 0005 fills the member figures and the members' copy of their unit's path from
the rows already there."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from members import figures

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("members", "0004_private_files")]
AFTER = [("members", "0005_unit_figures")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_members_are_counted_and_placed():
    old = migrate(BEFORE)
    try:
        OrgUnit = old.get_model("members", "OrgUnit")
        Member = old.get_model("members", "Member")
        committee = OrgUnit.objects.create(name="党委", kind="committee", path="000901.")
        branch = OrgUnit.objects.create(
            name="支部", kind="branch", parent=committee, path="000901.000902.", depth=1
        )
        born = datetime.date(1990, 1, 1)
        for n, status in enumerate(["active", "active", "left"]):
            Member.objects.create(
                unit=branch,
                name=f"党员{n}",
                gender="female" if n else "male",
                stage="full",
                status=status,
                birth_date=born,
                education="bachelor",
            )
        new = migrate(AFTER)
        UnitFigures = new.get_model("members", "UnitFigures")
        row = UnitFigures.objects.get(unit_id=branch.pk)
        assert (row.everyone, row.members, row.gender_female, row.gender_male) == (3, 2, 1, 1)
        assert row.education_bachelor == 2 and row.stage_full == 2
        assert UnitFigures.objects.get(unit_id=committee.pk).everyone == 0
        NewMember = new.get_model("members", "Member")
        assert set(NewMember.objects.values_list("unit_path", flat=True)) == {"000901.000902."}
    finally:
        migrate(_latest())
    assert figures.recount(fix=False) == []


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
