"""Intranet pages of the organisation: overview, units, member directory and profiles.

Every queryset starts from `members.scoping`; objects outside a person's scope are a 404.
Member counts of the units come from `members.counts` (cached, no query when warm).

With a shared cache (members.person_cache.enabled()) the pages' content is kept as drawn,
while the layout stays per request: a directory page is shared by everyone with the same
scope and a unit's page by everyone (`_shared`; what a viewer may not see, the member list
or the admin link, is left out per request); a profile, and the sections other apps add to
a page, are kept per viewer (`person_cache.page`). Every entry is stamped with the version
tokens of what it shows, so a write is seen at once: members, units, logins and transfers
replace members.counts' token, posts the access token (members.scoping), a person's study
records their person token, and the home cards' apps their own tokens. Who may see a unit or
a member is decided on every request, from the cached access and the unit's path. At
provincial scale drawing 50 member rows, or a profile's eight queries, was most of these
pages' time. No kept part holds a form with a CSRF token (the directory's search is a GET).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import counts, hooks, person_cache, tokens
from .forms import DirectoryFilterForm
from .models import Member, OrgUnit, Post
from .scoping import ACCESS_VERSION_KEY, Access, _outermost, access_for, mask

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


def _shared(name: str, token_keys: Iterable[str], draw: Callable[[], tuple[Any, bool]]) -> Any:
    """What `draw()` returns first, kept in the shared cache under `name` and the active
    language, stamped with the current tokens of `token_keys`; `draw()`'s second value says
    whether it may be kept (a request a crawler could vary without end is not).

    For parts that do not depend on who looks beyond what `name` holds (a scope, a flag).
    The tokens are read with the entry (one round trip) and before the rows, so a write
    between the two leaves an entry under a token already gone. Only with a shared cache
    (members.person_cache.enabled()): in per-process memory a write in one worker could not
    reach another's copy."""
    if not person_cache.enabled():
        return draw()[0]
    key = f"members:page:{name}:{get_language()}"
    token_keys = sorted(token_keys)
    value, stamp = tokens.stamped(cache.get_many([key, *token_keys]), key, token_keys)
    if value is not tokens.MISSING:
        return value
    value, keep = draw()
    if keep:
        tokens.keep(key, stamp, value, counts.TIMEOUT)
    return value


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


def _unit_parts(pk: int, asked: str | None) -> tuple[dict, bool]:
    """What a unit's page shows whoever looks, drawn: the unit itself (with its counts), the
    part above the admin link, the part under it (officers, sub-units) and the member list
    at page `asked`; and whether it may be kept (a page past the end shows the last one and
    is kept only under its own number)."""
    unit = get_object_or_404(OrgUnit, pk=pk)
    [unit] = counts.annotate([unit])
    members = (
        Member.objects.active()
        .filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .only(*MEMBER_LIST_FIELDS)
        .order_by("unit__path", "name", "pk")
    )
    page = CountedPaginator(members, MEMBERS_PER_PAGE, count=unit.member_count).get_page(asked)
    officers = (
        Post.objects.current()
        .filter(unit=unit)
        .select_related("member")
        .order_by("kind", "start_on")
    )
    children = _cached_fragment(
        f"unit-children:{unit.pk}",
        "members/_unit_children.html",
        lambda: {"children": counts.annotate(unit.children.order_by("sort_order", "name"))},
    )
    context = {
        "unit": unit,
        "ancestors": unit.ancestors(),
        "children": children,
        "officers": officers,
        "page": page,
        "can_see_members": True,
    }
    parts = {
        "unit": unit,
        "top": render_to_string("members/_unit_top.html", context),
        "rest": render_to_string("members/_unit_rest.html", context),
        "members": render_to_string("members/_unit_members.html", context),
    }
    return parts, asked in (None, str(page.number))


