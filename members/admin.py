"""The admin of the organisation and its people, for organisers and branch officers.

Everything is scoped by `members.scoping` through `ScopedAdmin`: a branch officer sees and
edits their branch, an organiser their committee's subtree, a superuser everything; an
object outside a person's scope is a 404. Units are made and moved by organisers; members
are kept by both; posts are given by organisers; transfers are recorded by the "transfer"
action (so that the member moves with the record). Nobody but a superuser deletes, and a
member with history is never deleted at all.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from . import admin_import, figures
from .admin_scoping import (
    FromUnitFilter,
    ScopedAdmin,
    ScopedUnitFilter,
    in_managed_units,
)
from .forms_admin import MemberAdminForm
from .models import Member, OrgUnit, Post, Transfer
from .scoping import Access, mask


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """Shows the changes of sensitive fields masked to those who may not see them."""

    def __init__(self, *args, hide_sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.hide_sensitive = hide_sensitive

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, DeletedObject) and value.pk is None:
            return "-"  # an empty foreign key, which simple_history calls "Deleted (pk=None)"
        if value in (None, ""):
            return "-"
        if self.hide_sensitive and change.field in Member.SENSITIVE_FIELDS:
            return mask(value)
        return value


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """History pages (list and past versions) are read-only and scoped like the object."""

    object_history_template = "admin/members/object_history.html"
    object_history_list_template = "admin/members/object_history_list.html"

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # 404 outside the person's scope
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        if request.method != "GET":
            # Past versions are for reading; a change goes through the change form.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_view_history_or_change_history_permission(self, request, obj=None) -> bool:
        # simple_history asks this of the past version, whose fields may no longer (or not
        # yet: a unit's first version has an empty path) place it in the person's scope.
        # The object as it is today decides, as for every other page of it.
        if obj is not None and obj.pk is not None:
            obj = self.get_queryset(request).filter(pk=obj.pk).first()
            if obj is None:
                return False
        return self.has_view_permission(request, obj)

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def hides_sensitive(self, request, obj) -> bool:
        return False

    def history_view_title(self, request, obj):
        return _("History of %(object)s") % {"object": obj}

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryHelper(
            self.model,
            historical_record,
            hide_sensitive=self.hides_sensitive(request, historical_record.instance),
        )


# --- units ------------------------------------------------------------------------------------
@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedHistoryAdmin):
    list_display = ("name", "short_name", "kind", "parent", "active_members", "sort_order")
    list_display_links = ("name",)
    # URL filters: kind__exact, kind__isnull
    list_filter = ("kind",)
    list_select_related = ("parent",)
    search_fields = ("name", "short_name")
    ordering = ("path",)
    fields = ("name", "short_name", "kind", "parent", "sort_order", "founded_on", "description")

    def scope(self, access: Access):
        # The unit's own members on the roll, as kept (members.figures), not its subtree's.
        return access.managed_units().annotate(active_count=F("figures__members"))

    def in_scope(self, access: Access, obj) -> bool:
        return access.manages_unit(obj)

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_change_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        if obj is None:
            return access.is_organiser
        return access.organises_unit(obj)

    def get_readonly_fields(self, request, obj=None):
        access = self.access(request)
        # A unit whose parent lies outside the person's scope (their own committee) stays
        # where it is: only a superuser moves the top of a subtree.
        moves_top = obj is not None and (
            obj.parent_id is None or not access.organises_unit(obj.parent)
        )
        if moves_top and not access.is_superuser:
            return ("parent",)
        return ()

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "parent":
            return access.organised_units().exclude(kind=OrgUnit.Kind.BRANCH).order_by("path")
        return super().foreign_key_choices(db_field, access)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "parent" in form.base_fields and not self.access(request).is_superuser:
            form.base_fields["parent"].required = True  # only a superuser adds a top unit
        return form

    @admin.display(description=_("members on the roll"), ordering="active_count")
    def active_members(self, unit):
        return unit.active_count or 0


# --- members ----------------------------------------------------------------------------------
class PostInline(admin.TabularInline):
    model = Post
    fk_name = "member"
    fields = ("unit", "kind", "start_on", "end_on")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("posts held")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True  # the member's own admin page decided already


class StageFilter(admin.SimpleListFilter):
    title = _("overdue for full membership")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue_probationary()
        return queryset


SENSITIVE_DISPLAY = {
    "id_number": "masked_id_number",
    "phone": "masked_phone",
    "birth_date": "masked_birth_date",
    "home_address": "masked_home_address",
}


class MemberPaginator(Paginator):
    """Told its count when the kept member figures know it (MemberAdmin.kept_count): the
    changelist counted a province's 100,000 members on every page otherwise."""

    known_count: int | None = None

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return super().count


