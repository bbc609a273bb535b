"""Per-person data of the home page kept in the cache under version tokens.

A panel's data is stored with the tokens it was computed under: the person's access tokens
(members.scoping, which every post, member, unit or login write replaces) and the panel's own
token, which the panel's app replaces on every write that changes what it shows
(`replace_token`, from its post_save/post_delete receivers, again at commit). A read is one
round trip: the entry and the current tokens together; any difference recomputes. Entries
also expire after a short time, a bound on what a write outside the signals could leave.

Off when members.scoping.person_cache_enabled() says so (the test suite except the tests
of the caching; a per-process cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from . import counts, tokens
from .scoping import ACCESS_VERSION_KEY, person_cache_enabled

TIMEOUT = 60


def enabled() -> bool:
    return person_cache_enabled()


def replace_token(token_key: str, using: str | None = None) -> None:
    """Invalidate every entry under `token_key`: now, and again when the transaction commits
    (an entry computed between the write and the commit saw the old rows)."""
    if enabled():
        tokens.replace(token_key, using=using)


# name -> its token's key, filled by the apps' home modules (`register`), so that the home
# page reads every card's entry and token in one round trip (`prefetch`).
REGISTRY: dict[str, str] = {}


def register(name: str, token_key: str) -> None:
    REGISTRY[name] = token_key


def _key(name: str, user_id: int) -> str:
    return f"person:{name}:{user_id}"


def _token_keys(token_key: str) -> list[str]:
    return [token_key, ACCESS_VERSION_KEY, counts.VERSION_KEY]


def prefetch(user) -> None:
    """Read every registered entry of this login and every token at once (one round trip);
    `cached` then uses what was read. Kept on the user object, which lives one request."""
    if not enabled() or not REGISTRY:
        return
    keys = {_key(name, user.pk) for name in REGISTRY}
    for token_key in REGISTRY.values():
        keys.update(_token_keys(token_key))
    user._person_cache_found = (keys, cache.get_many(sorted(keys)))


def cached(name: str, user, token_key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its cached value for this login while no token changed."""
    if not enabled():
        return compute()
    key = _key(name, user.pk)
    token_keys = _token_keys(token_key)
    read, found = getattr(user, "_person_cache_found", (set(), {}))
    if key not in read or not read.issuperset(token_keys):
        found = cache.get_many([key, *token_keys])
    stamp = tokens.read(found, *token_keys)
    entry = found.get(key)
    if entry is not None and entry[0] == stamp:
        return entry[1]
    value = compute()
    cache.set(key, (stamp, value), TIMEOUT)
    return value


def forget(name: str, user_id: int, using: str | None = None) -> None:
    """Drop one person's entry (a write that concerns only them), now and at commit."""
    if not enabled():
        return
    key = _key(name, user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), using=using)
