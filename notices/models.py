"""Notices (通知公告) with read receipts, and the notifications and reminders of the portal.

Who reads a notice is decided in one place, `NoticeQuerySet.visible_to(access)`, following the
lessons' audience rule: live (published, or scheduled and its time has come) and addressed to
all staff or to a unit at or above one of the person's units. Who is *expected* to read it
(the "y" of "read by x of y") is `Notice.audience_users()`, computed in the database.

A Notification is one line in a person's inbox (and perhaps an e-mail); a Reminder is the log
that makes the time-based reminders of `send_reminders` go out once per person, thing and kind.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lessons.models import ATTACHMENT_EXTENSIONS, validate_attachment
from lessons.sanitise import clean_html
from members.files import PrivateFileField
from members.models import Member, OrgUnit, ancestor_paths


class NoticeQuerySet(models.QuerySet):
    def live(self, now=None) -> NoticeQuerySet:
        """Published, or scheduled and its time has come (computed here, no timer needed)."""
        now = now or timezone.now()
        return self.filter(
            status__in=[Notice.Status.PUBLISHED, Notice.Status.SCHEDULED], publish_at__lte=now
        )

    def visible_to(self, access, now=None) -> NoticeQuerySet:
        """THE rule of who may read a notice: live, and addressed to all staff or to a unit
        at or above one of the person's units; officers also read what is addressed below."""
        live = self.live(now)
        if access.is_superuser:
            return live
        if not access.is_authenticated:
            return self.none()
        ids = _addressed_ids(access)
        below = Q()
        for unit in access.managed_units_list:
            below |= Q(unit__path__startswith=unit.path)
        if below:
            ids = ids.union(NoticeAudience.objects.filter(below).order_by().values("notice_id"))
        return live.filter(pk__in=ids)

    def addressed_to(self, access, now=None) -> NoticeQuerySet:
        """Live notices whose audience holds this person: addressed to all staff or to a
        unit at or above one of their units (not those an officer may read below)."""
        live = self.live(now)
        if not access.is_authenticated:
            return self.none()
        return live.filter(pk__in=_addressed_ids(access))

    def managed_by(self, access) -> NoticeQuerySet:
        """Notices a person writes and follows: those of the units they keep (an organiser's
        subtree, a branch officer's branch)."""
        if access.is_superuser:
            return self
        units = access.managed_units_list
        if not units:
            return self.none()
        q = Q()
        for unit in units:
            q |= Q(unit__path__startswith=unit.path)
        return self.filter(q)


def _addressed_ids(access) -> QuerySet:
    """The ids of the notices addressed to all staff or to a unit at or above one of this
    person's units. A union of two small index lookups: written as one condition (`all OR
    EXISTS(audience)`), the database read every notice of the province to test each."""
    everyone = Notice.objects.filter(audience_all=True).order_by().values("pk")
    units = list(access.managed_units_list)
    if access.member is not None and access.member.is_active:
        units.append(access.member.unit)
    paths = {p for unit in units for p in ancestor_paths(unit.path)}
    if not paths:
        return everyone
    addressed = NoticeAudience.objects.filter(unit__path__in=paths).order_by().values("notice_id")
    return everyone.union(addressed)


class Notice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("publishing unit"),
        on_delete=models.PROTECT,
        related_name="notices",
        help_text=_("The unit that issues the notice; its officers follow who has read it."),
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_(
            "Rich text. Headings, lists, tables and links are kept; scripts, styles and "
            "event handlers are removed when the notice is saved."
        ),
    )
    pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Pinned notices stay at the top of the list.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("For a scheduled notice: when it appears. Empty means at once."),
    )
    audience_all = models.BooleanField(
        _("all staff"),
        default=False,
        help_text=_(
            "Open to every login. Otherwise the chosen units and their subtree (the "
            "publishing unit when none is chosen)."
        ),
    )
    audience_units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("audience units"),
        through="NoticeAudience",
        blank=True,
        related_name="addressed_notices",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notified_at = models.DateTimeField(
        _("audience notified at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NoticeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "notified_at"])

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-publish_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "publish_at"]),
            # The few notices to all staff, found without reading the others (_addressed_ids).
            models.Index(fields=["id"], condition=Q(audience_all=True), name="notice_all_staff"),
            # Live notices newest first: a list whose scope holds most of a province's notices
            # (an organiser's) reads this order and stops at its page.
            models.Index(
                fields=["-pinned", "-publish_at", "-id"],
                condition=Q(status__in=["published", "scheduled"]),
                name="notice_live_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = clean_html(self.body)
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("notices:detail", args=[self.pk])

    @classmethod
    def files_visible_to(cls, access) -> NoticeQuerySet:
        """The notice's audience once it is live, and its editors (a draft: its editors only)."""
        return cls.objects.visible_to(access) | cls.objects.managed_by(access)

    def clean(self) -> None:
        super().clean()
        if self.status == self.Status.SCHEDULED and not self.publish_at:
            raise ValidationError({"publish_at": _("Give the time a scheduled notice appears.")})

    @property
    def is_live(self) -> bool:
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    def audience_users(self):
        """Logins expected to read the notice, as one queryset: every active login for all
        staff, else the active members with a login in the audience units' subtrees."""
        users = get_user_model().objects.filter(is_active=True)
        if self.audience_all:
            return users
        paths = list(
            NoticeAudience.objects.filter(notice=self).values_list("unit__path", flat=True)
        )
        if not paths:
            return users.none()
        q = Q()
        for path in paths:
            q |= Q(member__unit__path__startswith=path)
        return users.filter(q, member__status=Member.Status.ACTIVE)


class NoticeAudience(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, verbose_name=_("notice"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, verbose_name=_("unit"))

    class Meta:
        verbose_name = _("audience unit")
        verbose_name_plural = _("audience units")
        constraints = [
            models.UniqueConstraint(fields=["notice", "unit"], name="notice_audience_unique")
        ]

    def __str__(self) -> str:
        return str(self.unit)


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=120)
    file = PrivateFileField(
        _("file"),
        upload_to="notices/attachments",
        name_field="original_name",
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS), validate_attachment],
        help_text=_("PDF, Word, Excel, PowerPoint or text, up to 20 MB."),
    )
    original_name = models.CharField(
        _("original file name"), max_length=255, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def files_visible_to(cls, access):
        """members.files' protocol: the notice's audience and its editors."""
        return cls.objects.filter(notice__in=Notice.files_visible_to(access))


class NoticeRead(models.Model):
    """One person has opened one notice: recorded the first time, never changed."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notice_reads",
    )
    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="reads"
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        ordering = ["-read_at"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "person"], name="notice_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.notice}"


# --- notifications ----------------------------------------------------------------------------
class Kind(models.TextChoices):
    PLAN_ASSIGNED = "plan_assigned", _("Lessons added to my study plan")
    PLAN_DUE = "plan_due", _("A study plan due in three days")
    SHEET_TO_SCORE = "sheet_to_score", _("A score sheet to fill in")
    SHEET_RETURNED = "sheet_returned", _("A score sheet returned")
    RESULTS_PUBLISHED = "results_published", _("Appraisal results published")
    STORY_APPROVED = "story_approved", _("A nomination approved")
    HELP_REQUEST = "help_request", _("A help request updated")
    NOTICE = "notice", _("A notice addressed to me")


class Notification(models.Model):
    Kind = Kind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """E-mail on or off for one person and one kind; no row means e-mail is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class Reminder(models.Model):
    """A time-based reminder already sent: its key (kind, thing, person) is unique, so a
    second run of `send_reminders` finds it and sends nothing."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
