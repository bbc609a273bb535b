"""What keeps the micro-classroom's figures when other apps change their rows.

These writes are not the micro-classroom's own, so a receiver is the one place that sees
them all (its own writes keep the figures in their model methods and services):
- a login deleted: its study records and likes go with it (Django's cascade);
- a lesson deleted, in the admin or by a cascade: its study records go with it;
- a member saved (joined, transferred, left, login changed) or deleted: the plans they are
  in, and their branch there;
- a unit moved in the tree: the plans of the units it left or joined above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from members.models import Member, OrgUnit, ancestor_paths

from . import progress, rollups
from .models import Lesson, LessonLike, PlanUnit, StudyRecord


def _login_deleting(instance, **kwargs) -> None:
    rollups.records_removed(StudyRecord.objects.filter(user=instance))
    rollups.likes_removed(LessonLike.objects.filter(user=instance))
    instance._lessons_member_ids = list(
        Member.objects.filter(user=instance).values_list("pk", flat=True)
    )


def _login_deleted(instance, **kwargs) -> None:
    for member_id in getattr(instance, "_lessons_member_ids", ()):
        progress.member_refresh(member_id)  # their records are gone: nothing learned


def _lesson_deleting(instance: Lesson, **kwargs) -> None:
    # A lesson in a plan cannot be deleted (PlanItem protects it): plans are unaffected.
    rollups.records_removed(StudyRecord.objects.filter(lesson=instance))


def _member_saved(instance: Member, raw: bool = False, **kwargs) -> None:
    if not raw:
        progress.member_refresh(instance.pk)


def _member_deleting(instance: Member, **kwargs) -> None:
    progress.member_forget(instance.pk)


def _unit_saving(instance: OrgUnit, raw: bool = False, **kwargs) -> None:
    if instance.pk and not raw:
        instance._lessons_old_path = (
            OrgUnit.objects.filter(pk=instance.pk).values_list("path", flat=True).first()
        )


def _unit_saved(instance: OrgUnit, created: bool = False, raw: bool = False, **kwargs) -> None:
    old = getattr(instance, "_lessons_old_path", None)
    if created or raw or not old or old == instance.path:
        return
    # The members under the unit are now under other units above it: the plans addressed
    # to the units it left or joined gain or lose them.
    moved = set(ancestor_paths(old)) ^ set(ancestor_paths(instance.path))
    plans = PlanUnit.objects.filter(unit__path__in=moved).values_list("plan_id", flat=True)
    for plan_id in sorted(set(plans)):
        progress.plan_changed(plan_id)


def connect() -> None:
    user = settings.AUTH_USER_MODEL
    pre_delete.connect(_login_deleting, sender=user, dispatch_uid="lessons.login_deleting")
    post_delete.connect(_login_deleted, sender=user, dispatch_uid="lessons.login_deleted")
    pre_delete.connect(_lesson_deleting, sender=Lesson, dispatch_uid="lessons.lesson_deleting")
    post_save.connect(_member_saved, sender=Member, dispatch_uid="lessons.member_saved")
    pre_delete.connect(_member_deleting, sender=Member, dispatch_uid="lessons.member_deleting")
    pre_save.connect(_unit_saving, sender=OrgUnit, dispatch_uid="lessons.unit_saving")
    post_save.connect(_unit_saved, sender=OrgUnit, dispatch_uid="lessons.unit_saved")
