"""Intranet pages of the organisation: overview, units, member directory and profiles.

Every queryset starts from `members.scoping`; objects outside a person's scope are a 404.
Member counts are the figures kept per unit (members.figures), added up over a subtree by
the database; member lists are read by keyset in the directory's order (members.keyset), so
a page far down a province's list costs what the first does. Nothing here is cached.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import figures, hooks, keyset
from .forms import DirectoryFilterForm
from .models import Member, OrgUnit, Post
from .scoping import Access, access_for, mask

# What members/_member_list.html shows: fifty whole member rows (ID numbers, addresses…)
# cost more to fetch and build than the page needs.
MEMBER_LIST_FIELDS = ("name", "stage", "job_title", "unit_path", "unit__name", "unit__short_name")
UNIT_FIELDS = ("name", "short_name", "kind", "path", "depth", "parent_id", "sort_order")
URL_PLACEHOLDER = 2147483647


def _member_rows(members):
    return members.select_related("unit").only(*MEMBER_LIST_FIELDS)


def _member_page(members, params, count: int) -> keyset.KeysetPage:
    """A keyset page of `members`, each with its link and stage written out once for the
    list (members/_member_list.html), not by a tag per row."""
    page = keyset.page(_member_rows(members), params, count)
    url = reverse("members:member", args=[URL_PLACEHOLDER])
    stages = {value: str(label) for value, label in Member.Stage.choices}
    for member in page.object_list:
        member.url = url.replace(str(URL_PLACEHOLDER), str(member.pk))
        member.stage_label = stages.get(member.stage, member.stage)
    return page


def _unit_rows(units: list[OrgUnit]) -> list[dict]:
    """What a list of units shows of each: name, link, kind and the subtree's counts, as
    values written out here (the overview lists a province's 150 counties: a link, a kind
    and two plural sentences drawn by template tags for each took most of its time)."""
    counts = figures.subtree_figures(units)
    kinds = {value: str(label) for value, label in OrgUnit.Kind.choices}
    # Every unit's link is the same but for its number.
    url = reverse("members:unit", args=[URL_PLACEHOLDER])
    rows = []
    for unit in units:
        members, logins = counts[unit.pk]["members"], counts[unit.pk]["logins"]
        rows.append(
            {
                "pk": unit.pk,
                "name": unit.name,
                "member_count": members,
                "parent_id": unit.parent_id,
                "url": url.replace(str(URL_PLACEHOLDER), str(unit.pk)),
                "kind": kinds.get(unit.kind, unit.kind),
                "members": ngettext("%(counter)s member", "%(counter)s members", members)
                % {"counter": members},
                "coverage": _("portal coverage %(logins)s/%(total)s")
                % {"logins": logins, "total": members},
            }
        )
    return rows


def overview(request):
    """The organisation tree: the top units and the level under them, with counts."""
    access = access_for(request.user)
    home_unit = access.member.unit if access.member else None
    units = list(OrgUnit.objects.filter(depth__lte=1).only(*UNIT_FIELDS).order_by("path"))
    rows = _unit_rows(units)
    roots = [row for unit, row in zip(units, rows, strict=True) if unit.depth == 0]
    children: dict[int, list[dict]] = {}
    in_order = sorted(
        zip(units, rows, strict=True), key=lambda pair: (pair[0].sort_order, pair[0].name)
    )
    for _unit, row in in_order:
        if row["parent_id"]:
            children.setdefault(row["parent_id"], []).append(row)
    for root in roots:
        root["children"] = children.get(root["pk"], [])
    return render(request, "members/overview.html", {"roots": roots, "home_unit": home_unit})


def unit_detail(request, pk: int):
    access = access_for(request.user)
    unit = get_object_or_404(OrgUnit, pk=pk)
    children = list(unit.children.only(*UNIT_FIELDS).order_by("sort_order", "name"))
    [unit_row, *child_rows] = _unit_rows([unit, *children])
    # The member list is open to those who may read the unit's members (its subtree is
    # then theirs whole, so the unit's count is the list's).
    can_see_members = access.visible_units().filter(pk=unit.pk).exists()
    page = None
    if can_see_members:
        members = access.visible_members().active().filter(unit_path__startswith=unit.path)
        page = _member_page(members, request.GET, unit_row["member_count"])
    officers = (
        Post.objects.current()
        .filter(unit=unit)
        .select_related("member")
        .only("kind", "member__name")
        .order_by("kind", "start_on")
    )
    return render(
        request,
        "members/unit_detail.html",
        {
            "unit": unit,
            "unit_row": unit_row,
            "ancestors": unit.ancestors().only("name", "short_name"),
            "children": child_rows,
            "officers": officers,
            "page": page,
            "can_see_members": can_see_members,
            "can_manage": access.manages_unit(unit),
            "sections": hooks.collect(hooks.unit_sections, request, access, unit),
        },
    )


def _scope_paths(access: Access) -> list[str] | None:
    """The paths of the units `access.visible_members()` is built from (None: everything).
    Only a narrowing for the index (and the kept figures' total): who is visible is decided
    by `visible_members()` itself."""
    if access.is_superuser:
        return None
    units = list(access.managed_units_list)
    if access.is_member:
        units.append(access.member.unit)
    return [unit.path for unit in units]


def directory(request):
    access = access_for(request.user)
    form = DirectoryFilterForm(request.GET or None, access=access)
    members = access.visible_members()
    paths = _scope_paths(access)
    if paths is not None:
        members = members.filter(figures.path_q(paths, "unit_path"))
    count = None
    if form.is_valid():
        members = form.filter(members)
        count = form.kept_count(paths)
    elif form.is_bound:
        members = members.none()  # a refused filter lists nobody rather than guessing
        count = 0
    else:
        members = members.active()
        count = figures.total(paths)
    if count is None:
        count = members.count()
    page = _member_page(members, request.GET, count)
    context = {
        "form": form,
        "page": page,
        "has_scope": bool(access.member or access.is_officer),
    }
    return render(request, "members/directory.html", context)


def _profile(request, access: Access, member: Member, is_me: bool = False):
    sensitive = access.can_see_sensitive(member)
    fields = []
    for name in Member.SENSITIVE_FIELDS:
        value = getattr(member, name)
        display = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        fields.append(
            {
                "label": Member._meta.get_field(name).verbose_name,
                "value": display if sensitive else mask(display),
            }
        )
    stages = [
        {
            "label": Member.Stage(stage).label,
            "date": getattr(member, field),
            "reached": getattr(member, field) is not None,
        }
        for stage, field in Member.STAGE_DATES
    ]
    context = {
        "person": member,
        "is_me": is_me,
        "sensitive_fields": fields,
        "sees_sensitive": sensitive,
        "stages": stages,
        "posts": member.posts.select_related("unit").order_by("-start_on"),
        "transfers": member.transfers.select_related("from_unit", "to_unit"),
        "can_manage": access.manages_unit(member.unit),
        "sections": hooks.collect(hooks.member_sections, request, access, member),
    }
    return render(request, "members/profile.html", context)


def member_detail(request, pk: int):
    access = access_for(request.user)
    member = get_object_or_404(access.visible_members().select_related("unit"), pk=pk)
    return _profile(request, access, member)


def my_profile(request):
    access = access_for(request.user)
    member = access.member
    if member is None:
        return render(request, "members/profile_staff.html", {"title": _("My profile")})
    return _profile(request, access, member, is_me=True)
