"""Intranet pages of the organisation: overview, units, member directory and profiles.

Every queryset starts from `members.scoping`; objects outside a person's scope are a 404.
Member counts of the units come from `members.counts` (cached, no query when warm).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import counts, hooks
from .forms import DirectoryFilterForm
from .models import Member, OrgUnit, Post
from .scoping import Access, _outermost, access_for, mask

MEMBERS_PER_PAGE = 50
# What members/_member_list.html shows: fifty whole member rows (ID numbers, addresses…)
# cost more to fetch and build than the page needs.
MEMBER_LIST_FIELDS = ("name", "stage", "job_title", "unit__name", "unit__short_name")


class CountedPaginator(Paginator):
    """A paginator told its count (the cached member count) instead of counting again."""

    def __init__(self, *args, count: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def _current_posts() -> Prefetch:
    return Prefetch(
        "posts",
        queryset=Post.objects.current().select_related("member").order_by("kind", "start_on"),
        to_attr="current_posts",
    )


def _cached_fragment(name: str, template: str, context: Callable[[], dict]) -> Callable[[], str]:
    """A callable for the page's template (which calls it while rendering, so the fragment's
    context comes after the page's in a test response's `context`)."""
    return lambda: _fragment(name, template, context)


def _fragment(name: str, template: str, context: Callable[[], dict]) -> str:
    """`template` rendered with `context()`, kept in the cache under the member counts'
    version token and the active language.

    The token changes on every save or delete of a unit, a member or a login (members.counts),
    which is everything these fragments show: names, kinds, order and counts. At provincial
    scale rendering the 150 counties with their counts was most of the page's time.
    """
    key = f"members:fragment:{name}:{get_language()}:{counts.version()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, context())
        cache.set(key, html, counts.TIMEOUT)
    return mark_safe(html)  # our own template output


def _overview_roots() -> dict:
    units = counts.annotate(OrgUnit.objects.filter(depth__lte=1).order_by("path"))
    roots = [u for u in units if u.depth == 0]
    children: dict[int, list[OrgUnit]] = {}
    for unit in units:
        if unit.parent_id:
            children.setdefault(unit.parent_id, []).append(unit)
    for root in roots:
        root.child_list = sorted(children.get(root.pk, []), key=lambda u: (u.sort_order, u.name))
    return {"roots": roots}


def overview(request):
    """The organisation tree: the top units and the level under them, with counts."""
    access = access_for(request.user)
    home_unit = access.member.unit if access.member else None
    tree = _cached_fragment("overview", "members/_overview_tree.html", _overview_roots)
    return render(
        request,
        "members/overview.html",
        {"tree": tree, "home_unit": home_unit},
    )


def unit_detail(request, pk: int):
    access = access_for(request.user)
    unit = get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)
    [unit] = counts.annotate([unit])
    children = _cached_fragment(
        f"unit-children:{unit.pk}",
        "members/_unit_children.html",
        lambda: {"children": counts.annotate(unit.children.order_by("sort_order", "name"))},
    )
    officers = (
        Post.objects.current()
        .filter(unit=unit)
        .select_related("member")
        .order_by("kind", "start_on")
    )
    can_see_members = access.visible_units().filter(pk=unit.pk).exists()
    page = None
    if can_see_members:
        members = (
            Member.objects.active()
            .filter(unit__path__startswith=unit.path)
            .select_related("unit")
            .only(*MEMBER_LIST_FIELDS)
            .order_by("unit__path", "name", "pk")
        )
        page = CountedPaginator(members, MEMBERS_PER_PAGE, count=unit.member_count).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "members/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": children,
            "officers": officers,
            "can_see_members": can_see_members,
            "page": page,
            "can_manage": access.manages_unit(unit),
            "sections": hooks.collect(hooks.unit_sections, request, access, unit),
        },
    )


def _visible_roots(access: Access) -> list[OrgUnit]:
    """The outermost units of `access.visible_members()`: their subtrees do not overlap."""
    if access.is_superuser:
        return list(OrgUnit.objects.filter(parent__isnull=True))
    units = list(access.managed_units_list)
    if access.is_member:
        units.append(access.member.unit)
    return _outermost(units)


def directory(request):
    access = access_for(request.user)
    form = DirectoryFilterForm(request.GET or None, access=access)
    members = access.visible_members().select_related("unit")
    if form.is_valid():
        members = form.filter(members)
    elif form.is_bound:
        members = members.none()  # a refused filter lists nobody rather than guessing
    else:
        members = members.active()
    members = members.only(*MEMBER_LIST_FIELDS).order_by("unit__path", "name", "pk")
    unfiltered = not form.is_bound or (form.is_valid() and not any(form.cleaned_data.values()))
    if unfiltered:
        # Everyone on the roll in scope: the cached subtree counts already know how many.
        tally = counts.subtree_counts()
        known = sum(tally.get(unit.pk, (0, 0))[0] for unit in _visible_roots(access))
        paginator = CountedPaginator(members, MEMBERS_PER_PAGE, count=known)
    else:
        paginator = Paginator(members, MEMBERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/directory.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "has_scope": access.member or access.is_officer,
        },
    )


def _profile_context(access: Access, member: Member) -> dict:
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
    posts = member.posts.select_related("unit").order_by("-start_on")
    transfers = member.transfers.select_related("from_unit", "to_unit")
    return {
        "person": member,
        "sensitive_fields": fields,
        "sees_sensitive": sensitive,
        "stages": stages,
        "posts": posts,
        "transfers": transfers,
        "can_manage": access.manages_unit(member.unit),
    }


def member_detail(request, pk: int):
    access = access_for(request.user)
    member = get_object_or_404(access.visible_members().select_related("unit", "user"), pk=pk)
    context = _profile_context(access, member)
    context["sections"] = hooks.collect(hooks.member_sections, request, access, member)
    return render(request, "members/profile.html", context)


def my_profile(request):
    access = access_for(request.user)
    if access.member is None:
        return render(request, "members/profile_staff.html", {"title": _("My profile")})
    member = Member.objects.select_related("unit", "user").get(pk=access.member.pk)
    context = _profile_context(access, member)
    context["is_me"] = True
    context["sections"] = hooks.collect(hooks.member_sections, request, access, member)
    return render(request, "members/profile.html", context)
