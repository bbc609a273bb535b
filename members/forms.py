"""Forms of the organisation pages."""

from __future__ import annotations

from html import escape

from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import figures
from .models import Member, OrgUnit
from .scoping import Access


class PlainSelect(forms.Select):
    """A flat <select> written out in Python rather than through the form renderer's
    templates: a province's 337 unit choices took ~40 ms to render one option template each.
    Same markup as forms.Select for flat (ungrouped) choices."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for v, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # every piece escaped above


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
        widget=PlainSelect,
    )
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("All stages")), *Member.Stage.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("On the roll"))] + [c for c in Member.Status.choices if c[0] != "active"],
        required=False,
    )

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        unit.queryset = access.visible_units().order_by("path")
        # What is offered may be shorter than what is accepted (OrgUnitQuerySet.choice_rows).
        selected = self.data.get("unit") if self.is_bound else None
        unit.widget.choices = [("", unit.empty_label)] + [
            (row["pk"], row["name"]) for row in unit.queryset.choice_rows(selected)
        ]
        # The widget's own type, not an attribute: an attribute would repeat type="text".
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("Search by name")

    def filter(self, members: QuerySet[Member]) -> QuerySet[Member]:
        data = self.cleaned_data
        members = members.filter(status=data.get("status") or Member.Status.ACTIVE)
        if data.get("q"):
            members = members.named(data["q"])
        if data.get("unit"):
            members = members.filter(unit_path__startswith=data["unit"].path)
        if data.get("stage"):
            members = members.filter(stage=data["stage"])
        return members

    def kept_count(self, scope_paths: list[str] | None) -> int | None:
        """How many members `filter` finds, from the kept figures (members.figures), when
        they know: members on the roll, by unit and stage, in the scope at `scope_paths`
        (None: everyone). None for a name search or another status: count the rows."""
        data = self.cleaned_data
        if data.get("q", "").strip() or data.get("status"):
            return None
        paths = [data["unit"].path] if data.get("unit") else scope_paths
        column = f"stage_{data['stage']}" if data.get("stage") else "members"
        return figures.total(paths, column)
