"""Shared posts for the portal's search: only the posts the person sees in the feed
(`Post.objects.visible_to`), matched on text with `icontains` (LIKE)."""

from __future__ import annotations

from django.utils.text import Truncator

from members.scoping import Access
from members.search import snippet

from .models import Post

TITLE_CHARS = 30


def search(access: Access, q: str, limit: int = 20) -> list[dict]:
    q = (q or "").strip()
    if not q or not access.is_authenticated:
        return []
    posts = (
        Post.objects.visible_to(access)
        .filter(text__icontains=q)
        .select_related("author")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        {
            "kind": "post",
            "title": f"{post.author.name}: {Truncator(' '.join(post.text.split())).chars(TITLE_CHARS)}",
            "url": post.get_absolute_url(),
            "snippet": snippet(post.text, q),
            "date": post.created_at,
        }
        for post in posts
    ]
