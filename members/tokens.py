"""Version tokens: how everything the portal caches from the database stays fresh.

A cached value is stored under (or stamped with) the current token of each thing it was
computed from: member counts, a person's access, a home card, a campaign's results. A write
replaces the token, so the next reader misses and recomputes; nothing has to be found and
deleted, and old entries simply expire. A token is random, not a counter: one lost from the
cache (eviction, flush) comes back as a new random value, which no old entry can match.
A write replaces its token at once and again when its transaction commits: a reader that
loaded the old rows between the write and the commit stored them under a token already gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.core.cache import cache
from django.db import transaction

TIMEOUT = 60 * 60 * 24  # a token unused for a day may go: its replacement is just a miss


def _new() -> str:
    return uuid.uuid4().hex[:16]


def read(found: Mapping[str, object], *keys: str) -> tuple[str, ...]:
    """The tokens of `keys`, taken from `found` (a cache.get_many the caller made anyway, so
    that an entry and its tokens cost one round trip) and made where missing."""
    missing = [key for key in keys if found.get(key) is None]
    made: dict[str, object] = {}
    if missing:
        for key in missing:
            cache.add(key, _new(), TIMEOUT)  # a concurrent add wins: both then read it
        made = cache.get_many(missing)
    return tuple(str(found.get(key) or made.get(key) or _new()) for key in keys)


MISSING = object()


def stamped(found: Mapping[str, object], key: str, token_keys) -> tuple[object, tuple[str, ...]]:
    """(the value kept under `key` in `found` if it was stored with the current tokens of
    `token_keys`, else MISSING; those tokens, to keep a new value with). `found` is a
    cache.get_many of the key and the tokens, so that both cost one round trip."""
    stamp = read(found, *token_keys)
    entry = found.get(key)
    if entry is not None and entry[0] == stamp:
        return entry[1], stamp
    return MISSING, stamp


def keep(key: str, stamp: tuple[str, ...], value: object, timeout: int) -> None:
    """Keep `value` under `key` with the tokens it was computed under (see `stamped`)."""
    cache.set(key, (stamp, value), timeout)


def current(*keys: str) -> tuple[str, ...]:
    return read(cache.get_many(keys), *keys)


def replace(*keys: str, using: str | None = None) -> None:
    """Make everything cached under `keys` stale: now, and again at the commit."""

    def write() -> None:
        cache.set_many({key: _new() for key in keys}, TIMEOUT)

    write()
    transaction.on_commit(write, using=using)
