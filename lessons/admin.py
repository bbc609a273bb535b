"""The micro-classroom's admin: organisers write, schedule and publish lessons, keep series,
plans, sessions and the reading list, and moderate reflections, all within their scope
(`members.scoping`, through `ScopedAdmin`). Branch officers see the plans and sessions of
their branch (read only) and follow progress on the site's progress pages. Members never get
into the admin at all (`members.admin_site`).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.admin import ScopedHistoryAdmin
from members.admin_scoping import ScopedAdmin
from members.models import OrgUnit
from members.scoping import Access, access_for

from . import progress, services, signals
from .models import (
    AgendaItem,
    Attachment,
    Attendance,
    Lesson,
    LessonAudience,
    PlanItem,
    PlanMember,
    PlanUnit,
    Question,
    Reading,
    Reflection,
    Series,
    Session,
    SessionPhoto,
    StudyPlan,
    Tag,
)


class OrganiserAdmin(ScopedAdmin):
    """Shared catalogues (series, tags, reading list): kept by organisers."""

    def scope(self, access: Access):
        return self.model.objects.all() if access.is_organiser else self.model.objects.none()

    def in_scope(self, access: Access, obj) -> bool:
        return access.is_organiser

    def has_module_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.access(request).is_organiser

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_change_permission(self, request, obj=None) -> bool:
        return self.access(request).is_organiser


@admin.register(Series)
class SeriesAdmin(OrganiserAdmin):
    # URL filters: none
    list_display = ("name", "description", "sort_order")
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(OrganiserAdmin):
    # URL filters: none
    search_fields = ("name",)


@admin.register(Reading)
class ReadingAdmin(OrganiserAdmin):
    # URL filters: none
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "url", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


# --- lessons ----------------------------------------------------------------------------------
class ScopedInline(admin.TabularInline):
    """Inlines follow their parent's permission; their unit pickers are scoped."""

    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from members.scoping import access_for

        access = access_for(request.user)
        if db_field.related_model is OrgUnit:
            kwargs["queryset"] = access.organised_units().order_by("path")
        elif db_field.related_model is Lesson:
            kwargs["queryset"] = Lesson.objects.managed_by(access).order_by("-pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _parent_ok(self, request, obj) -> bool:
        from members.scoping import access_for

        return access_for(request.user).is_organiser

    def has_view_permission(self, request, obj=None) -> bool:
        from members.scoping import access_for

        return access_for(request.user).is_officer

    def has_add_permission(self, request, obj=None) -> bool:
        return self._parent_ok(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._parent_ok(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._parent_ok(request, obj)


class AudienceInline(ScopedInline):
    model = LessonAudience
    verbose_name_plural = _("audience units (when not all staff)")


class AttachmentInline(ScopedInline):
    model = Attachment


class QuestionInline(ScopedInline):
    model = Question
    max_num = 3
    fields = ("order", "text", "option_a", "option_b", "option_c", "option_d", "answer")


@admin.register(Lesson)
class LessonAdmin(ScopedHistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "series", "status", "publish_at", "audience", "learned")
    # URL filters: publish_at__day, publish_at__month, publish_at__year, series__id__exact, series__isnull, status__exact, status__isnull
    list_filter = ("status", "series")
    list_select_related = ("series",)
    search_fields = ("title", "summary")
    date_hierarchy = "publish_at"
    filter_horizontal = ("tags",)
    inlines = [AudienceInline, QuestionInline, AttachmentInline]
    actions = ["publish_now", "archive"]
    fieldsets = (
        (
            None,
            {"fields": ("title", "series", "unit", "summary", "body", "reading_minutes", "tags")},
        ),
        (_("Pictures and video"), {"fields": ("cover", "video", "video_url")}),
        (_("Publication"), {"fields": ("status", "publish_at", "audience_all")}),
    )

    def scope(self, access: Access):
        # The list shows no text: the bodies and the search index stay unread.
        return Lesson.objects.managed_by(access).defer("body", "body_text", "search_grams")

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.unit)

    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "unit":
            return access.organised_units().exclude(kind=OrgUnit.Kind.BRANCH).order_by("path")
        return super().foreign_key_choices(db_field, access)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("audience"))
    def audience(self, lesson):
        return _("All staff") if lesson.audience_all else _("Chosen units")

    @admin.display(description=_("learned"), ordering="learned_count")
    def learned(self, lesson):
        return lesson.learned_count  # kept on the lesson (lessons.rollups)

    @admin.action(description=_("Publish the selected lessons now"), permissions=["change"])
    def publish_now(self, request, queryset):
        count = 0
        for lesson in queryset:
            lesson.status, lesson.publish_at = Lesson.Status.PUBLISHED, timezone.now()
            lesson.save()  # keeps the history of each lesson
            count += 1
        messages.success(
            request, ngettext("%d lesson published.", "%d lessons published.", count) % count
        )

    @admin.action(description=_("Archive the selected lessons"), permissions=["change"])
    def archive(self, request, queryset):
        count = 0
        for lesson in queryset:
            lesson.status = Lesson.Status.ARCHIVED
            lesson.save()
            count += 1
        messages.success(
            request, ngettext("%d lesson archived.", "%d lessons archived.", count) % count
        )


@admin.register(Reflection)
class ReflectionAdmin(ScopedAdmin):
    list_display = ("short_text", "lesson", "author", "created_at", "is_hidden")
    # URL filters: created_at__date__gte, is_hidden__exact, is_hidden__isnull
    list_filter = ("is_hidden",)
    extra_parameters = ("created_at__date__gte",)  # the home to-do: reflections since a date
    list_select_related = ("lesson", "author")
    search_fields = ("text",)
    readonly_fields = (
        "lesson",
        "author",
        "text",
        "created_at",
        "is_hidden",
        "hidden_by",
        "hidden_at",
    )
    actions = ["hide", "unhide"]

    def scope(self, access: Access):
        return Reflection.objects.filter(lesson__in=Lesson.objects.managed_by(access))

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.lesson.unit)

    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    @admin.display(description=_("reflection"))
    def short_text(self, obj):
        return obj.text[:60]

    @admin.action(description=_("Hide the selected reflections"), permissions=["change"])
    def hide(self, request, queryset):
        for reflection in queryset.filter(is_hidden=False):
            reflection.hide(by=request.user)
        messages.success(request, _("Hidden. The reflections are kept and can be shown again."))

    @admin.action(description=_("Show the selected reflections again"), permissions=["change"])
    def unhide(self, request, queryset):
        for reflection in queryset.filter(is_hidden=True):
            reflection.unhide(by=request.user)
        messages.success(request, _("The reflections are shown again."))