@admin.register(Member)
class MemberAdmin(ScopedHistoryAdmin):
    list_display = ("name", "unit_label", "gender", "stage", "status", "has_login", "overdue")
    list_display_links = ("name",)
    # URL filters: gender__exact, gender__isnull, overdue, stage__exact, stage__isnull, status__exact, status__isnull, unit
    list_filter = (ScopedUnitFilter, "stage", "status", "gender", StageFilter)
    list_select_related = ("unit",)
    search_fields = ("name",)
    # The members' own copy of their unit's path: the order is then one index, no join.
    ordering = ("unit_path", "name", "pk")
    form = MemberAdminForm
    inlines = (PostInline,)
    actions = ("transfer_action", "leave_action")
    list_per_page = 50
    # "x of y" would count a province's 100,000 members a second time on every page.
    show_full_result_count = False
    paginator = MemberPaginator
    change_list_template = "admin/members/member/change_list.html"

    PERSON = (
        "name",
        "unit",
        "gender",
        "ethnicity",
        "native_place",
        "education",
        "department",
        "job_title",
        "photo",
    )
    STAGES = ("stage", "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on")
    STATUS = ("status", "status_changed_on", "status_note")

    # --- scope ------------------------------------------------------------------------------
    def scope(self, access: Access):
        return access.members()

    def in_scope(self, access: Access, obj) -> bool:
        return access.manages_unit(obj.unit)

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_officer

    def has_change_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        return access.is_officer and (obj is None or self.in_scope(access, obj))

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "unit":
            return access.managed_units().branches().order_by("path")
        return super().foreign_key_choices(db_field, access)

    def get_search_fields(self, request):
        # Finding someone by ID number is for those who may see ID numbers.
        if self.access(request).is_organiser:
            return ("name", "=id_number")
        return self.search_fields

    def get_search_results(self, request, queryset, search_term):
        """Django's search (every word must match a field), with the name matched through
        MemberQuerySet.name_q, which PostgreSQL answers from an index at any length."""
        words = [
            unescape_string_literal(w) if len(w) > 1 and w[0] in "\"'" and w[0] == w[-1] else w
            for w in smart_split(search_term)
        ]
        words = [w for w in words if w]
        if not words:
            return queryset, False
        by_id = "=id_number" in self.get_search_fields(request)
        for word in words:
            q = queryset.name_q(word)
            if by_id:
                q |= Q(id_number=word)
            queryset = queryset.filter(q)
        return queryset, False

    # --- sensitive fields -------------------------------------------------------------------
    def can_edit_sensitive(self, request, obj) -> bool:
        access = self.access(request)
        if obj is None:
            return access.is_organiser
        return access.can_see_sensitive(obj)

    def hides_sensitive(self, request, obj) -> bool:
        return not self.access(request).can_see_sensitive(obj)

    def get_fieldsets(self, request, obj=None):
        if self.can_edit_sensitive(request, obj):
            contact = Member.SENSITIVE_FIELDS
            description = _("Seen only by the member and the organisers of their unit.")
        else:
            contact = tuple(SENSITIVE_DISPLAY[f] for f in Member.SENSITIVE_FIELDS)
            description = _("Kept by the organisers of the unit; shown here masked.")
        status_help = (
            ""
            if self.access(request).is_superuser
            else _(
                "A member leaves the roll or moves through the actions “Transfer” and “Record "
                "leaving” on the member list, which also end their posts."
            )
        )
        return [
            (_("Person"), {"fields": self.PERSON}),
            (_("Contact and identity"), {"fields": contact, "description": description}),
            (_("Party stages"), {"fields": self.STAGES}),
            (_("Status"), {"fields": self.STATUS, "description": status_help}),
            (_("Login"), {"fields": ("login",)}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["login"]
        if not self.access(request).is_superuser:
            readonly += self.STATUS  # changed by the actions, which end posts as well
        if not self.can_edit_sensitive(request, obj):
            readonly += SENSITIVE_DISPLAY.values()
        return readonly

    @admin.display(description=_("ID number"))
    def masked_id_number(self, member):
        return mask(member.id_number) or "-"

    @admin.display(description=_("phone"))
    def masked_phone(self, member):
        return mask(member.phone) or "-"

    @admin.display(description=_("birth date"))
    def masked_birth_date(self, member):
        return mask(member.birth_date) or "-"

    @admin.display(description=_("home address"))
    def masked_home_address(self, member):
        return mask(member.home_address) or "-"

    # --- list columns -----------------------------------------------------------------------
    @admin.display(description=_("unit"), ordering="unit_path")
    def unit_label(self, member):
        return member.unit.label

    @admin.display(description=_("login"), boolean=True)
    def has_login(self, member):
        return member.user_id is not None

    @admin.display(description=_("full membership due"))
    def overdue(self, member):
        if not member.is_overdue_for_full_membership:
            return ""
        return _("Overdue since %(date)s") % {"date": date_format(member.full_membership_due_on)}

    @admin.display(description=_("login"))
    def login(self, member):
        if member.pk is None or member.user_id is None:
            return _("No login")
        return member.user.get_username()

    # --- saving and deleting ----------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting in bulk would skip Member.delete's refusal of members with history.
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        member = self.get_object(request, unquote(object_id))
        if self.has_delete_permission(request, member) and member.has_history():
            self.message_user(
                request,
                _(
                    "%(name)s has a history in the organisation and cannot be deleted; "
                    "record a transfer or leaving instead."
                )
                % {"name": member.name},
                messages.ERROR,
            )
            return redirect(reverse("admin:members_member_change", args=[member.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        try:
            obj.delete()
        except ValidationError as error:  # history appeared since the page was opened
            raise PermissionDenied(error.messages[0]) from error

    # --- import, export, actions ------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(admin_import.import_view(self)), name="members_member_import"),
            path(
                "import/template.xlsx",
                wrap(admin_import.template_view(self)),
                name="members_member_import_template",
            ),
            path(
                "import/bad-rows.xlsx",
                wrap(admin_import.bad_rows_view(self)),
                name="members_member_import_bad_rows",
            ),
            path("export/", wrap(admin_import.export_view(self)), name="members_member_export"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.access(request).can_import()

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        paginator.known_count = self.kept_count(request)
        return paginator

    def kept_count(self, request) -> int | None:
        """The changelist's count from the kept member figures (members.figures), when they
        know it: no search, and at most the unit filter, status "on the roll" and, with it,
        a stage. None otherwise: the paginator counts the rows."""
        params = {k: request.GET.getlist(k) for k in request.GET if k not in (PAGE_VAR, ORDER_VAR)}
        if any(len(values) != 1 for values in params.values()):
            return None
        params = {k: values[0] for k, values in params.items()}
        unit, stage = params.pop("unit", None), params.pop("stage__exact", None)
        status = params.pop("status__exact", None)
        if params or status not in (None, Member.Status.ACTIVE) or (stage and not status):
            return None
        if stage not in (None, *Member.Stage.values):
            return None
        column = "everyone" if status is None else (f"stage_{stage}" if stage else "members")
        access = self.access(request)
        if unit is not None:
            if not (unit.isascii() and unit.isdigit()):
                return None
            paths = list(access.managed_units().filter(pk=int(unit)).values_list("path", flat=True))
        elif access.is_superuser:
            paths = None
        else:
            paths = [u.path for u in access.managed_units_list]
        return figures.total(paths, column)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_import_permission(request),
            "export_formats": admin_import.export_choices(),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Transfer to another branch or organisation"))
    def transfer_action(self, request, queryset):
        return admin_import.transfer_action(self, request, queryset)

    @admin.action(description=_("Record leaving the roll"))
    def leave_action(self, request, queryset):
        return admin_import.leave_action(self, request, queryset)


# --- posts ------------------------------------------------------------------------------------
class CurrentPostFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.current()
        if self.value() == "no":
            return queryset.filter(end_on__lt=timezone.localdate())
        return queryset


@admin.register(Post)
class PostAdmin(ScopedHistoryAdmin):
    list_display = ("member", "unit", "kind", "start_on", "end_on")
    # URL filters: current, kind__exact, kind__isnull, unit
    list_filter = ("kind", ScopedUnitFilter, CurrentPostFilter)
    list_select_related = ("member", "unit")
    search_fields = ("member__name", "unit__name")
    autocomplete_fields = ("member",)
    ordering = ("unit__path", "kind", "-start_on")
    fields = ("member", "unit", "kind", "start_on", "end_on", "note")

    def scope(self, access: Access):
        return in_managed_units(Post.objects.all(), access, "unit")

    def in_scope(self, access: Access, obj) -> bool:
        return access.manages_unit(obj.unit)

    # Posts give people their rights, so organisers give them, in units they organise.
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
        if db_field.name == "member":
            return in_managed_units(Member.objects.select_related("unit"), access, "unit")
        return super().foreign_key_choices(db_field, access)


# --- transfers --------------------------------------------------------------------------------
@admin.register(Transfer)
class TransferAdmin(ScopedAdmin):
    list_display = ("member", "from_unit", "destination", "transferred_on", "created_by")
    # URL filters: from_unit
    list_filter = (FromUnitFilter,)
    list_select_related = ("member", "from_unit", "to_unit", "created_by")
    search_fields = ("member__name",)
    date_hierarchy = None
    ordering = ("-transferred_on", "-pk")
    fields = (
        "member",
        "from_unit",
        "to_unit",
        "to_outside",
        "transferred_on",
        "note",
        "created_by",
        "created_at",
    )
    readonly_fields = ("member", "from_unit", "to_unit", "to_outside", "created_by", "created_at")

    def scope(self, access: Access):
        return in_managed_units(Transfer.objects.all(), access, "from_unit", "to_unit")

    def in_scope(self, access: Access, obj) -> bool:
        return access.manages_unit(obj.from_unit) or bool(
            obj.to_unit_id and access.manages_unit(obj.to_unit)
        )

    def has_add_permission(self, request) -> bool:
        # A transfer moves the member too: record it with the "transfer" action on members.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        if obj is None:
            return access.is_organiser
        return access.organises_unit(obj.from_unit)

    @admin.display(description=_("to"))
    def destination(self, transfer):
        return transfer.to_unit or transfer.to_outside


# Help requests (连心桥) have their own read-only admin, registered on import.
from . import help_admin  # noqa: E402, F401
