"""Notices in the admin: organisers post for the units they organise, branch officers for
their branch, each within their scope (`members.scoping`, through `ScopedAdmin`). Only an
organiser may address all staff. Saving a live notice notifies its audience once
(`services.notice_announce`); a scheduled one is announced by `send_reminders` when due.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.admin import ScopedHistoryAdmin
from members.models import OrgUnit
from members.scoping import Access, access_for

from . import services
from .models import Notice, NoticeAttachment, NoticeAudience


class NoticeInline(admin.TabularInline):
    """Inlines follow their notice: whoever may change the notice changes them."""

    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is OrgUnit:
            kwargs["queryset"] = access_for(request.user).managed_units().order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_change(self, request, obj) -> bool:
        access = access_for(request.user)
        if obj is None:
            return access.is_officer
        return access.manages_unit(obj.unit)

    def has_view_permission(self, request, obj=None) -> bool:
        return access_for(request.user).is_officer

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_change(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_change(request, obj)


class AudienceInline(NoticeInline):
    model = NoticeAudience
    verbose_name_plural = _("audience units (when not all staff; none means the publishing unit)")


class AttachmentInline(NoticeInline):
    model = NoticeAttachment


class NoticeForm(forms.ModelForm):
    access: Access | None = None

    class Meta:
        model = Notice
        fields = ("title", "unit", "body", "pinned", "status", "publish_at", "audience_all")

    def clean_audience_all(self):
        value = self.cleaned_data.get("audience_all")
        if value and self.access is not None and not self.access.is_organiser:
            raise forms.ValidationError(
                _("Only a committee organiser may address all staff; choose units instead.")
            )
        return value


@admin.register(Notice)
class NoticeAdmin(ScopedHistoryAdmin):
    form = NoticeForm
    list_display = ("title", "unit", "status", "publish_at", "pinned", "audience", "receipts")
    # URL filters: pinned__exact, pinned__isnull, publish_at__day, publish_at__month, publish_at__year, status__exact, status__isnull
    list_filter = ("status", "pinned")
    list_select_related = ("unit",)
    search_fields = ("title",)
    date_hierarchy = "publish_at"
    inlines = [AudienceInline, AttachmentInline]
    actions = ["publish_now", "archive"]
    fieldsets = (
        (None, {"fields": ("title", "unit", "body", "pinned")}),
        (_("Publication"), {"fields": ("status", "publish_at", "audience_all")}),
    )

    def scope(self, access: Access):
        return Notice.objects.managed_by(access).annotate(read_count=Count("reads"))

    def in_scope(self, access: Access, obj) -> bool:
        return access.manages_unit(obj.unit)

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_officer

    def has_change_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        return access.is_officer and (obj is None or self.in_scope(access, obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.access = self.access(request)
        return form

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "unit":
            return access.managed_units().order_by("path")
        return super().foreign_key_choices(db_field, access)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.notice_announce(notice=form.instance)

    @admin.display(description=_("audience"))
    def audience(self, notice):
        return _("All staff") if notice.audience_all else _("Chosen units")

    @admin.display(description=_("read by"), ordering="read_count")
    def receipts(self, notice):
        return format_html(
            '<a href="{}">{}</a>', reverse("notices:reads", args=[notice.pk]), notice.read_count
        )

    @admin.action(description=_("Publish the selected notices now"), permissions=["change"])
    def publish_now(self, request, queryset):
        count = 0
        for notice in queryset:
            notice.status, notice.publish_at = Notice.Status.PUBLISHED, timezone.now()
            notice._history_user = request.user
            notice.save()  # keeps the history of each notice
            services.notice_announce(notice=notice)
            count += 1
        messages.success(
            request, ngettext("%d notice published.", "%d notices published.", count) % count
        )

    @admin.action(description=_("Archive the selected notices"), permissions=["change"])
    def archive(self, request, queryset):
        count = 0
        for notice in queryset:
            notice.status = Notice.Status.ARCHIVED
            notice._history_user = request.user
            notice.save()
            count += 1
        messages.success(
            request, ngettext("%d notice archived.", "%d notices archived.", count) % count
        )
