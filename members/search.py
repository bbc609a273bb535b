"""People and units for the portal's search: members from `access.visible_members()` by
name (the directory's scope); units by name from the whole tree, as the organisation pages
open every unit to every login (only their member lists are scoped).

Also the small helper every app's `search.py` uses for its snippets (members is the app all
others may import). Matching is `icontains` (LIKE) on the real tables: two-character Chinese
words such as 党委 or a two-character name are found, which FTS trigram indexes miss; member
names through `MemberQuerySet.named`, which has PostgreSQL use an index for every length.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator

from .models import OrgUnit
from .scoping import Access

SNIPPET_CHARS = 90


def snippet(text: str, q: str, width: int = SNIPPET_CHARS) -> str:
    """Plain text of about `width` characters around the first match of `q` (unescaped:
    the search page escapes it and marks the match)."""
    text = " ".join((text or "").split())
    position = text.lower().find((q or "").lower()) if q else -1
    start = max(0, position - width // 4) if position >= 0 else 0
    return ("…" if start else "") + Truncator(text[start:]).chars(width)


def search(access: Access, q: str, limit: int = 20) -> list[dict]:
    q = (q or "").strip()
    if not q or not access.is_authenticated:
        return []
    members = access.visible_members().named(q)
    if not access.is_officer:
        members = members.active()  # colleagues see the roll, as in the directory
    members = members.select_related("unit").order_by("name", "pk")[:limit]
    units = OrgUnit.objects.filter(Q(name__icontains=q) | Q(short_name__icontains=q)).order_by(
        "path"
    )[:limit]
    results = [
        {
            "kind": "person",
            "title": member.name,
            "url": reverse("members:member", args=[member.pk]),
            "snippet": " · ".join(part for part in (member.unit.name, member.job_title) if part),
            "date": None,
        }
        for member in members
    ]
    results += [
        {
            "kind": "unit",
            "title": unit.name,
            "url": reverse("members:unit", args=[unit.pk]),
            "snippet": snippet(unit.description, q)
            if unit.description
            else unit.get_kind_display(),
            "date": None,
        }
        for unit in units
    ]
    return results
