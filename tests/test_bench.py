"""The benchmark tooling: the writer's writes go through the portal's own code, and the report
judges each page against the targets of issue 13."""

from __future__ import annotations

import random

import pytest

from bench.run import READ, WRITES, Figures, Page, growth, shortfalls, write_share
from bench.writer import CHANGE_REASON, Writer, describe
from lessons.models import Lesson, StudyRecord
from members.models import Member


@pytest.fixture
def lesson(org):
    return Lesson.objects.create(
        unit=org.committee, title="两学一做", status=Lesson.Status.PUBLISHED, audience_all=True
    )


def test_writer_saves_a_member_through_save_and_keeps_its_history(org):
    writer = Writer(random.Random(1))
    done = writer.save_member()
    member = Member.objects.get(pk=done["member"])
    assert [member.job_title, member.phone] == [done["job_title"][1], done["phone"][1]]
    assert done["job_title"][0] != done["job_title"][1]
    latest = member.history.latest()
    assert latest.history_change_reason == CHANGE_REASON
    assert latest.job_title == member.job_title


def test_writer_marks_a_visible_unlearned_lesson_learned(org, lesson):
    writer = Writer(random.Random(2))
    done = writer.learn_lesson()
    record = StudyRecord.objects.get(user__username=done["user"], lesson=lesson)
    assert record.completed_at is not None
    assert done["lesson"] == lesson.pk


def test_writer_skips_when_nothing_is_left_to_learn(org, lesson):
    for user in [m.user for m in Member.objects.exclude(user=None)]:
        StudyRecord.objects.create(user=user, lesson=lesson, completed_at=lesson.created_at)
    done = Writer(random.Random(3)).learn_lesson()
    assert "skipped" in done
    assert "0 lessons marked learned [1 skipped]" in describe([done])


def test_writer_reports_a_failed_write_and_goes_on(org, lesson, monkeypatch):
    writer = Writer(random.Random(4))
    monkeypatch.setattr(writer, "save_member", lambda: 1 / 0)
    first, second = writer.tick()
    assert first == {"write": "member", "error": "ZeroDivisionError: division by zero"}
    assert second["write"] == "learned" and "ms" in second


def page(name, read_ms, writes_ms=None, *, queries=5, small=None, ratios=(), write_ratios=()):
    """A page measured beside a baseline of 2 ms in both passes."""
    figures = {
        READ: Figures(queries=queries, times_ms=[read_ms], base_ms=2.0, ratios=list(ratios)),
        WRITES: Figures(
            queries=queries,
            times_ms=[writes_ms or read_ms],
            base_ms=2.0,
            ratios=list(write_ratios),
        ),
    }
    return Page(name, "member", "/", passes=figures, small=small)


def test_a_page_under_ten_times_the_baseline_is_within_target():
    assert shortfalls(page("unit page", 19.0)) == []


def test_home_lesson_list_and_lesson_page_must_stay_under_six_times():
    assert shortfalls(page("home", 13.0)) == ["6.5× > 6×", "6.5× > 6× with writes"]
    assert shortfalls(page("unit page", 13.0)) == []


def test_the_write_pass_is_judged_too():
    assert shortfalls(page("unit page", 10.0, 30.0)) == ["15.0× > 10× with writes"]


def test_a_page_is_compared_with_the_baseline_timed_around_it():
    drifted = page("unit page", 30.0)
    drifted.passes[READ].base_ms = 4.0  # the machine was busier while this page was timed
    assert drifted.passes[READ].times_baseline == pytest.approx(7.5)
    assert shortfalls(drifted) == ["15.0× > 10× with writes"]


def test_statistics_must_answer_within_150_ms():
    assert shortfalls(page("statistics", 160.0)) == [
        "80.0× > 10×",
        "160 ms > 150 ms",
        "80.0× > 10× with writes",
        "160 ms > 150 ms with writes",
    ]


def test_throughput_with_writes_must_keep_80_percent_of_read_only():
    slowed = page("unit page", 10.0, ratios=[0.5, 0.5], write_ratios=[0.3, 0.35])
    assert write_share(slowed) == pytest.approx(0.65)
    assert shortfalls(slowed) == ["req/s with writes 65% < 80% of read-only"]


def test_queries_must_not_grow_with_the_data_nor_the_median_by_more_than_half():
    grown = page("unit page", 12.0, queries=9, small={"queries": 7, "times_baseline": 4.0})
    assert growth(grown) == pytest.approx(1.5)
    assert shortfalls(grown) == ["queries 7 → 9"]
    grown.small["times_baseline"] = 2.0
    assert shortfalls(grown) == ["queries 7 → 9", "growth 3.0× > 1.5×"]


def test_references_are_measured_but_not_judged():
    assert shortfalls(page("layout (reference)", 40.0)) == []
    assert shortfalls(Page("unit page", "organiser", "/", error="HTTP 404")) == ["HTTP 404"]
