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

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import HelpRequest, Member, OrgUnit, Post

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

    # --- help requests (连心桥) ----------------------------------------------------------------
    # A help request is private: its author sees it; so do the liaison officers of the branch
    # it was filed in and the organisers whose scope covers that branch. A liaison or
    # organiser post covers its unit's subtree (a general branch's liaison follows up the
    # branches under it). Secretaries and other branch officers do NOT see help requests
    # unless they also hold one of those posts; nor do colleagues or staff. Nobody handles
    # their own request: the author always sees it as the author (no internal notes).
    @property
    def handles_help(self) -> bool:
        """Has a queue of help requests to follow up (it may be empty)."""
        return self.is_superuser or bool(self.organiser_units) or bool(self.liaison_units)

    def _help_units_q(self) -> Q | None:
        units = self.organiser_units + self.liaison_units
        if not units:
            return None
        q = Q()
        for unit in units:
            q |= Q(unit__path__startswith=unit.path)
        return q

    def handled_help_requests(self) -> QuerySet[HelpRequest]:
        """Requests this person may take, annotate and resolve (never their own)."""
        if self.is_superuser:
            handled = HelpRequest.objects.all()
        else:
            q = self._help_units_q()
            if q is None:
                return HelpRequest.objects.none()
            handled = HelpRequest.objects.filter(q)
        if self.member is not None:
            handled = handled.exclude(author=self.member)
        return handled

    def help_requests(self) -> QuerySet[HelpRequest]:
        """Requests this person may open: their own and those they handle."""
        if not self.is_authenticated:
            return HelpRequest.objects.none()
        if self.is_superuser:
            return HelpRequest.objects.all()
        q = self._help_units_q()
        if self.member is not None:
            own = Q(author=self.member)
            q = own if q is None else (q | own)
        if q is None:
            return HelpRequest.objects.none()
        return HelpRequest.objects.filter(q)

    def can_handle_help(self, help_request: HelpRequest) -> bool:
        if self.member is not None and help_request.author_id == self.member.pk:
            return False
        if self.is_superuser:
            return True
        return self._covers(self.organiser_units + self.liaison_units, help_request.unit)

    def can_see_help(self, help_request: HelpRequest) -> bool:
        own = self.member is not None and help_request.author_id == self.member.pk
        return own or self.can_handle_help(help_request)

    def can_file_help(self) -> bool:
        """Only a member on the roll files a request: it goes to their branch."""
        return self.is_member


ANONYMOUS = Access(user=None)


def _load_roles(user) -> tuple:
    """The person's member record with its unit, and the units of their current posts: one
    query for most people, a second for those who hold a post."""
    holds_post = Exists(Post.objects.current().filter(member=OuterRef("pk")))
    member = (
        Member.objects.select_related("unit")
        .annotate(holds_post=holds_post)
        .filter(user=user)
        .order_by()
        .first()
    )
    organiser_units, officer_units, liaison_units = [], [], []
    if member is not None and member.is_active and member.holds_post:
        posts = Post.objects.current().filter(member=member).select_related("unit").order_by()
        for post in posts:
            if post.kind in Post.MANAGING:
                if post.unit.kind == OrgUnit.Kind.BRANCH:
                    officer_units.append(post.unit)
                else:
                    organiser_units.append(post.unit)
            elif post.kind == Post.Kind.LIAISON:
                liaison_units.append(post.unit)
    return member, _outermost(organiser_units), _outermost(officer_units), liaison_units


def access_for(user) -> Access:
    """The Access of a user, loaded once per request and kept on the user object (which
    lives as long as the request): one or two queries."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_party_access", None)
    if cached is not None:
        return cached
    member, organiser_units, officer_units, liaison_units = _load_roles(user)
    access = Access(
        user=user,
        member=member,
        organiser_units=organiser_units,
        officer_units=officer_units,
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
