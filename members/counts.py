"""The member figures' version token, left only for the caches of other parts that still
read it until the cache layer is deleted (members.scoping's access cache, lessons.caching,
campaigns' score grid): the lead deletes this module with members.tokens. The figures
themselves are kept in a table (members.figures) and read from it; nothing here counts.

Any save or delete of a member, a unit, a login or a transfer replaces the token.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import tokens
from .models import Member, OrgUnit, Transfer

VERSION_KEY = "members:subtree-counts:version"
TIMEOUT = 60 * 60 * 24


def version() -> str:
    return tokens.current(VERSION_KEY)[0]


def invalidate() -> None:
    tokens.replace(VERSION_KEY)


@receiver(post_save, sender=Member, dispatch_uid="members.counts.member_saved")
@receiver(post_delete, sender=Member, dispatch_uid="members.counts.member_deleted")
@receiver(post_save, sender=OrgUnit, dispatch_uid="members.counts.unit_saved")
@receiver(post_delete, sender=OrgUnit, dispatch_uid="members.counts.unit_deleted")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="members.counts.login_gone")
@receiver(post_save, sender=Transfer, dispatch_uid="members.counts.transfer_saved")
@receiver(post_delete, sender=Transfer, dispatch_uid="members.counts.transfer_deleted")
def _changed(**kwargs) -> None:
    invalidate()
