"""Migration 0004 gives past completions a branch (the learner's at the time of migrating)
and existing lessons their search index."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("lessons", "0003_private_files"), ("members", "0004_private_files")]
AFTER = [("lessons", "0004_kept_figures")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_past_completions_get_the_learners_branch_and_lessons_their_index():
    old = migrate(BEFORE)
    try:
        User = old.get_model("auth", "User")
        OrgUnit = old.get_model("members", "OrgUnit")
        Member = old.get_model("members", "Member")
        Lesson = old.get_model("lessons", "Lesson")
        StudyRecord = old.get_model("lessons", "StudyRecord")
        unit = OrgUnit.objects.create(name="支部", kind="branch", path="000001.", depth=0)
        learner, opener, staff = (User.objects.create(username=n) for n in "abc")
        Member.objects.create(
            unit=unit, name="党员", gender="male", stage="full", status="active", user=learner
        )
        Member.objects.create(
            unit=unit, name="党员二", gender="male", stage="full", status="active", user=opener
        )
        lesson = Lesson.objects.create(
            unit=unit,
            title="党员义务",
            summary="学习",
            body_text="支部学习党章",
            status="published",
        )
        now = timezone.now() - datetime.timedelta(days=40)
        learned = StudyRecord.objects.create(user=learner, lesson=lesson, completed_at=now)
        opened = StudyRecord.objects.create(user=opener, lesson=lesson)
        by_staff = StudyRecord.objects.create(user=staff, lesson=lesson, completed_at=now)

        new = migrate(AFTER)
        StudyRecord = new.get_model("lessons", "StudyRecord")
        assert StudyRecord.objects.get(pk=learned.pk).unit_id == unit.pk
        assert StudyRecord.objects.get(pk=opened.pk).unit_id is None  # not learned yet
        assert StudyRecord.objects.get(pk=by_staff.pk).unit_id is None  # in no branch
        grams = new.get_model("lessons", "Lesson").objects.get(pk=lesson.pk).search_grams.split()
        assert {"党员", "义务", "支部", "党章", "学习"} <= set(grams)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
