"""What every ModelAdmin of the portal shares: scope from `members.scoping`, 404 outside it.

Django's admin asks model permissions and, for an object missing from `get_queryset`,
redirects to the index saying it "doesn't exist". Here the questions are answered by a
person's posts (`access_for`), and an object outside their scope is a plain 404, whichever
view asks for it (change, history, delete, a past version).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Member, OrgUnit
from .scoping import Access, access_for


def in_managed_units(queryset: QuerySet, access: Access, *paths: str) -> QuerySet:
    """Rows of `queryset` whose unit (reached by any of `paths`, e.g. "unit",
    "from_unit") is in a unit this person keeps."""
    if access.is_superuser:
        return queryset
    units = access.managed_units_list
    if not units:
        return queryset.none()
    q = Q()
    for path in paths:
        for unit in units:
            q |= Q(**{f"{path}__path__startswith": unit.path})
    return queryset.filter(q)


class ScopedAdmin(admin.ModelAdmin):
    """Base of the portal's ModelAdmins. Subclasses say what is in scope (`scope`,
    `in_scope`) and who may add or change; nobody but a superuser deletes."""

    def access(self, request) -> Access:
        return access_for(request.user)

    def scope(self, access: Access) -> QuerySet:
        raise NotImplementedError

    def in_scope(self, access: Access, obj) -> bool:
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = self.scope(self.access(request))
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Out of scope and nonexistent read the same: a 404, not a redirect.
            raise Http404
        return obj

    # --- permissions ------------------------------------------------------------------------
    def has_module_permission(self, request) -> bool:
        return self.access(request).is_officer

    def has_view_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        return access.is_officer and (obj is None or self.in_scope(access, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.access(request).is_superuser

    # --- pickers ----------------------------------------------------------------------------
    def foreign_key_choices(self, db_field, access: Access) -> QuerySet | None:
        """The choices of a foreign key, in scope: units a person keeps, members they keep."""
        if db_field.related_model is OrgUnit:
            return access.managed_units().order_by("path")
        if db_field.related_model is Member:
            return access.members().select_related("unit")
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.foreign_key_choices(db_field, self.access(request))
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedUnitFilter(admin.SimpleListFilter):
    """Filter by unit (and everything under it) among the units the person keeps, not
    every unit in the database as RelatedFieldListFilter would list."""

    title = _("unit")
    parameter_name = "unit"
    field_path = "unit"

    def lookups(self, request, model_admin):
        units = list(
            access_for(request.user)
            .managed_units()
            .order_by("path")
            .only("pk", "name", "short_name", "depth")
        )
        top = min((u.depth for u in units), default=0)
        return [(str(u.pk), "· " * (u.depth - top) + u.label) for u in units]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        unit = access_for(request.user).managed_units().filter(pk=int(value)).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(**{f"{self.field_path}__path__startswith": unit.path})


class FromUnitFilter(ScopedUnitFilter):
    title = _("from unit")
    parameter_name = "from_unit"
    field_path = "from_unit"
