"""The notices panel of the home page: how many are unread and the newest three of them.

At provincial scale an organiser may read thousands of notices, and finding the unread ones
costs a scan of every live notice; so a person's panel is kept in the cache, as a small dict,
and used while nothing it depends on changed:

- any notice or audience row saved or deleted replaces the notices token;
- the person's own reading deletes their entry (a NoticeRead saved or deleted);
- their access (posts, member record, units) is part of the key through its tokens;
- a scheduled notice appears when its time comes, without a write: the entry lives only
  members.person_cache.TIMEOUT seconds, so it shows within that time.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from members import person_cache
from members.scoping import Access

from .models import Notice, NoticeAudience, NoticeRead

HOME_NOTICES = 3
NOTICES_VERSION_KEY = "notices:version"
PANEL = "notices-home"
person_cache.register(PANEL, NOTICES_VERSION_KEY)


def compute(user, access: Access) -> dict:
    """The newest unread notices and how many there are (two queries at most)."""
    read = NoticeRead.objects.filter(notice=OuterRef("pk"), person=user)
    unread = Notice.objects.visible_to(access).exclude(Exists(read))
    notices = list(
        unread.order_by("-pinned", "-publish_at", "-pk").values(
            "pk", "title", "pinned", "publish_at"
        )[:HOME_NOTICES]
    )
    count = len(notices) if len(notices) < HOME_NOTICES else unread.count()
    return {"notices": notices, "unread_count": count}


def cached_panel(user, access: Access) -> dict:
    return person_cache.cached(PANEL, user, NOTICES_VERSION_KEY, lambda: compute(user, access))


def panels(request, access: Access) -> list[dict]:
    if not access.is_authenticated:
        return []
    return [{"template": "notices/_home_notices.html", **cached_panel(request.user, access)}]


@receiver(post_save, sender=Notice, dispatch_uid="notices.home.notice_saved")
@receiver(post_delete, sender=Notice, dispatch_uid="notices.home.notice_deleted")
@receiver(post_save, sender=NoticeAudience, dispatch_uid="notices.home.audience_saved")
@receiver(post_delete, sender=NoticeAudience, dispatch_uid="notices.home.audience_deleted")
@receiver(m2m_changed, sender=NoticeAudience, dispatch_uid="notices.home.audience_set")
def _notices_changed(**kwargs) -> None:
    person_cache.replace_token(NOTICES_VERSION_KEY, using=kwargs.get("using"))


@receiver(post_save, sender=NoticeRead, dispatch_uid="notices.home.read_saved")
@receiver(post_delete, sender=NoticeRead, dispatch_uid="notices.home.read_deleted")
def _read_changed(instance: NoticeRead, **kwargs) -> None:
    person_cache.forget(PANEL, instance.person_id, using=kwargs.get("using"))
