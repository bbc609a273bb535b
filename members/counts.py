"""Member counts of every unit's whole subtree, computed once and kept in the cache.

The organisation overview and the unit pages show, for each unit, the members on the roll
in its subtree and how many of them have a portal login. At provincial scale (100,000
members, 3,000 branches) counting them per request took most of a second; here one grouped
query counts the members of each unit, Python adds every unit's figures to its ancestors
along the materialised path, and the result (a small dict) is cached.

Invalidation is by version token: any save or delete of a member, a unit or a login (a
deleted login unlinks its member without a save) replaces the token, so the next reader
recomputes. The organisation pages keep what they draw of members under the same token
(members.views), so a transfer's record, shown on a profile and editable on its own in the
admin, replaces it too. A token rather than a counter: if the cache evicts the token, a new random one
can never match an old entry. Writes that bypass signals (`bulk_create`, `queryset.update`)
must call `invalidate()` themselves, as `seed_demo` does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import tokens
from .models import Member, OrgUnit, Transfer, ancestor_paths

VERSION_KEY = "members:subtree-counts:version"
TIMEOUT = 60 * 60 * 24  # a day: recomputing is cheap enough, and stale tokens expire


def version() -> str:
    """The current token: part of the key of anything else cached from member figures."""
    return tokens.current(VERSION_KEY)[0]


def invalidate() -> None:
    tokens.replace(VERSION_KEY)


def compute() -> dict[int, tuple[int, int]]:
    """{unit pk: (members on the roll in its subtree, of whom with a login)}: two queries."""
    direct = {
        row["unit_id"]: (row["n"], row["logins"])
        for row in Member.objects.active()
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"), logins=Count("pk", filter=Q(user__isnull=False)))
    }
    units = dict(OrgUnit.objects.order_by().values_list("path", "pk"))
    totals = dict.fromkeys(units.values(), (0, 0))
    path_of = {pk: path for path, pk in units.items()}
    for unit_id, (members, logins) in direct.items():
        for path in ancestor_paths(path_of.get(unit_id, "")):
            pk = units.get(path)
            if pk is not None:
                n, with_login = totals[pk]
                totals[pk] = (n + members, with_login + logins)
    return totals


# The last dict this process read, with its token: unpickling the 3,337 entries of a
# province from the cache took ~10 ms a call, and the token alone says whether it is current.
_memo: tuple[str, dict[int, tuple[int, int]]] | None = None


def subtree_counts() -> dict[int, tuple[int, int]]:
    global _memo
    token = version()
    memo = _memo  # one read: another thread may replace it, never mutate it
    if memo is not None and memo[0] == token:
        return memo[1]
    key = f"members:subtree-counts:{token}"
    counts = cache.get(key)
    if counts is None:
        counts = compute()
        cache.set(key, counts, TIMEOUT)
    _memo = (token, counts)
    return counts


def annotate(units) -> list[OrgUnit]:
    """Set `member_count` and `login_count` on each unit (no query when cached)."""
    counts = subtree_counts()
    units = list(units)
    for unit in units:
        unit.member_count, unit.login_count = counts.get(unit.pk, (0, 0))
    return units


@receiver(post_save, sender=Member, dispatch_uid="members.counts.member_saved")
@receiver(post_delete, sender=Member, dispatch_uid="members.counts.member_deleted")
@receiver(post_save, sender=OrgUnit, dispatch_uid="members.counts.unit_saved")
@receiver(post_delete, sender=OrgUnit, dispatch_uid="members.counts.unit_deleted")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="members.counts.login_gone")
@receiver(post_save, sender=Transfer, dispatch_uid="members.counts.transfer_saved")
@receiver(post_delete, sender=Transfer, dispatch_uid="members.counts.transfer_deleted")
def _changed(**kwargs) -> None:
    invalidate()
