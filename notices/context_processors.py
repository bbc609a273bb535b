"""The unread-notification count of the header, on every page: one COUNT on the
(recipient, read_at) index, made only when a template shows it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
