"""The notices panel of the home page: how many are unread and the newest three of them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from members.scoping import Access

from .models import Notice, NoticeRead

HOME_NOTICES = 3


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    read = NoticeRead.objects.filter(notice=OuterRef("pk"), person=request.user)
    unread = Notice.objects.visible_to(access).exclude(Exists(read))
    notices = list(unread.order_by("-pinned", "-publish_at", "-pk")[:HOME_NOTICES])
    count = len(notices) if len(notices) < HOME_NOTICES else unread.count()
    return [{"template": "notices/_home_notices.html", "notices": notices, "unread_count": count}]
