"""A lesson's "learned by N colleagues" figure is cached per lesson and follows every
completion and removal of a study record at once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons import progress, services
from lessons.models import StudyRecord


def test_learned_count_is_served_from_the_cache(org, make_lesson):
    lesson = make_lesson()
    services.study_record_complete(user=org.member_b.user, lesson=lesson)
    assert progress.learned_count(lesson.pk) == 1
    with CaptureQueriesContext(connection) as queries:
        assert progress.learned_count(lesson.pk) == 1
    assert len(queries) == 0


def test_learned_count_follows_a_completion(org, make_lesson):
    lesson = make_lesson()
    assert progress.learned_count(lesson.pk) == 0
    services.study_record_open(user=org.member_a.user, lesson=lesson)
    assert progress.learned_count(lesson.pk) == 0  # opened, not learned
    services.study_record_complete(user=org.member_a.user, lesson=lesson)
    assert progress.learned_count(lesson.pk) == 1


def test_learned_count_follows_a_removed_record(org, make_lesson):
    lesson = make_lesson()
    services.study_record_complete(user=org.member_a.user, lesson=lesson)
    services.study_record_complete(user=org.member_b.user, lesson=lesson)
    assert progress.learned_count(lesson.pk) == 2
    StudyRecord.objects.get(user=org.member_b.user, lesson=lesson).delete()
    assert progress.learned_count(lesson.pk) == 1


def test_learned_count_is_per_lesson(org, make_lesson):
    first, second = make_lesson("第一课"), make_lesson("第二课")
    services.study_record_complete(user=org.member_a.user, lesson=first)
    assert progress.learned_count(first.pk) == 1
    assert progress.learned_count(second.pk) == 0