# --- study plans ------------------------------------------------------------------------------
class SharedLessonChoicesFormSet(BaseInlineFormSet):
    """Every row offers the same lessons: they are read from the database once for the
    formset, not once per row (a plan of 100 lessons would otherwise ask 100 times)."""

    _lesson_choices = None

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get("lesson")
        if field is None:
            return
        if self._lesson_choices is None:
            self._lesson_choices = list(field.choices)
        field.choices = self._lesson_choices
        inner = getattr(field.widget, "widget", None)  # the admin's related-object wrapper
        if inner is not None:
            inner.choices = self._lesson_choices


class PlanItemInline(ScopedInline):
    """Only a published or scheduled lesson may be added (PlanItem.clean says so)."""

    model = PlanItem
    formset = SharedLessonChoicesFormSet
    fields = ("order", "lesson")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lesson")


class PlanUnitInline(ScopedInline):
    model = PlanUnit


class ReadOnlyMemberInline(admin.TabularInline):
    """Rows naming members (make-up plans, attendance), shown read-only to those who may
    see the parent, and only the members they keep: a branch secretary opening the
    committee's plan sees their own branch's members, nobody else's."""

    extra = 0
    can_delete = False

    def get_queryset(self, request):
        members = access_for(request.user).members()
        return super().get_queryset(request).filter(member__in=members).select_related("member")

    def has_view_permission(self, request, obj=None) -> bool:
        # The parent admin already fetched `obj` from its scoped queryset.
        return access_for(request.user).is_officer

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PlanMemberInline(ReadOnlyMemberInline):
    """Named members come from the make-up service; shown here, not edited."""

    model = PlanMember
    readonly_fields = ("member",)


