"""What every ModelAdmin of the portal shares: scope from `members.scoping`, 404 outside it.

Django's admin asks model permissions and, for an object missing from `get_queryset`,
redirects to the index saying it "doesn't exist". Here the questions are answered by a
person's posts (`access_for`), and an object outside their scope is a plain 404, whichever
view asks for it (change, history, delete, a past version).
"""

from __future__ import annotations

from html import escape

from django.contrib import admin
from django.contrib.admin import helpers, widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
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


class _TakenParameters(dict):
    """A changelist's filter parameters that remember which of them a filter took (popped),
    and what they were before any was taken."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.given = dict(self)
        self.taken: set[str] = set()

    def pop(self, key, *default):
        if key in self:
            self.taken.add(key)
        return super().pop(key, *default)


class OfferedFiltersOnly:
    """A changelist (and the exports built on it) that accepts exactly the URL filters it
    offers: the parameters its own list filters and date hierarchy take, the admin's
    `extra_parameters`, and the raw-id popup lookups Django makes from a foreign key's
    limit_choices_to. The search box (?q=), ordering and paging are not filters.

    Anything else is refused with Django's 400 (DisallowedModelAdminLookup) before a row is
    read. Django's own rule lets a URL filter on any local field and on relations its
    filters name a prefix of: a path such as `unit__parent__children__members__name` then
    answers yes/no questions about other branches, though only rows in scope are shown.
    Which parameters a filter takes is known only once Django has built the filters, so the
    rule is here, where they are built, and not in `ModelAdmin.lookup_allowed`."""

    _params: _TakenParameters | None = None
    _recording = False

    def get_filters_params(self, params=None):
        result = _TakenParameters(super().get_filters_params(params))
        if self._recording and self._params is None:
            self._params = result  # the dict Django's get_filters hands to the filters
        return result

    def get_filters(self, request):
        self._recording, self._params = True, None
        try:
            result = super().get_filters(request)
        finally:
            self._recording = False
        params = self._params
        extra = self.model_admin.extra_parameters
        for key, values in params.given.items():
            if key in params.taken or key in extra:
                continue
            if all((key, value) in _raw_id_lookups(self.model) for value in values):
                continue
            raise DisallowedModelAdminLookup(f"Filtering by {key} not allowed")
        return result


def _raw_id_lookups(model) -> set[tuple[str, str]]:
    """(parameter, value) pairs of the popups of raw-id fields pointing at `model`, filtered
    by their limit_choices_to, as Django's ForeignKeyRawIdWidget writes them."""
    pairs: set[tuple[str, str]] = set()
    for lookup in model._meta.related_fkey_lookups:
        if callable(lookup):
            lookup = lookup()
        pairs.update(widgets.url_params_from_lookup_dict(lookup).items())
    return pairs


class OfferedFiltersAdmin:
    """The URL-filter rule of every ModelAdmin on the portal's admin site (PortalAdminSite
    adds it to those of Django and the libraries too): see OfferedFiltersOnly."""

    # Parameters a changelist accepts besides its own filters', exactly as written: links from
    # elsewhere in the portal (the home page's to-do) that filter a list in a way no filter
    # offers. Each is a lookup on the model's own field, never a path through a relation.
    extra_parameters: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, OfferedFiltersOnly):
            return changelist
        return type(f"Offered{changelist.__name__}", (OfferedFiltersOnly, changelist), {})

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Decided by the changelist once its filters have taken their own parameters
        # (OfferedFiltersOnly): only there is it known which parameters they offer.
        return True


class ScopedAdmin(OfferedFiltersAdmin, admin.ModelAdmin):
    """Base of the portal's ModelAdmins. Subclasses say what is in scope (`scope`,
    `in_scope`) and who may add or change; nobody but a superuser deletes."""

    def access(self, request) -> Access:
        return access_for(request.user)

    def action_checkbox(self, obj):
        # ModelAdmin's markup, written out: a CheckboxInput rendered through the form
        # renderer's templates cost ~0.1 ms a row, 50 rows a changelist page.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

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
    # Officers keep records; some pages (publishing, moderation) are for organisers only.
    organisers_only = False

    def may_enter(self, access: Access) -> bool:
        return access.is_organiser if self.organisers_only else access.is_officer

    def has_module_permission(self, request) -> bool:
        return self.may_enter(self.access(request))

    def has_view_permission(self, request, obj=None) -> bool:
        access = self.access(request)
        return self.may_enter(access) and (obj is None or self.in_scope(access, obj))

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
    # Django's admin/filter.html, with each choice's <li> written out in `choices`: a
    # province's 337 units through a template tag each took a tenth of the changelist.
    template = "admin/members/unit_filter.html"

    def lookups(self, request, model_admin):
        # A province's thousands of branches are not listed (OrgUnitQuerySet.choice_rows);
        # any unit in scope still filters when chosen from a link.
        units = unit_choice_rows(access_for(request.user), self.value())
        top = min((u["depth"] for u in units), default=0)
        return [
            (str(u["pk"]), "· " * (u["depth"] - top) + (u["short_name"] or u["name"]))
            for u in units
        ]

    def choices(self, changelist):
        if changelist.add_facets:
            for choice in super().choices(changelist):
                yield _choice(choice["selected"], choice["query_string"], choice["display"])
            return
        # One query string with a placeholder instead of one per unit: a province's 337 units
        # took ~3 ms. The parameters are sorted by name, so only the value differs per unit.
        placeholder = "__unit__"
        template = changelist.get_query_string({self.parameter_name: placeholder})
        yield _choice(
            self.value() is None,
            changelist.get_query_string(remove=[self.parameter_name]),
            str(_("All")),
        )
        for lookup, title in self.lookup_choices:
            # digits only in the placeholder's place
            yield _choice(
                self.value() == str(lookup), template.replace(placeholder, str(lookup)), title
            )

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # isascii: "²".isdigit() is true and int("²") fails.
        if not (value.isascii() and value.isdigit()):
            return queryset.none()
        unit = access_for(request.user).managed_units().filter(pk=int(value)).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(**{f"{self.field_path}__path__startswith": unit.path})


def _choice(selected: bool, query_string: str, display: str) -> dict:
    """A choice of the unit filter, with its <li> as admin/filter.html writes it."""
    selected_class = ' class="selected"' if selected else ""
    item = f'<li{selected_class}><a href="{escape(query_string)}">{escape(display)}</a></li>'
    return {
        "selected": selected,
        "query_string": query_string,
        "display": display,
        "item": mark_safe(item),  # escaped above
    }


def unit_choice_rows(access: Access, selected: str | None) -> list[dict]:
    """`OrgUnitQuerySet.choice_rows` of the units a person keeps."""
    return access.managed_units().choice_rows(selected)


class FromUnitFilter(ScopedUnitFilter):
    title = _("from unit")
    parameter_name = "from_unit"
    field_path = "from_unit"
