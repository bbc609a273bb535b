"""The unread-notification count in the header, kept in the cache per person.

Every page shows it, so it is read from the cache (no query) and counted (one COUNT on the
indexed recipient and read_at columns) only after something changed it: a notification made,
opened, marked read or deleted. Writes through the ORM's signals forget the count themselves;
the bulk writes of notices.services (`bulk_create`, `update`) call `forget_unread` for the
people they touch. Anonymous visitors get nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject

from members.scoping import person_cache_enabled

from .models import Notification

# A bound on what a missed invalidation could leave, not the normal way a count refreshes.
UNREAD_TIMEOUT = 5 * 60


def _key(user_id: int) -> str:
    return f"notices:unread:{user_id}"


def unread_count(user) -> int:
    if not person_cache_enabled():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    key = _key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_TIMEOUT)
    return count


def forget_unread(user_ids: Iterable[int]) -> None:
    """Recount these people's unread notifications on their next page: now, and again when
    the transaction commits (a page counted in between saw the old rows)."""
    keys = [_key(pk) for pk in user_ids]
    if not keys or not person_cache_enabled():
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}


@receiver(post_save, sender=Notification, dispatch_uid="notices.unread.saved")
@receiver(post_delete, sender=Notification, dispatch_uid="notices.unread.deleted")
def _notification_changed(instance: Notification, **kwargs) -> None:
    forget_unread([instance.recipient_id])