def unit_detail(request, pk: int):
    access = access_for(request.user)
    asked = request.GET.get("page")
    if asked is None or (asked.isdigit() and len(asked) <= 6):
        # The unit comes with its parts: no query. Units, members and logins replace the
        # counts' token; posts (the officers) the access token; whether a post is current
        # depends on the day.
        parts = _shared(
            f"unit:{pk}:{timezone.localdate().isoformat()}:{asked or ''}",
            (counts.VERSION_KEY, ACCESS_VERSION_KEY),
            lambda: _unit_parts(pk, asked),
        )
    else:
        parts = _unit_parts(pk, asked)[0]
    unit = parts["unit"]
    members = parts["members"]
    if not access.sees_unit_path(unit.path):
        members = render_to_string("members/_unit_members.html", {"can_see_members": False})

    def draw_sections() -> str:
        sections = hooks.collect(hooks.unit_sections, request, access, unit)
        return render_to_string("members/_sections.html", {"sections": sections}, request)

    # Other apps' sections (a branch's banners) may depend on who looks: kept per person under
    # every home card's token, as the home page keeps its cards (members.person_cache).
    sections = person_cache.page("unit-sections", request.user, draw_sections, vary=str(unit.pk))
    return render(
        request,
        "members/unit_detail.html",
        {
            "unit": unit,
            "can_manage": access.manages_unit(unit),
            # Our own template output, all four.
            "top": mark_safe(parts["top"]),
            "rest": mark_safe(parts["rest"]),
            "sections": mark_safe(sections),
            "members": mark_safe(members),
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


def _directory_kept(params) -> bool:
    """Whether the directory's page for these parameters is kept in the cache: the filter
    form's choices (a unit in scope, a stage, a status) and a page number are bounded, free
    text is not, nor are other spellings of one number ("05")."""
    if not set(params) <= {"q", "unit", "stage", "status", "page"}:
        return False
    if any(len(params.getlist(name)) != 1 for name in params):
        return False
    unit = params.get("unit", "")
    return params.get("q", "") == "" and (unit == "" or (unit.isdigit() and unit[0] != "0"))


def directory(request):
    access = access_for(request.user)
    has_scope = bool(access.member or access.is_officer)

    def draw() -> tuple[str, bool]:
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
        asked = request.GET.get("page")
        page = paginator.get_page(asked)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "has_scope": has_scope,
        }
        html = render_to_string("members/_directory.html", context)
        # Kept: a filter accepted (a refused one names what a crawler chose) and a page that
        # exists (past the end shows the last one).
        keep = (not form.is_bound or form.is_valid()) and asked in (None, str(page.number))
        return html, keep

    if _directory_kept(request.GET):
        # The rows depend on the scope (its outermost units) and on the query string, which
        # is also written into the page links: members, units and logins replace the token.
        scope = (
            "all"
            if access.is_superuser
            else ".".join(str(unit.pk) for unit in _visible_roots(access))
        )
        vary = f"{scope}:{int(has_scope)}:{request.GET.urlencode()}"
        digest = hashlib.sha256(vary.encode()).hexdigest()[:32]
        content = _shared(f"directory:{digest}", (counts.VERSION_KEY,), draw)
    else:
        content = draw()[0]
    # Our own template output.
    return render(request, "members/directory.html", {"content": mark_safe(content)})


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


def _profile_content(
    request, access: Access, pk: int, user_id: int | None, is_me: bool = False
) -> str:
    """Member `pk`'s profile as drawn for this viewer, kept per viewer (what they may see
    differs) while nothing it shows changed: the member, their unit and login (the counts'
    token), posts (the access token), their study records (their person token, `user_id`'s),
    and the sections of other apps (every home card's token, registered with
    members.person_cache). A study streak counts days up to today: the day is in the key."""

    def draw() -> str:
        member = get_object_or_404(Member.objects.select_related("unit", "user"), pk=pk)
        context = _profile_context(access, member)
        if is_me:
            context["is_me"] = True
        context["sections"] = hooks.collect(hooks.member_sections, request, access, member)
        return render_to_string("members/_profile.html", context, request)

    token_keys = {ACCESS_VERSION_KEY, counts.VERSION_KEY, *person_cache.REGISTRY.values()}
    if user_id is not None:
        token_keys.add(person_cache.person_token_key(user_id))
    html = person_cache.page(
        "member-profile",
        request.user,
        draw,
        token_keys=token_keys,
        vary=f"{pk}:{int(is_me)}:{timezone.localdate().isoformat()}",
    )
    return mark_safe(html)  # our own template output


def _member_brief(pk: int) -> dict | None:
    """Member `pk`'s name, login and unit path, or None: what the page around a profile and
    its scope check need, shared by every viewer under the counts' token (member, unit and
    login writes). A number with no member is not kept."""

    def load() -> tuple[dict | None, bool]:
        row = (
            Member.objects.filter(pk=pk).values("name", "user_id", "unit__path").order_by().first()
        )
        return row, row is not None

    return _shared(f"member-brief:{pk}", (counts.VERSION_KEY,), load)


def member_detail(request, pk: int):
    access = access_for(request.user)
    # In scope or a 404, decided as access.visible_members() would (the same subtrees).
    brief = _member_brief(pk)
    if brief is None or not access.sees_unit_path(brief["unit__path"]):
        raise Http404
    content = _profile_content(request, access, pk, brief["user_id"])
    return render(request, "members/profile.html", {"person": brief, "content": content})


def my_profile(request):
    access = access_for(request.user)
    member = access.member
    if member is None:
        return render(request, "members/profile_staff.html", {"title": _("My profile")})
    content = _profile_content(request, access, member.pk, member.user_id, is_me=True)
    return render(request, "members/profile.html", {"person": member, "content": content})
