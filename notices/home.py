"""The notices card of the home page: the unread notices addressed to the person (not those
an officer may also read below their units), how many, and the newest three."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from members.scoping import Access

from .models import Notice, NoticeRead

HOME_NOTICES = 3


def compute(user, access: Access) -> dict:
    """The newest unread notices and how many there are (two queries at most)."""
    read = NoticeRead.objects.filter(notice=OuterRef("pk"), person=user)
    unread = Notice.objects.addressed_to(access).exclude(Exists(read))
    notices = list(
        unread.order_by("-pinned", "-publish_at", "-pk").values(
            "pk", "title", "pinned", "publish_at"
        )[:HOME_NOTICES]
    )
    count = len(notices) if len(notices) < HOME_NOTICES else unread.count()
    return {"notices": notices, "unread_count": count}


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    return [{"template": "notices/_home_notices.html", **compute(request.user, access)}]
