"""A read-only admin of help requests (连心桥) for organisers.

Handlers act through the site pages (/org/help/); the admin lets organisers look through
the requests in their scope, with notes and history. Branch officers who are not organisers
(secretaries included) have no view of this model: its changelist is a 403 and every
request a 404. Liaison officers keep no records and do not enter the admin at all.
The scope is `Access.handled_help_requests()`, the same as the site's queue.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin import ScopedHistoryAdmin
from .admin_scoping import ScopedUnitFilter
from .models import HelpRequest, HelpRequestNote
from .scoping import Access, access_for


class HelpNoteInline(admin.TabularInline):
    model = HelpRequestNote
    fields = ("created_at", "author", "visible_to_member", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_view_permission(self, request, obj=None) -> bool:
        return access_for(request.user).is_organiser

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HelpRequest)
class HelpRequestAdmin(ScopedHistoryAdmin):
    list_display = (
        "title",
        "author",
        "unit",
        "category",
        "status",
        "created_at",
        "last_activity_at",
        "taken_by",
    )
    # URL filters: category__exact, category__isnull, status__exact, status__isnull, unit
    list_filter = ("status", "category", ScopedUnitFilter)
    list_select_related = ("author", "unit", "taken_by")
    search_fields = ("title", "author__name")
    ordering = ("created_at", "pk")
    fields = (
        "site_link",
        "author",
        "unit",
        "category",
        "title",
        "text",
        "status",
        "taken_by",
        "taken_at",
        "resolved_by",
        "resolved_at",
        "resolution",
        "created_at",
        "last_activity_at",
    )
    readonly_fields = fields
    inlines = [HelpNoteInline]

    def scope(self, access: Access):
        if not access.is_organiser:
            return HelpRequest.objects.none()
        return access.handled_help_requests().select_related(
            "author", "unit", "taken_by", "resolved_by"
        )

    def in_scope(self, access: Access, obj) -> bool:
        return access.is_organiser and access.can_handle_help(obj)

    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request) -> bool:
        return False  # members file requests on the site

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # handlers take, annotate and resolve on the site

    @admin.display(description=_("on the site"))
    def site_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("members:help_detail", args=[obj.pk]),
            _("Open the request to take, annotate or resolve it"),
        )
