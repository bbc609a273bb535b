"""The unread-notification count in the header: one COUNT on an indexed column, made only
when a page shows it, and none for anonymous visitors."""

from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        )
    }
