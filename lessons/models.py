"""The micro-classroom (微课堂): lessons and their series, study records, reflections and
likes, study plans, offline sessions with sign-in, and the recommended reading list.

Who sees a lesson is decided in one place, `LessonQuerySet.visible_to(access)`: published (or
scheduled and due) and addressed to everyone or to a unit above the person's own. Scheduled
lessons appear when their time comes because visibility is computed from `publish_at` in the
query itself; nothing needs to run on a timer.

Figures the pages need often are kept in tables, each by the code that owns its write and
recounted by `manage.py recount_figures` (lessons.rollups, lessons.progress):
`Lesson.learned_count` and `like_count`, `StudyMonth` (study per branch and month, for the
statistics) and `PlanProgress` / `PlanUnitProgress` (study plans' progress per member and per
branch).
"""

from __future__ import annotations

import datetime
import html
import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members import images
from members.files import PrivateFileField
from members.models import Member, OrgUnit, ancestor_paths

from .sanitise import clean_html, plain_text
from .textsearch import grams

VIDEO_MAX_BYTES = 300 * 1024 * 1024
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt"]


def validate_video(file) -> None:
    if getattr(file, "size", 0) > VIDEO_MAX_BYTES:
        raise ValidationError(
            _("The video is too large; the limit is %(limit)s MB.")
            % {"limit": VIDEO_MAX_BYTES // 1024 // 1024}
        )
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise ValidationError(_("The file is not an MP4 video."))


def attachment_path(instance, filename: str) -> str:
    """Kept for migration 0002, which names it; PrivateFileField names files now."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"lessons/attachments/{uuid.uuid4().hex}{suffix}"


def validate_attachment(file) -> None:
    if getattr(file, "size", 0) > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s MB.")
            % {"limit": ATTACHMENT_MAX_BYTES // 1024 // 1024}
        )


class Series(models.Model):
    """A 栏目: 两学一做, 党风廉政, 道德讲堂, 先进事迹 …"""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def path_unit_ids(path: str) -> list[int]:
    """ "000001.000004." -> [1, 4]: the pks of a unit and the units above it, read from its
    materialised path (members.models.OrgUnit: each segment is a unit's zero-padded pk)."""
    return [int(segment) for segment in path.split(".") if segment]


class LessonQuerySet(models.QuerySet):
    def published(self, now=None) -> LessonQuerySet:
        """Published, or scheduled and its time has come (computed here, no timer needed)."""
        now = now or timezone.now()
        return self.filter(
            Q(status=Lesson.Status.PUBLISHED, publish_at__isnull=True)
            | Q(status__in=[Lesson.Status.PUBLISHED, Lesson.Status.SCHEDULED], publish_at__lte=now)
        )

    def visible_to(self, access, now=None) -> LessonQuerySet:
        """THE rule of who may read a lesson: published, and addressed to all staff or to a
        unit at or above one of the person's units (their branch, and the units they keep)."""
        published = self.published(now)
        if access.is_superuser:
            return published
        audience = Q(audience_all=True)
        units = list(access.managed_units_list)
        if access.member is not None and access.member.is_active:
            units.append(access.member.unit)
        if units:
            # The units at and above the person's: their pks are the segments of the paths.
            above = {pk for unit in units for pk in path_unit_ids(unit.path)}
            addressed = LessonAudience.objects.filter(lesson=OuterRef("pk"), unit_id__in=above)
            # Officers also read what they addressed to units under them.
            below = Q()
            for unit in access.managed_units_list:
                below |= Q(unit__path__startswith=unit.path)
            if below:
                addressed_below = LessonAudience.objects.filter(below, lesson=OuterRef("pk"))
                audience |= Q(Exists(addressed_below))
            audience |= Q(Exists(addressed))
        return published.filter(audience)

    def managed_by(self, access) -> LessonQuerySet:
        """Lessons an organiser writes and publishes: those of the units they organise."""
        if access.is_superuser:
            return self
        if not access.organiser_units:
            return self.none()
        q = Q()
        for unit in access.organiser_units:
            q |= Q(unit__path__startswith=unit.path)
        return self.filter(q)


class Lesson(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    # Statuses in which a lesson is (or will be, when its time comes) readable.
    LIVE_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)

    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        related_name="lessons",
        null=True,
        blank=True,
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("publishing unit"),
        on_delete=models.PROTECT,
        related_name="published_lessons",
        help_text=_("The committee that publishes the lesson and keeps it."),
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_(
            "Rich text. Headings, lists, quotes, tables, links and pictures are kept; "
            "scripts, styles and event handlers are removed when the lesson is saved."
        ),
    )
    # The text of the body without markup, kept in step on save: search looks here so that
    # "strong" or "href" do not match every lesson with bold text or a link.
    body_text = models.TextField(_("body as plain text"), blank=True, editable=False)
    cover = PrivateFileField(
        _("cover image"),
        upload_to="lessons/covers",
        name_field="cover_name",
        renditions_field="cover_renditions",
        blank=True,
        validators=[images.validate_image],
        help_text=_("JPEG, PNG, WebP or GIF, up to 8 MB. SVG is not accepted."),
    )
    cover_name = models.CharField(
        _("cover's file name"), max_length=255, blank=True, editable=False
    )
    cover_renditions = models.JSONField(_("cover renditions"), default=dict, editable=False)
    video = PrivateFileField(
        _("video (MP4)"),
        upload_to="lessons/videos",
        name_field="video_name",
        blank=True,
        validators=[FileExtensionValidator(["mp4"]), validate_video],
    )
    video_name = models.CharField(
        _("video's file name"), max_length=255, blank=True, editable=False
    )
    video_url = models.URLField(
        _("video link"), blank=True, help_text=_("A link to a video kept elsewhere.")
    )
    reading_minutes = models.PositiveSmallIntegerField(
        _("reading minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="lessons")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("For a scheduled lesson: when it appears. Empty means at once."),
    )
    audience_all = models.BooleanField(
        _("all staff"),
        default=True,
        help_text=_("Open to every login. Untick to address chosen units (and their subtree)."),
    )
    audience_units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("audience units"),
        through="LessonAudience",
        blank=True,
        related_name="addressed_lessons",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Kept by StudyRecord.save and the like services (lessons.rollups), recounted by
    # `manage.py recount_figures`: the lesson page shows them without counting 5 M records.
    learned_count = models.IntegerField(_("learned by"), default=0, editable=False)
    like_count = models.IntegerField(_("likes"), default=0, editable=False)
    # The character pairs of the title, summary and text (lessons.textsearch), kept on save.
    search_grams = models.TextField(_("search index"), blank=True, editable=False)

    objects = LessonQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "cover_renditions",
            "learned_count",
            "like_count",
            "search_grams",
        ]
    )

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["-publish_at", "-pk"]
        # The lesson list and the home card walk the publish_at index (db_index) newest
        # first and check the audience on the way: with the long texts kept out of the rows
        # (migration 0003), 2,000 lessons are a heap of 60 pages.
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = clean_html(self.body)
        self.body_text = html.unescape(plain_text(self.body))
        self.search_grams = grams(self.title, self.summary, self.body_text)
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        new_cover = bool(self.cover) and not getattr(self.cover, "_committed", True)
        if new_cover:
            clean = images.reencode(self.cover)
            self.cover.save(clean.name, clean, save=False)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"body", "title", "summary"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "body_text", "search_grams"}
        adding = self._state.adding
        was_live = getattr(self, "_saved_status", None) in self.LIVE_STATUSES
        with transaction.atomic():
            super().save(*args, **kwargs)
            if not adding and was_live != (self.status in self.LIVE_STATUSES):
                # Only published (or scheduled) lessons count in a study plan's progress.
                from .progress import lesson_counts_changed

                lesson_counts_changed(lesson_id=self.pk)
        self._saved_status = self.status
        if new_cover:
            self.cover_renditions = images.make_renditions(self.cover.name, "lessons/renditions")
            type(self).objects.filter(pk=self.pk).update(cover_renditions=self.cover_renditions)
        elif not self.cover and self.cover_renditions:
            self.cover_renditions = {}
            type(self).objects.filter(pk=self.pk).update(cover_renditions={})

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", args=[self.pk])

    @classmethod
    def files_visible_to(cls, access) -> LessonQuerySet:
        """Cover and video (members.files' protocol): the lesson's readers and its editors."""
        return cls.objects.visible_to(access) | cls.objects.managed_by(access)

    @classmethod
    def from_db(cls, db, field_names, values):
        lesson = super().from_db(db, field_names, values)
        lesson._saved_status = lesson.__dict__.get("status")  # to see it change on save
        return lesson

    def clean(self) -> None:
        super().clean()
        if self.status == self.Status.SCHEDULED and not self.publish_at:
            raise ValidationError({"publish_at": _("Give the time a scheduled lesson appears.")})
        if self.video and self.video_url:
            raise ValidationError(
                {"video_url": _("Give either an uploaded video or a link, not both.")}
            )

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED) and (
            self.publish_at is None or self.publish_at <= timezone.now()
        )

    @property
    def cover_srcset(self) -> str:
        return images.srcset(self.cover)

    @property
    def cover_small(self) -> str:
        return images.rendition_url(self.cover, 360)

    @property
    def cover_poster(self) -> str:
        return images.rendition_url(self.cover, 720)


