"""Per-person data of the home page kept in the cache under version tokens.

A panel's data is stored with the tokens it was computed under: the person's access tokens
(members.scoping, which every post, member, unit or login write replaces) and the panel's own
token, which the panel's app replaces on every write that changes what it shows
(`replace_token`, from its post_save/post_delete receivers, again at commit). A read is one
round trip: the entry and the current tokens together; any difference recomputes. Entries
also expire after a short time, a bound on what a write outside the signals could leave.

A page can also keep a whole rendered part per person (`page`: the home page's cards and
to-do), stamped with every card's token at once, so that a visit draws nothing.

Drawn HTML holds no CSRF token: a form is drawn with `CSRF_SLOT` where the token goes, and
`fill_csrf` puts in the request's own token on every request. The slot comes from the secret
key, and its digest (`SLOTS`) is in the keys of what holds it: a process with another key
neither reads nor writes those entries.

Off when members.scoping.person_cache_enabled() says so (the test suite except the tests
of the caching; a per-process cache).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from . import counts, tokens
from .scoping import ACCESS_VERSION_KEY, person_cache_enabled

TIMEOUT = 60

# Where the CSRF token goes in drawn HTML: derived from the secret key, so the same in every
# process and unknown to anyone who could type it into a reflection or a name.
CSRF_SLOT = hmac.new(
    settings.SECRET_KEY.encode(), b"lessons.caching.csrf-slot", hashlib.sha256
).hexdigest()
# In the key of every entry that holds a slot: processes with another secret key (a key
# rotated, another deployment on the same cache) use other slots, so other entries.
SLOTS = hashlib.sha256(CSRF_SLOT.encode()).hexdigest()[:12]


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


def page_key(name: str, user_id: int, vary: str) -> str:
    return f"person:page:{name}:{get_language()}:{user_id}:{vary}"


def person_token_key(user_id: int) -> str:
    """The token of everything kept for one person alone: `forget` and a write that concerns
    only them (their study records, their notifications) replace it."""
    return f"person:token:{user_id}"


def _all_token_keys() -> list[str]:
    keys = {ACCESS_VERSION_KEY, counts.VERSION_KEY, *REGISTRY.values()}
    return sorted(keys)


def prefetch(user, pages: Iterable[str] = (), cards: bool = True) -> None:
    """Read the registered entries of this login (unless not `cards`), the named `pages`
    (see `page`, without `vary`) and every token at once (one round trip); `cached` and
    `page` then use what was read. Kept on the user object, which lives one request."""
    if not enabled() or not REGISTRY:
        return
    keys = {_key(name, user.pk) for name in REGISTRY} if cards else set()
    keys.update(page_key(name, user.pk, "") for name in pages)
    keys.update(_all_token_keys())
    keys.add(person_token_key(user.pk))
    user._person_cache_found = (keys, cache.get_many(sorted(keys)))


def _found(user, keys: list[str]) -> dict:
    read, found = getattr(user, "_person_cache_found", (set(), {}))
    if not read.issuperset(keys):
        found = cache.get_many(keys)
    return found


def cached(name: str, user, token_key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its cached value for this login while no token changed."""
    if not enabled():
        return compute()
    return _stamped(user, _key(name, user.pk), _token_keys(token_key), compute, TIMEOUT)


def lookup(user, key: str, token_keys: list[str]) -> tuple[Any, tuple[str, ...]]:
    """`tokens.stamped` of `key`, from what `prefetch` read when it holds the key and tokens."""
    return tokens.stamped(_found(user, [key, *token_keys]), key, token_keys)


def _stamped(user, key: str, token_keys: list[str], compute: Callable[[], Any], timeout: int):
    """The entry under `key` if it was stored under the current `token_keys`; else
    `compute()`, stored with them."""
    value, stamp = lookup(user, key, token_keys)
    if value is tokens.MISSING:
        value = compute()
        tokens.keep(key, stamp, value, timeout)
    return value


def page(
    name: str,
    user,
    render: Callable[[], str],
    token_keys: Iterable[str] | None = None,
    vary: str = "",
    timeout: int = TIMEOUT,
) -> str:
    """A rendered part of a page for this login in the active language (`render()`), kept
    while none of its tokens changed, and at most `timeout` seconds.

    The tokens are `token_keys` (the version tokens of everything the part shows) with the
    person's own token and access; by default, every registered home card's token. `vary`
    tells apart the versions of one page (a page number, a filter). What is drawn must hold
    no CSRF token, which would outlive the login it was made for: a form's token is left as a
    slot filled on each request (`fill_csrf`)."""
    if not enabled():
        return render()
    keys = set(_all_token_keys() if token_keys is None else token_keys)
    keys.update((ACCESS_VERSION_KEY, person_token_key(user.pk)))
    return _stamped(user, page_key(name, user.pk, vary), sorted(keys), render, timeout)


def forget(name: str, user_id: int, using: str | None = None) -> None:
    """Drop one person's entry (a write that concerns only them), now and at commit, and
    every page drawn for them (their token)."""
    if not enabled():
        return
    key = _key(name, user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), using=using)
    tokens.replace(person_token_key(user_id), using=using)


def forget_pages(user_ids: Iterable[int], using: str | None = None) -> None:
    """Every page drawn for these people is stale (a write that concerns only them)."""
    if enabled():
        tokens.replace(*(person_token_key(pk) for pk in user_ids), using=using)


def fill_csrf(request, html: str) -> str:
    """The request's own CSRF token where drawn HTML left its slot."""
    if CSRF_SLOT not in html:
        return html
    return html.replace(CSRF_SLOT, get_token(request))
