"""Who may see and change what: the one place that decides it.

Roles come from a person's current posts, never from flags set by hand:

- a *member* sees their own branch's colleagues and their own full record;
- a *branch officer* (secretary, deputy or organisation member of a branch) keeps the
  records of that branch;
- a *committee organiser* (a managing post in a committee or general branch) keeps the
  records of that unit's whole subtree and may see sensitive fields there;
- a *superuser* sees everything.

Views and the admin both start from these querysets and then fetch
(`get_object_or_404(access.members(), pk=pk)`), so an object outside a person's scope is a
404 and its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Member, OrgUnit, Post

MASK = "••••"


@dataclass
class Access:
    user: object
    member: Member | None = None
    organiser_units: list[OrgUnit] = field(default_factory=list)
    officer_units: list[OrgUnit] = field(default_factory=list)
    liaison_units: list[OrgUnit] = field(default_factory=list)

    # --- roles ------------------------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def is_superuser(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False))

    @property
    def is_organiser(self) -> bool:
        return self.is_superuser or bool(self.organiser_units)

    @property
    def is_officer(self) -> bool:
        """Keeps records of at least one unit: a branch officer or an organiser."""
        return self.is_organiser or bool(self.officer_units)

    @property
    def is_member(self) -> bool:
        return self.member is not None and self.member.is_active

    @property
    def role_label(self) -> str:
        if self.is_superuser:
            return _("Administrator")
        if self.organiser_units:
            return _("Committee organiser")
        if self.officer_units:
            return _("Branch officer")
        if self.is_member:
            return _("Member")
        return _("Staff")

    @cached_property
    def managed_units_list(self) -> list[OrgUnit]:
        return self.organiser_units + self.officer_units

    # --- querysets --------------------------------------------------------------------------
    def managed_units(self) -> QuerySet[OrgUnit]:
        """Units whose records this person keeps: the subtrees of their managing posts."""
        if self.is_superuser:
            return OrgUnit.objects.all()
        return OrgUnit.objects.subtree_of(self.managed_units_list)

    def organised_units(self) -> QuerySet[OrgUnit]:
        """Units in an organiser's scope (not a branch officer's)."""
        if self.is_superuser:
            return OrgUnit.objects.all()
        return OrgUnit.objects.subtree_of(self.organiser_units)

    def members(self) -> QuerySet[Member]:
        """Members whose records this person keeps (the admin's scope)."""
        if self.is_superuser:
            return Member.objects.all()
        if not self.managed_units_list:
            return Member.objects.none()
        return Member.objects.filter(self._unit_q(self.managed_units_list))

    def visible_units(self) -> QuerySet[OrgUnit]:
        """Units whose member lists this person may read on the site."""
        if self.is_superuser:
            return OrgUnit.objects.all()
        units = list(self.managed_units_list)
        if self.is_member:  # someone who left or moved out no longer sees the old branch
            units.append(self.member.unit)
        return OrgUnit.objects.subtree_of(units)

    def visible_members(self) -> QuerySet[Member]:
        """Members this person may find in the directory and open: their scope plus their
        own branch's colleagues. Staff who are not members see no one's record."""
        if self.is_superuser:
            return Member.objects.all()
        units = list(self.managed_units_list)
        if self.is_member:  # someone who left or moved out no longer sees the old branch
            units.append(self.member.unit)
        if not units:
            return Member.objects.none()
        return Member.objects.filter(self._unit_q(units))

    @staticmethod
    def _unit_q(units: list[OrgUnit]) -> Q:
        q = Q()
        for unit in units:
            q |= Q(unit__path__startswith=unit.path)
        return q

    # --- single-object checks ---------------------------------------------------------------
    def _covers(self, units: list[OrgUnit], unit: OrgUnit) -> bool:
        return any(unit.path.startswith(u.path) for u in units)

    def manages_unit(self, unit: OrgUnit) -> bool:
        return self.is_superuser or self._covers(self.managed_units_list, unit)

    def organises_unit(self, unit: OrgUnit) -> bool:
        return self.is_superuser or self._covers(self.organiser_units, unit)

    def can_see_sensitive(self, member: Member) -> bool:
        """ID number, phone, birth date and address: the person and their organisers only."""
        if self.member is not None and self.member.pk == member.pk:
            return True
        return self.organises_unit(member.unit)

    def can_import(self) -> bool:
        return self.is_organiser


ANONYMOUS = Access(user=None)


def access_for(user) -> Access:
    """The Access of a user, computed once and kept on the user object (two queries)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_party_access", None)
    if cached is not None:
        return cached
    member = Member.objects.select_related("unit").filter(user=user).first()
    organiser_units, officer_units, liaison_units = [], [], []
    if member is not None and member.is_active:
        posts = Post.objects.current().filter(member=member).select_related("unit")
        for post in posts:
            if post.kind in Post.MANAGING:
                if post.unit.kind == OrgUnit.Kind.BRANCH:
                    officer_units.append(post.unit)
                else:
                    organiser_units.append(post.unit)
            elif post.kind == Post.Kind.LIAISON:
                liaison_units.append(post.unit)
    access = Access(
        user=user,
        member=member,
        organiser_units=_outermost(organiser_units),
        officer_units=_outermost(officer_units),
        liaison_units=liaison_units,
    )
    user._party_access = access
    return access


def _outermost(units: list[OrgUnit]) -> list[OrgUnit]:
    """Drop units already covered by another unit in the list."""
    units = sorted({u.pk: u for u in units}.values(), key=lambda u: u.path)
    kept: list[OrgUnit] = []
    for unit in units:
        if not any(unit.path.startswith(k.path) for k in kept):
            kept.append(unit)
    return kept


def mask(value) -> str:
    """Shown in place of a sensitive value: keeps just enough to recognise it."""
    if value in (None, ""):
        return ""
    text = str(value)
    if len(text) >= 8:
        return text[:3] + MASK + text[-2:]
    return MASK
