"""Model stories for the portal's search: published stories (open to every login, as the
story pages are), matched on title and text with `icontains` (LIKE, so two-character Chinese
words match)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from members.scoping import Access
from members.search import snippet

from .models import Story


def search(access: Access, q: str, limit: int = 20) -> list[dict]:
    q = (q or "").strip()
    if not q or not access.is_authenticated:
        return []
    stories = (
        Story.objects.published()
        .filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(member__name__icontains=q))
        .select_related("member")
        .order_by("-published_at", "-pk")[:limit]
    )
    return [
        {
            "kind": "story",
            "title": story.title,
            "url": reverse("campaigns:story", args=[story.pk]),
            "snippet": snippet(
                story.body
                if q.lower() in story.body.lower()
                else f"{story.member.name} · {story.body}",
                q,
            ),
            "date": story.published_at,
        }
        for story in stories
    ]
