"""Sharing on the home page: the latest few posts a person may see (two short queries)."""

from __future__ import annotations

from members.scoping import Access

from .models import Post

HOME_POSTS = 3


def _latest(access: Access) -> list[Post]:
    # The newest few ids first, then their rows with authors: joined in one query, the
    # planner (expecting a handful of rows) joined every readable post's author before the
    # limit, 20-40 ms at provincial scale instead of 6.
    ids = list(
        Post.objects.visible_to(access)
        .filter(is_hidden=False)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:HOME_POSTS]
    )
    posts = (
        list(
            Post.objects.filter(pk__in=ids).select_related("author").order_by("-created_at", "-pk")
        )
        if ids
        else []
    )
    return posts


def panels(request, access: Access) -> list[dict]:
    if not (access.is_member or access.is_organiser):
        return []  # staff without a branch are in no sharing audience
    posts = _latest(access)
    return [{"template": "sharing/_home.html", "posts": posts, "can_post": access.is_member}]