class LessonAudience(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, verbose_name=_("lesson"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, verbose_name=_("unit"))

    class Meta:
        verbose_name = _("audience unit")
        verbose_name_plural = _("audience units")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "unit"], name="lesson_audience_unique")
        ]

    def __str__(self) -> str:
        return str(self.unit)


class Attachment(models.Model):
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=120)
    file = PrivateFileField(
        _("file"),
        upload_to="lessons/attachments",
        name_field="original_name",
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS), validate_attachment],
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
        """members.files' protocol: whoever may fetch the lesson's cover."""
        return cls.objects.filter(lesson__in=Lesson.files_visible_to(access))


class Question(models.Model):
    """One multiple-choice question of a lesson's short check (two or three per lesson)."""

    class Answer(models.TextChoices):
        A = "a", "A"
        B = "b", "B"
        C = "c", "C"
        D = "d", "D"

    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=200)
    option_a = models.CharField(_("option A"), max_length=120)
    option_b = models.CharField(_("option B"), max_length=120)
    option_c = models.CharField(_("option C"), max_length=120, blank=True)
    option_d = models.CharField(_("option D"), max_length=120, blank=True)
    answer = models.CharField(_("right answer"), max_length=1, choices=Answer.choices)

    class Meta:
        verbose_name = _("check question")
        verbose_name_plural = _("check questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        super().clean()
        if self.answer and not getattr(self, f"option_{self.answer}", ""):
            raise ValidationError({"answer": _("The right answer must be one of the options.")})

    @property
    def options(self) -> list[tuple[str, str]]:
        return [
            (key, getattr(self, f"option_{key}"))
            for key in "abcd"
            if getattr(self, f"option_{key}")
        ]


class StudyRecord(models.Model):
    """One person and one lesson: when they first opened it and when they learned it.
    Learning is counted by completion, never by time spent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="study_records",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="study_records"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    completed_at = models.DateTimeField(_("learned at"), null=True, blank=True, db_index=True)
    passed_check = models.BooleanField(_("passed the check"), default=False)
    # The learner's branch when they learned the lesson (None for staff, who are in no
    # branch): the statistics count a month's study for the branch it happened in, so a
    # later transfer does not move it (lessons.stats).
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("branch when learned"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # read through the user's records; a unit is almost never deleted
    )

    class Meta:
        verbose_name = _("study record")
        verbose_name_plural = _("study records")
        ordering = ["-completed_at", "-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="study_record_unique")
        ]
        indexes = [models.Index(fields=["lesson", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"

    def save(self, *args, **kwargs) -> None:
        """Saving a completion (or taking one back) keeps the figures that count it: the
        lesson's learned count, the study per branch and month, the plans' progress."""
        from . import rollups

        before = getattr(self, "_saved", (None, None))
        if before[0] is None and self.completed_at is None:
            super().save(*args, **kwargs)  # opened, not learned: no figure changes
            return
        with transaction.atomic():
            rollups.record_saving(self, before, kwargs)
            super().save(*args, **kwargs)
            rollups.record_saved(self, before)
        self._saved = (self.completed_at, self.unit_id)

    def delete(self, *args, **kwargs):
        from . import rollups

        with transaction.atomic():
            self.completed_at = None
            before = getattr(self, "_saved", (None, None))
            if before[0] is not None:
                rollups.record_saving(self, before, {})
            result = super().delete(*args, **kwargs)
            if before[0] is not None:
                rollups.record_saved(self, before)
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        # What the figures count of this record now, to see a change on save.
        record._saved = (record.__dict__.get("completed_at"), record.__dict__.get("unit_id"))
        return record


class Reflection(models.Model):
    """A 心得 under a lesson: plain text, always escaped; organisers may hide it (kept)."""

    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="reflections"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="lesson_reflections",
    )
    text = models.TextField(_("reflection"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # An organiser's reflections to review (the home page): the shown ones of the
            # last week, a few among tens of thousands.
            models.Index(
                fields=["-created_at"],
                condition=Q(is_hidden=False),
                name="reflection_shown_newest",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    def hide(self, *, by) -> None:
        self.is_hidden, self.hidden_by, self.hidden_at = True, by, timezone.now()
        self.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])

    def unhide(self, *, by) -> None:
        self.is_hidden, self.hidden_by, self.hidden_at = False, by, None
        self.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])


class LessonLike(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("like of a lesson")
        verbose_name_plural = _("likes of lessons")
        constraints = [models.UniqueConstraint(fields=["lesson", "user"], name="lesson_like_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"

    def save(self, *args, **kwargs) -> None:
        """A new like counts on the lesson (`Lesson.like_count`, in the same transaction)."""
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if adding:
                Lesson.objects.filter(pk=self.lesson_id).update(like_count=F("like_count") + 1)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            deleted, by_model = super().delete(*args, **kwargs)
            if deleted:  # not when a double tap deleted it first
                Lesson.objects.filter(pk=self.lesson_id).update(like_count=F("like_count") - 1)
        return deleted, by_model


class ReflectionLike(models.Model):
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("like of a reflection")
        verbose_name_plural = _("likes of reflections")
        constraints = [
            models.UniqueConstraint(fields=["reflection", "user"], name="reflection_like_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.reflection}"


class StudyPlanQuerySet(models.QuerySet):
    def for_member(self, member: Member | None) -> StudyPlanQuerySet:
        """Plans addressed to the member's unit (or a unit above it), or to them by name."""
        if member is None or not member.is_active:
            return self.none()
        paths = ancestor_paths(member.unit.path)
        by_unit = PlanUnit.objects.filter(plan=OuterRef("pk"), unit__path__in=paths)
        by_name = PlanMember.objects.filter(plan=OuterRef("pk"), member=member)
        return self.filter(Exists(by_unit) | Exists(by_name))

    def followed_by(self, access) -> StudyPlanQuerySet:
        """Plans an officer follows: addressed to a unit (or member) in their scope, or
        published by a unit they organise."""
        if access.is_superuser:
            return self
        units = access.managed_units_list
        if not units:
            return self.none()
        below = Q()
        above: set[str] = set()
        for unit in units:
            below |= Q(unit__path__startswith=unit.path)
            above.update(ancestor_paths(unit.path))
        by_unit = PlanUnit.objects.filter(below | Q(unit__path__in=above), plan=OuterRef("pk"))
        member_q = Q()
        for unit in units:
            member_q |= Q(member__unit__path__startswith=unit.path)
        by_name = PlanMember.objects.filter(member_q, plan=OuterRef("pk"))
        return self.filter(Exists(by_unit) | Exists(by_name))

    def managed_by(self, access) -> StudyPlanQuerySet:
        if access.is_superuser:
            return self
        if not access.organiser_units:
            return self.none()
        q = Q()
        for unit in access.organiser_units:
            q |= Q(unit__path__startswith=unit.path)
        return self.filter(q)


class StudyPlan(models.Model):
    """A 学习计划: an ordered set of lessons for units (and their subtree) with a due date.
    A make-up plan names members instead: those who missed an offline session."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="study_plans",
    )
    units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("for units"),
        through="PlanUnit",
        blank=True,
        related_name="assigned_plans",
        help_text=_("Every active member of these units and the units under them."),
    )
    members = models.ManyToManyField(
        Member,
        verbose_name=_("for members"),
        through="PlanMember",
        blank=True,
        related_name="assigned_plans",
    )
    lessons = models.ManyToManyField(
        Lesson, verbose_name=_("lessons"), through="PlanItem", related_name="plans"
    )
    due_on = models.DateField(_("due on"))
    session = models.OneToOneField(
        "Session",
        verbose_name=_("make-up for session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="makeup_plan",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StudyPlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        ordering = ["-due_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:plan", args=[self.pk])

    @property
    def is_makeup(self) -> bool:
        return self.session_id is not None

    def assigned_members(self):
        """Active members this plan is for (one queryset, used by every progress view)."""
        paths = list(self.units.values_list("path", flat=True))
        q = Q(pk__in=PlanMember.objects.filter(plan=self).values("member_id"))
        for path in paths:
            q |= Q(unit__path__startswith=path)
        return Member.objects.active().filter(q)


def _plan_changed(plan_id: int) -> None:
    """Who a plan is for or what it holds changed: its progress is counted again."""
    from .progress import plan_changed

    plan_changed(plan_id)


class PlanUnit(models.Model):
    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, verbose_name=_("study plan"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, verbose_name=_("unit"))

    class Meta:
        verbose_name = _("unit of a plan")
        verbose_name_plural = _("units of the plan")
        constraints = [models.UniqueConstraint(fields=["plan", "unit"], name="plan_unit_unique")]

    def __str__(self) -> str:
        return str(self.unit)

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            _plan_changed(self.plan_id)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            _plan_changed(self.plan_id)
        return result


class PlanMember(models.Model):
    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, verbose_name=_("study plan"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, verbose_name=_("member"))

    class Meta:
        verbose_name = _("member of a plan")
        verbose_name_plural = _("members of the plan")
        constraints = [
            models.UniqueConstraint(fields=["plan", "member"], name="plan_member_unique")
        ]

    def __str__(self) -> str:
        return str(self.member)

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            _plan_changed(self.plan_id)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            _plan_changed(self.plan_id)
        return result


class PlanItem(models.Model):
    plan = models.ForeignKey(
        StudyPlan, on_delete=models.CASCADE, verbose_name=_("study plan"), related_name="items"
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, verbose_name=_("lesson"), related_name="plan_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("lesson of a plan")
        verbose_name_plural = _("lessons of the plan")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "lesson"], name="plan_item_unique")]

    def __str__(self) -> str:
        return str(self.lesson)

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            _plan_changed(self.plan_id)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            _plan_changed(self.plan_id)
        return result

    def clean(self) -> None:
        super().clean()
        if not self.lesson_id:
            return
        if self.pk and PlanItem.objects.filter(pk=self.pk, lesson_id=self.lesson_id).exists():
            return  # kept as it was: a lesson archived since does not block editing the plan
        if self.lesson.status not in Lesson.LIVE_STATUSES:
            raise ValidationError(
                {
                    "lesson": _(
                        "“%(lesson)s” is %(status)s: only a published or scheduled lesson can "
                        "be part of a study plan."
                    )
                    % {"lesson": self.lesson, "status": self.lesson.get_status_display().lower()}
                }
            )


def new_sign_in_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


class SessionQuerySet(models.QuerySet):
    def visible_to(self, access) -> SessionQuerySet:
        """Sessions of the person's units and the units above them, and of units they keep."""
        if access.is_superuser:
            return self
        units = list(access.managed_units_list)
        if access.member is not None and access.member.is_active:
            units.append(access.member.unit)
        if not units:
            return self.none()
        q = Q(unit__path__in={p for unit in units for p in ancestor_paths(unit.path)})
        for unit in access.managed_units_list:
            q |= Q(unit__path__startswith=unit.path)
        return self.filter(q)

    def managed_by(self, access) -> SessionQuerySet:
        if access.is_superuser:
            return self
        units = access.managed_units_list
        if not units:
            return self.none()
        q = Q()
        for unit in units:
            q |= Q(unit__path__startswith=unit.path)
        return self.filter(q)


class Session(models.Model):
    """An offline session: 党员活动日, 主题党日 or 道德讲堂, with sign-in from the phone."""

    class Kind(models.TextChoices):
        ACTIVITY_DAY = "activity_day", _("Party members' activity day")
        THEME_DAY = "theme_day", _("Themed Party day")
        ETHICS_HALL = "ethics_hall", _("Ethics lecture hall")

    # Sign-in opens a little before the start, for those who arrive early.
    SIGN_IN_EARLY_MINUTES = 30

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="lesson_sessions",
        help_text=_("Its members (and those of the units under it) are expected."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=120)
    lessons = models.ManyToManyField(
        Lesson, verbose_name=_("lessons"), blank=True, related_name="sessions"
    )
    minutes = models.TextField(_("minutes"), blank=True)
    sign_in_code = models.CharField(
        _("sign-in code"), max_length=6, default=new_sign_in_code, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("offline session")
        verbose_name_plural = _("offline sessions")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:session", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})

    def sign_in_open(self, now=None) -> bool:
        now = now or timezone.now()
        early = self.starts_at - datetime.timedelta(minutes=self.SIGN_IN_EARLY_MINUTES)
        return early <= now <= self.ends_at

    def expected_members(self):
        return Member.objects.active().filter(unit__path__startswith=self.unit.path)


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        SONG = "song", _("Sing a song")
        FILM = "film", _("Watch a short film")
        READING = "reading", _("Read a classic")
        STORY = "story", _("Tell a story of a good person")
        COMMENTS = "comments", _("Comments and reflections")
        GOOD_DEED = "good_deed", _("Send off a good deed")
        OTHER = "other", _("Other")

    # The usual order of a 道德讲堂: 唱一首歌、看一部短片、诵一段经典、讲一个故事、谈一番感悟、送一份吉祥.
    ETHICS_HALL_TEMPLATE = [
        Kind.SONG,
        Kind.FILM,
        Kind.READING,
        Kind.STORY,
        Kind.COMMENTS,
        Kind.GOOD_DEED,
    ]

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="agenda"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("part"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("what"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class SessionPhoto(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="photos"
    )
    image = PrivateFileField(
        _("photo"),
        upload_to="lessons/sessions",
        name_field="original_name",
        renditions_field="renditions",
        validators=[images.validate_image],
    )
    original_name = models.CharField(
        _("original file name"), max_length=255, blank=True, editable=False
    )
    renditions = models.JSONField(default=dict, editable=False)
    caption = models.CharField(_("caption"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name

    def save(self, *args, **kwargs) -> None:
        new_image = bool(self.image) and not getattr(self.image, "_committed", True)
        if new_image:
            clean = images.reencode(self.image)
            self.image.save(clean.name, clean, save=False)
        super().save(*args, **kwargs)
        if new_image:
            self.renditions = images.make_renditions(self.image.name, "lessons/renditions")
            type(self).objects.filter(pk=self.pk).update(renditions=self.renditions)

    @classmethod
    def files_visible_to(cls, access):
        """members.files' protocol: the session's audience and those who keep it."""
        sessions = Session.objects.visible_to(access) | Session.objects.managed_by(access)
        return cls.objects.filter(session__in=sessions)

    @property
    def srcset(self) -> str:
        return images.srcset(self.image)

    @property
    def small(self) -> str:
        return images.rendition_url(self.image, 360)


class Attendance(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="attendances"
    )
    signed_in_at = models.DateTimeField(_("signed in at"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["signed_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.session}"


class Reading(models.Model):
    """Recommended reading: public accounts and sites shown beside the lessons."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    url = models.URLField(_("link"))
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        verbose_name = _("recommended reading")
        verbose_name_plural = _("recommended reading")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class StudyMonth(models.Model):
    """Study in one branch and calendar month, kept by StudyRecord.save (lessons.rollups)
    and read by the statistics (lessons.stats)."""

    # No index of its own on the unit: the unique (unit, month) index leads with it.
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("month"))  # its first day, in the portal's time zone
    completions = models.IntegerField(_("lessons learned"), default=0)
    # People whose latest completion in this unit falls in this month: the people who
    # learned there since a month M are the sum of the rows from M on.
    last_learners = models.IntegerField(_("learners last seen"), default=0)

    class Meta:
        verbose_name = _("study per month")
        verbose_name_plural = _("study per month")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="study_month_unique")]
        indexes = [models.Index(fields=["month", "unit"], name="study_month_by_month")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.month:%Y-%m}"


class PlanProgress(models.Model):
    """One member a study plan is for, and how many of its lessons they learned
    (lessons.progress keeps it)."""

    # 1.8 million rows at provincial scale: only the indexes the queries use (the unique
    # (plan, member), (plan, unit) for a branch's members, member for a person's plans).
    # A unit with rows here has members, so it cannot be deleted: no index on unit alone.
    plan = models.ForeignKey(
        StudyPlan,
        verbose_name=_("study plan"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    done = models.IntegerField(_("lessons learned"), default=0)

    class Meta:
        verbose_name = _("progress in a plan")
        verbose_name_plural = _("progress in plans")
        constraints = [
            models.UniqueConstraint(fields=["plan", "member"], name="plan_progress_unique")
        ]
        indexes = [models.Index(fields=["plan", "unit"], name="plan_progress_by_unit")]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.member_id}: {self.done}"


class PlanUnitProgress(models.Model):
    """How many of a plan's members in one branch have learned exactly `done` of its
    lessons (lessons.progress keeps it)."""

    # The unique (plan, unit, done) index leads with the plan.
    plan = models.ForeignKey(
        StudyPlan,
        verbose_name=_("study plan"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    done = models.IntegerField(_("lessons learned"))
    members = models.IntegerField(_("members"), default=0)

    class Meta:
        verbose_name = _("progress of a branch in a plan")
        verbose_name_plural = _("progress of branches in plans")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit", "done"], name="plan_unit_progress_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.unit_id} · {self.done}: {self.members}"


class SignInFailure(models.Model):
    """Wrong sign-in codes one member gave for one session (lessons.services): after
    SIGN_IN_MAX_FAILURES of them the member asks the organiser. Removed by a right code."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("wrong sign-in codes")
        verbose_name_plural = _("wrong sign-in codes")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="sign_in_failure_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.session_id}: {self.count}"
