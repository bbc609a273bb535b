"""Notices for the portal's search: only those the person may read, matched with
icontains on title and body (LIKE, so two-character Chinese words such as 党委 match)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.html import strip_tags
from django.utils.text import Truncator

from lessons.sanitise import plain_text
from members.scoping import Access

from .models import Notice

SNIPPET_CHARS = 80


def _snippet(text: str, q: str) -> str:
    position = text.lower().find(q.lower())
    start = max(0, position - SNIPPET_CHARS // 4) if position >= 0 else 0
    snippet = Truncator(text[start:]).chars(SNIPPET_CHARS)
    return ("…" if start else "") + snippet


def search(access: Access, q: str, limit: int = 20) -> list[dict]:
    q = (q or "").strip()
    if not q or not access.is_authenticated:
        return []
    notices = (
        Notice.objects.visible_to(access)
        .filter(Q(title__icontains=q) | Q(body__icontains=q))
        .order_by("-pinned", "-publish_at", "-pk")
        .only("pk", "title", "body", "publish_at")[:limit]
    )
    return [
        {
            "kind": "notice",
            "title": notice.title,
            "url": notice.get_absolute_url(),
            "snippet": _snippet(strip_tags(plain_text(notice.body)), q),
            "date": notice.publish_at,
        }
        for notice in notices
    ]
