"""Lessons for the portal's search: only those the person may read
(`Lesson.objects.visible_to`), matched on title, summary and the body's plain text
(`body_text`, so markup such as "strong" or "href" never matches), through the index of
character pairs that also finds two-character Chinese words such as 支部
(lessons.textsearch)."""

from __future__ import annotations

from members.scoping import Access
from members.search import snippet

from .models import Lesson
from .textsearch import matching


def search(access: Access, q: str, limit: int = 20) -> list[dict]:
    q = (q or "").strip()
    if not q or not access.is_authenticated:
        return []
    lessons = (
        matching(Lesson.objects.visible_to(access), q)
        .order_by("-publish_at", "-pk")
        .only("pk", "title", "summary", "body_text", "publish_at")[:limit]
    )
    results = []
    for lesson in lessons:
        body = lesson.body_text
        text = body if q.lower() in body.lower() else (lesson.summary or body)
        results.append(
            {
                "kind": "lesson",
                "title": lesson.title,
                "url": lesson.get_absolute_url(),
                "snippet": snippet(text, q),
                "date": lesson.publish_at,
            }
        )
    return results
