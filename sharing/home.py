"""Sharing on the home page: the latest few posts a person may see (one query)."""

from __future__ import annotations

from members.scoping import Access

from .models import Post

HOME_POSTS = 3


def panels(request, access: Access) -> list[dict]:
    if not (access.is_member or access.is_organiser):
        return []  # staff without a branch are in no sharing audience
    posts = list(
        Post.objects.visible_to(access)
        .filter(is_hidden=False)
        .select_related("author")
        .order_by("-created_at", "-pk")[:HOME_POSTS]
    )
    return [{"template": "sharing/_home.html", "posts": posts, "can_post": access.is_member}]
