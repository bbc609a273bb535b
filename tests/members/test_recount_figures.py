"""`manage.py recount_figures`: every registered recount runs; differences are reported,
corrected unless --check, and --check fails while any remains."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from members import recounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    registered: dict = {}
    monkeypatch.setattr(recounts, "_recounts", registered)
    return registered


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("recount_figures", *args, stdout=out)
    return out.getvalue()


def test_figures_that_agree_are_reported_as_such(registry):
    calls = []
    recounts.register("kept", lambda *, fix: calls.append(fix) or [])
    assert "Every kept figure agrees" in run()
    assert calls == [True]


def test_differences_are_listed_and_corrected(registry):
    state = {"wrong": True}

    def recount(*, fix: bool) -> list[str]:
        found = ["unit 7: 3 members kept, 4 counted"] if state["wrong"] else []
        if fix:
            state["wrong"] = False
        return found

    recounts.register("members", recount)
    output = run()
    assert "members: 1 difference(s)" in output
    assert "unit 7: 3 members kept, 4 counted" in output
    assert "Every kept figure agrees" in run("--check")


def test_check_changes_nothing_and_fails_while_figures_differ(registry):
    fixed = []
    recounts.register("study", lambda *, fix: fixed.append(fix) or ["month 2026-11: 1 off"])
    with pytest.raises(CommandError, match="1 kept figure"):
        run("--check")
    assert fixed == [False]