@admin.register(StudyPlan)
class StudyPlanAdmin(ScopedHistoryAdmin):
    # URL filters: none
    list_display = ("title", "unit", "due_on", "progress_link")
    list_select_related = ("unit",)
    search_fields = ("title",)
    inlines = [PlanUnitInline, PlanItemInline, PlanMemberInline]
    fields = ("title", "description", "unit", "due_on")

    def scope(self, access: Access):
        return StudyPlan.objects.managed_by(access) | StudyPlan.objects.followed_by(access)

    def in_scope(self, access: Access, obj) -> bool:
        return StudyPlan.objects.followed_by(access).filter(pk=obj.pk).exists() or (
            access.organises_unit(obj.unit)
        )

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_change_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        if obj is None:
            return access.is_organiser
        return access.organises_unit(obj.unit)

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "unit":
            return access.organised_units().order_by("path")
        return super().foreign_key_choices(db_field, access)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Units and lessons are inlines, saved here: compare who the plan reached and what it
        # held before and after, and tell those who have something new in their plan.
        plan = form.instance
        before_members = (
            set(plan.assigned_members().values_list("pk", flat=True)) if change else set()
        )
        before_lessons = set(plan.items.values_list("lesson_id", flat=True)) if change else set()
        with progress.batch():  # the plan's progress is counted once, after every row
            super().save_related(request, form, formsets, change)
        after = plan.assigned_members()
        lessons_added = bool(set(plan.items.values_list("lesson_id", flat=True)) - before_lessons)
        told = after if lessons_added else after.exclude(pk__in=before_members)
        told = list(told.only("pk", "user_id"))
        if told and plan.items.exists():
            signals.plan_assigned.send(sender=StudyPlan, plan=plan, members=told)

    @admin.display(description=_("progress"))
    def progress_link(self, plan):
        return format_html(
            '<a href="{}">{}</a>', reverse("lessons:plan_progress", args=[plan.pk]), _("Progress")
        )


# --- sessions ---------------------------------------------------------------------------------
class AgendaInline(ScopedInline):
    model = AgendaItem


class PhotoInline(ScopedInline):
    model = SessionPhoto
    fields = ("image", "caption")


class AttendanceInline(ReadOnlyMemberInline):
    model = Attendance
    readonly_fields = ("member", "signed_in_at")


@admin.register(Session)
class SessionAdmin(ScopedHistoryAdmin):
    list_display = ("title", "kind", "unit", "starts_at", "place", "sign_in_code")
    # URL filters: kind__exact, kind__isnull, starts_at__day, starts_at__month, starts_at__year
    list_filter = ("kind",)
    list_select_related = ("unit",)
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    filter_horizontal = ("lessons",)
    readonly_fields = ("sign_in_code",)
    fields = (
        "kind",
        "title",
        "unit",
        "starts_at",
        "ends_at",
        "place",
        "lessons",
        "minutes",
        "sign_in_code",
    )
    inlines = [AgendaInline, PhotoInline, AttendanceInline]
    actions = ["apply_ethics_agenda", "assign_makeup"]

    def scope(self, access: Access):
        return Session.objects.managed_by(access)

    def in_scope(self, access: Access, obj) -> bool:
        return access.manages_unit(obj.unit)

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_change_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        if obj is None:
            return access.is_organiser
        return access.organises_unit(obj.unit)

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "unit":
            return access.organised_units().order_by("path")
        return super().foreign_key_choices(db_field, access)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "lessons":
            kwargs["queryset"] = Lesson.objects.managed_by(self.access(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Add the ethics lecture hall agenda"), permissions=["change"])
    def apply_ethics_agenda(self, request, queryset):
        for session in queryset:
            services.session_apply_agenda_template(session=session)
        messages.success(request, _("The usual agenda was added."))

    @admin.action(description=_("Give absent members a make-up plan"), permissions=["change"])
    def assign_makeup(self, request, queryset):
        for session in queryset:
            try:
                plan = services.session_assign_makeup(session=session, by=request.user)
            except ValidationError as error:
                for text in error.messages:
                    messages.error(request, text)
                continue
            if plan is None:
                messages.warning(
                    request,
                    _("%(session)s has no lessons to make up.") % {"session": session},
                )
            else:
                messages.success(
                    request,
                    _("%(session)s: make-up plan for %(count)s absent members.")
                    % {"session": session, "count": plan.members.count()},
                )
