"""Pages of a member list read by keyset, in the directory's order (unit path, name, id).

An offset page (`LIMIT 50 OFFSET 49950`) reads every row before it: page 1,000 of a
province's directory took 60 ms. A keyset page starts where the last one ended
(`?after=…`) or ends where the next one began (`?before=…`), one range of the index
`member_directory_order` (Member.unit_path, name, id): a deep page costs what the first does.
The links are plain links (first, previous, next, last); no page number is shown, since
knowing it would mean counting the rows before the page.

A cursor is the key of a row, written out: "<unit path>|<id>|<name>". One that does not
parse is ignored (the first page), never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import QueryDict

PER_PAGE = 50
LAST = "end"
ORDER = ("unit_path", "name", "pk")
_PATH = re.compile(r"(?:\d{6}\.){0,30}")


@dataclass(frozen=True)
class Key:
    unit_path: str
    pk: int
    name: str

    def __str__(self) -> str:
        return f"{self.unit_path}|{self.pk}|{self.name}"

    @classmethod
    def parse(cls, text: str | None) -> Key | None:
        if not text or len(text) > 400:
            return None
        parts = text.split("|", 2)
        if len(parts) != 3:
            return None
        path, pk, name = parts
        if not _PATH.fullmatch(path) or not (pk.isascii() and pk.isdigit() and len(pk) < 12):
            return None
        return cls(unit_path=path, pk=int(pk), name=name)

    @classmethod
    def of(cls, member) -> Key:
        return cls(unit_path=member.unit_path, pk=member.pk, name=member.name)


def _after(key: Key) -> Q:
    # The first conjunct repeats what the rest implies: it lets the index range start at
    # the key instead of the database filtering every row before it.
    return Q(unit_path__gte=key.unit_path) & (
        Q(unit_path__gt=key.unit_path)
        | Q(unit_path=key.unit_path, name__gt=key.name)
        | Q(unit_path=key.unit_path, name=key.name, pk__gt=key.pk)
    )


def _before(key: Key) -> Q:
    return Q(unit_path__lte=key.unit_path) & (
        Q(unit_path__lt=key.unit_path)
        | Q(unit_path=key.unit_path, name__lt=key.name)
        | Q(unit_path=key.unit_path, name=key.name, pk__lt=key.pk)
    )


@dataclass
class KeysetPage:
    """One page of members: `object_list`, and the query strings of the pages around it."""

    object_list: list
    count: int
    query: str = ""  # the other parameters of the page, kept in its links
    has_previous: bool = False
    has_next: bool = False
    previous_key: str = ""
    next_key: str = ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def _link(self, name: str, value: str | None) -> str:
        params = QueryDict(self.query, mutable=True)
        if name:
            params[name] = value
        return "?" + params.urlencode()

    @property
    def first_url(self) -> str:
        return self._link("", None)

    @property
    def previous_url(self) -> str:
        return self._link("before", self.previous_key)

    @property
    def next_url(self) -> str:
        return self._link("after", self.next_key)

    @property
    def last_url(self) -> str:
        return self._link("before", LAST)


def page(members: QuerySet, params: QueryDict, count: int, per_page: int = PER_PAGE) -> KeysetPage:
    """The page of `members` (already filtered) that `params` (`after`, `before`) ask for.
    Two queries: the rows, and whether any lie on the other side."""
    query = params.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    members = members.order_by(*ORDER)
    after, before = Key.parse(params.get("after")), params.get("before")
    before_key = Key.parse(before)
    if before == LAST or before_key is not None:
        backwards = members.order_by(*(f"-{f}" for f in ORDER))
        if before_key is not None:
            backwards = backwards.filter(_before(before_key))
        rows = list(backwards[: per_page + 1])
        has_previous = len(rows) > per_page
        rows = rows[:per_page][::-1]
        if rows or before == LAST:
            has_next = bool(rows) and members.filter(_after(Key.of(rows[-1]))).exists()
            return _made(rows, count, query, has_previous, has_next)
        after = None  # nothing before that key: the first page
    if after is not None:
        rows = list(members.filter(_after(after))[: per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        if rows:
            has_previous = members.filter(_before(Key.of(rows[0]))).exists()
            return _made(rows, count, query, has_previous, has_next)
    rows = list(members[: per_page + 1])
    return _made(rows[:per_page], count, query, False, len(rows) > per_page)


def _made(rows, count, query, has_previous, has_next) -> KeysetPage:
    return KeysetPage(
        object_list=rows,
        count=count,
        query=query.urlencode(),
        has_previous=has_previous,
        has_next=has_next,
        previous_key=str(Key.of(rows[0])) if rows else "",
        next_key=str(Key.of(rows[-1])) if rows else "",
    )
