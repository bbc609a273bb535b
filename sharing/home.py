"""Sharing on the home page: the latest few posts a person may see (two short queries)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from members import person_cache
from members.scoping import Access

from .models import Post

HOME_POSTS = 3
# Replaced on every post written, hidden, shown again or deleted (members.person_cache).
VERSION_KEY = "sharing:home:version"
person_cache.register("sharing-home", VERSION_KEY)


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
    posts = person_cache.cached("sharing-home", request.user, VERSION_KEY, lambda: _latest(access))
    return [{"template": "sharing/_home.html", "posts": posts, "can_post": access.is_member}]


@receiver(post_save, sender=Post, dispatch_uid="sharing.home.post_saved")
@receiver(post_delete, sender=Post, dispatch_uid="sharing.home.post_deleted")
def _post_changed(**kwargs) -> None:
    person_cache.replace_token(VERSION_KEY, using=kwargs.get("using"))
