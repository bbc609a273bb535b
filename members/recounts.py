"""The register of figures kept in tables, and their recount.

Counters and rollups (member figures per unit, study per unit and month, banner holders per
quarter…) are kept current by the code that owns each write. A write that bypasses that code
(a raw SQL fix, a bulk load) would leave them wrong, so every app that keeps figures registers
a function here that counts them again from the raw rows:

    recount(*, fix: bool) -> list[str]

It returns one line per figure that differed from the raw rows (empty: all agree), and, with
`fix`, writes the recounted figures. `manage.py recount_figures` runs them all; the seeds run
it after their bulk inserts. Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable

Recount = Callable[..., list[str]]

_recounts: dict[str, Recount] = {}


def register(name: str, recount: Recount) -> None:
    """Register `recount` under `name` (e.g. "members", shown before its differences)."""
    _recounts[name] = recount


def recount_all(*, fix: bool) -> dict[str, list[str]]:
    """{name: differences} for every registered recount, in the order they registered."""
    return {name: recount(fix=fix) for name, recount in _recounts.items()}
