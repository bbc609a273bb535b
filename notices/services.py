"""What changes notices and notifications, each an atomic function named `<entity>_<action>`.

`notify` is the one way a notification is made: one bulk insert for all its recipients, then
(after the transaction commits) one plain-text e-mail each to those with an address who have
not turned e-mail off for that kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection, send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Kind, Notice, NoticeAudience, NoticeRead, Notification, NotificationPreference

SUBJECT_LENGTH = 60


# --- notifications ----------------------------------------------------------------------------
def _user_ids(users) -> list[int]:
    if isinstance(users, QuerySet):
        return list(users.values_list("pk", flat=True).distinct())
    return sorted({u if isinstance(u, int) else u.pk for u in users})


def absolute(url: str) -> str:
    """A link for an e-mail: PORTAL_URL (e.g. https://portal.example.cn) in front, if set."""
    base = getattr(settings, "PORTAL_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") else url


@transaction.atomic
def notify(*, users, kind: str, text: str, url: str = "") -> int:
    """Put a notification in each person's inbox and e-mail those who want it.
    `users` is a queryset of users, or users or user ids. Returns how many were made."""
    ids = _user_ids(users)
    if not ids:
        return 0
    text = text[:300]
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, kind=kind, text=text, url=url, created_at=now)
            for pk in ids
        ],
        batch_size=1000,
    )
    opted_out = NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind, email=False)
    addresses = list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .exclude(email="")
        .exclude(Exists(opted_out))
        .values_list("email", flat=True)
    )
    if addresses:
        messages = _emails(addresses, kind=kind, text=text, url=url)
        transaction.on_commit(lambda: _send(messages), robust=True)
    return len(ids)


def _emails(addresses: list[str], *, kind: str, text: str, url: str) -> list[tuple]:
    subject = _("[Party Portal] %(text)s") % {"text": text[:SUBJECT_LENGTH]}
    lines = [text, ""]
    if url:
        lines += [absolute(url), ""]
    lines.append(
        _("You get this e-mail for “%(kind)s”. Turn it off at %(url)s")
        % {"kind": Kind(kind).label, "url": absolute(reverse("notices:preferences"))}
    )
    body = "\n".join(lines)
    sender = settings.DEFAULT_FROM_EMAIL
    return [(subject, body, sender, [address]) for address in addresses]


def _send(messages: list[tuple]) -> None:
    send_mass_mail(messages, fail_silently=False, connection=get_connection())


def notification_open(*, user, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return marked


@transaction.atomic
def preferences_save(*, user, email_kinds: Iterable[str]) -> None:
    """E-mail on for the kinds in `email_kinds`, off for every other kind."""
    wanted = set(email_kinds)
    unknown = wanted - set(Kind.values)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    NotificationPreference.objects.filter(user=user).delete()
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=kind, email=kind in wanted) for kind in Kind.values]
    )


def email_kinds(user) -> set[str]:
    """The kinds this person gets by e-mail (all, unless turned off)."""
    off = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list("kind", flat=True)
    )
    return set(Kind.values) - off


# --- notices ----------------------------------------------------------------------------------
def notice_mark_read(*, user, notice: Notice) -> bool:
    """Record the first reading (later visits change nothing); the person's notification of
    this notice is read too. Returns True the first time."""
    created = False
    if not NoticeRead.objects.filter(notice=notice, person=user).exists():
        try:
            with transaction.atomic():
                NoticeRead.objects.create(notice=notice, person=user)
                created = True
        except IntegrityError:  # a second tab raced us; it is read either way
            pass
        Notification.objects.filter(
            recipient=user, kind=Kind.NOTICE, url=notice.get_absolute_url(), read_at__isnull=True
        ).update(read_at=timezone.now())
    return created


@transaction.atomic
def notice_announce(*, notice: Notice, now=None) -> int:
    """After a notice is saved: address it to its unit when no audience was chosen, and, once
    it is live, notify its audience (once: `notified_at` is claimed by one UPDATE).
    Returns the number of people notified."""
    if not notice.audience_all and not NoticeAudience.objects.filter(notice=notice).exists():
        NoticeAudience.objects.create(notice=notice, unit=notice.unit)
    now = now or timezone.now()
    if not Notice.objects.live(now).filter(pk=notice.pk).exists():
        return 0
    claimed = Notice.objects.filter(pk=notice.pk, notified_at__isnull=True).update(notified_at=now)
    if not claimed:
        return 0
    notice.notified_at = now
    users = notice.audience_users()
    if notice.author_id:
        users = users.exclude(pk=notice.author_id)
    return notify(
        users=users,
        kind=Kind.NOTICE,
        text=_("New notice: %(title)s") % {"title": notice.title},
        url=notice.get_absolute_url(),
    )


def notices_announce_due(*, now=None) -> int:
    """Scheduled notices whose time has come and whose audience has not been told yet."""
    now = now or timezone.now()
    count = 0
    for notice in Notice.objects.live(now).filter(notified_at__isnull=True):
        count += notice_announce(notice=notice, now=now)
    return count


def notice_receipts(notice: Notice) -> tuple[int, int]:
    """(read, expected): how many of the audience have opened the notice, counted in the
    database (two queries whatever the size of the audience)."""
    audience = notice.audience_users()
    read = NoticeRead.objects.filter(notice=notice, person=OuterRef("pk"))
    return audience.filter(Exists(read)).count(), audience.count()
