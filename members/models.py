"""The organisation tree and its people: units, members, posts and transfers.

`OrgUnit` keeps a materialised path ("000001.000004.") so that "this unit and everything
under it" is one indexed prefix query at any depth, which scoping and the member counts of
the organisation pages rely on. `Member` is a person with a Party stage and status; a login
is optional. Who may see what is decided in `members.scoping`, not here.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .files import PrivateImageField

PATH_SEGMENT = 7  # six digits and a dot per level: a million units per level is plenty


def ancestor_paths(path: str) -> list[str]:
    """ "000001.000004." -> ["000001.", "000001.000004."]: the unit and everything above it."""
    segments = [s for s in path.split(".") if s]
    return [".".join(segments[: i + 1]) + "." for i in range(len(segments))]


class OrgUnitQuerySet(models.QuerySet):
    def subtree_of(self, units) -> OrgUnitQuerySet:
        """Units that are, or are under, any of `units`."""
        paths = [u.path for u in units]
        if not paths:
            return self.none()
        q = Q()
        for path in paths:
            q |= Q(path__startswith=path)
        return self.filter(q)

    def branches(self) -> OrgUnitQuerySet:
        return self.filter(kind=OrgUnit.Kind.BRANCH)

    # A list of units to choose from longer than this (a province has 3,000 branches) cannot
    # be used and took most of a page's time to render. Above it only the units above branch
    # level are offered, each standing for its subtree, plus the unit already chosen.
    CHOICES_MAX = 200

    def choice_rows(self, selected: str | int | None = None) -> list[dict]:
        """These units as {"pk", "name", "short_name", "depth"} in tree order, for a filter."""
        fields = ("pk", "name", "short_name", "depth", "path")
        rows = list(self.order_by("path").values(*fields)[: self.CHOICES_MAX + 1])
        if len(rows) <= self.CHOICES_MAX:
            return rows
        rows = list(self.exclude(kind=OrgUnit.Kind.BRANCH).order_by("path").values(*fields))
        if selected and str(selected).isdigit() and all(r["pk"] != int(selected) for r in rows):
            rows += list(self.filter(pk=int(selected)).values(*fields))
            rows.sort(key=lambda r: r["path"])
        return rows


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General Party branch")
        BRANCH = "branch", _("Party branch")

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"), max_length=40, blank=True, help_text=_("Used in lists and charts.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = OrgUnitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]
        permissions = [("import_orgunit", _("Can import organisation units"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            if self.pk is None:
                # The path needs the primary key: insert first, then fill in the derived
                # columns without a second history entry.
                self.path = ""
                super().save(*args, **kwargs)
                self._set_path()
                type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
                UnitFigures.objects.create(unit=self, ages_as_of=timezone.localdate())
                return
            old_path = type(self).objects.filter(pk=self.pk).values_list("path", flat=True).first()
            self._set_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._move_descendants(old_path)

    # Which kinds may sit under which: a branch is a leaf; a committee may hold committees
    # (provincial scale), general branches and branches.
    ALLOWED_CHILDREN = {
        Kind.COMMITTEE: {Kind.COMMITTEE, Kind.GENERAL_BRANCH, Kind.BRANCH},
        Kind.GENERAL_BRANCH: {Kind.BRANCH},
        Kind.BRANCH: set(),
    }

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            if self.kind and self.kind != self.Kind.COMMITTEE:
                raise ValidationError({"parent": _("Only a Party committee may stand at the top.")})
            return
        parent = self.parent
        if self.pk and parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})
        if self.kind and self.kind not in self.ALLOWED_CHILDREN[parent.kind]:
            raise ValidationError(
                {
                    "parent": _("A %(child)s cannot be placed under a %(parent)s.")
                    % {"child": self.get_kind_display(), "parent": parent.get_kind_display()}
                }
            )

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def _set_path(self) -> None:
        prefix = self.parent.path if self.parent_id else ""
        self.path = f"{prefix}{self.pk:06d}."
        self.depth = len(self.path) // PATH_SEGMENT - 1

    def _move_descendants(self, old_path: str) -> None:
        # Moves are rare organiser actions; derived columns only, so no history is lost.
        descendants = list(
            type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk).only("path")
        )
        for unit in descendants:
            unit.path = self.path + unit.path[len(old_path) :]
            unit.depth = len(unit.path) // PATH_SEGMENT - 1
        type(self).objects.bulk_update(descendants, ["path", "depth"], batch_size=500)
        # The members' copy of their unit's path (Member.unit_path), in the same transaction.
        Member.objects.filter(unit_path__startswith=old_path).update(
            unit_path=Concat(Value(self.path), Substr("unit_path", len(old_path) + 1))
        )

    def ancestors(self) -> models.QuerySet:
        """This unit's ancestors, root first (one query)."""
        return type(self).objects.filter(path__in=ancestor_paths(self.path)[:-1]).order_by("depth")

    def subtree(self) -> OrgUnitQuerySet:
        return type(self).objects.filter(path__startswith=self.path)

    def is_within(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)


class _HasNamePiece(models.Func):
    """PostgreSQL: the member's name has `piece` (one or two characters) in it, any case."""

    output_field = models.BooleanField()

    def __init__(self, piece: str) -> None:
        super().__init__(models.F("name"), models.Value(piece))

    def as_sql(self, compiler, connection, **extra_context):
        name, piece = self.get_source_expressions()
        name_sql, name_params = compiler.compile(name)
        piece_sql, piece_params = compiler.compile(piece)
        sql = f"member_name_grams({name_sql}) @> ARRAY[UPPER({piece_sql})]::text[]"
        return sql, (*name_params, *piece_params)


class MemberQuerySet(models.QuerySet):
    """Members; the bulk writes that bypass Member.save and .delete (bulk_create, update,
    delete) recount the member figures of the units they touched (members.figures) and keep
    the members' copy of their unit's path."""

    def bulk_create(self, objs, *args, **kwargs):
        from . import figures

        objs = list(objs)
        paths = dict(
            OrgUnit.objects.filter(pk__in={m.unit_id for m in objs}).values_list("pk", "path")
        )
        for member in objs:
            member.unit_path = paths.get(member.unit_id, "")
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            figures.recount_units(paths)
        return created

    def update(self, **kwargs) -> int:
        from . import figures

        if not figures.FIGURE_FIELDS & set(kwargs):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            touched = list(self.order_by().values_list("pk", "unit_id"))
            count = super().update(**kwargs)
            units = {unit_id for _pk, unit_id in touched}
            if {"unit", "unit_id"} & set(kwargs):
                moved = type(self)(self.model, using=self.db).filter(
                    pk__in=[pk for pk, _unit in touched]
                )
                units |= set(moved.values_list("unit_id", flat=True))
                moved.update(
                    unit_path=models.Subquery(
                        OrgUnit.objects.filter(pk=models.OuterRef("unit_id")).values("path")[:1]
                    )
                )
            figures.recount_units(units)
        return count

    update.alters_data = True

    def delete(self):
        from . import figures

        with transaction.atomic(using=self.db):
            units = set(self.order_by().values_list("unit_id", flat=True))
            result = super().delete()
            figures.recount_units(units)
        return result

    delete.alters_data = True
    delete.queryset_only = True

    def active(self) -> MemberQuerySet:
        return self.filter(status=Member.Status.ACTIVE)

    def named(self, term: str) -> MemberQuerySet:
        """Members whose name contains `term`, in any case (`icontains`)."""
        term = term.strip()
        return self.filter(self.name_q(term)) if term else self

    def name_q(self, term: str) -> Q:
        """The condition "the name contains `term`, in any case". On PostgreSQL a term of
        three characters or more is found through the trigram index of UPPER(name) (which
        is `icontains`), one of one or two characters (most Chinese names and words are
        two) through the index of the names' pieces (migration 0005)."""
        if connections[self.db].vendor == "postgresql" and len(term) <= 2:
            return Q(_HasNamePiece(term))
        return Q(name__icontains=term)

    def party_members(self) -> MemberQuerySet:
        return self.filter(stage__in=[Member.Stage.PROBATIONARY, Member.Stage.FULL])

    def in_units(self, units) -> MemberQuerySet:
        return self.filter(unit__in=OrgUnit.objects.subtree_of(units))

    def overdue_probationary(self, today: datetime.date | None = None) -> MemberQuerySet:
        """Probationary members whose year is over without conversion to full membership."""
        today = today or timezone.localdate()
        return self.active().filter(
            stage=Member.Stage.PROBATIONARY, probationary_on__lte=_one_year_before(today)
        )


def _one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _one_year_before(day: datetime.date) -> datetime.date:
    """The latest admission date whose year is over on `day` (the inverse of _one_year_after)."""
    if (day.month, day.day) == (2, 28) and calendar.isleap(day.year - 1):
        return day.replace(year=day.year - 1, day=29)  # admitted on 29 February, due on the 28th
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Stage(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVIST = "activist", _("Activist")
        CANDIDATE = "candidate", _("Candidate for membership")
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    class Status(models.TextChoices):
        ACTIVE = "active", _("On the roll")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        LEFT = "left", _("Left the Party")
        DECEASED = "deceased", _("Deceased")

    class Education(models.TextChoices):
        DOCTORATE = "doctorate", _("Doctorate")
        MASTER = "master", _("Master's degree")
        BACHELOR = "bachelor", _("Bachelor's degree")
        COLLEGE = "college", _("College diploma")
        VOCATIONAL = "vocational", _("Secondary vocational")
        HIGH_SCHOOL = "high_school", _("High school")
        MIDDLE_SCHOOL = "middle_school", _("Middle school or below")

    # The date field of each stage, in the order the stages are passed.
    STAGE_DATES = [
        (Stage.APPLICANT, "applied_on"),
        (Stage.ACTIVIST, "activist_on"),
        (Stage.CANDIDATE, "candidate_on"),
        (Stage.PROBATIONARY, "probationary_on"),
        (Stage.FULL, "full_on"),
    ]
    SENSITIVE_FIELDS = ("id_number", "phone", "birth_date", "home_address")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members"
    )
    # The unit's path, copied: the directory's order (unit path, name, id) is then one index
    # of this table, so that a page far down a province's list is read as fast as the first
    # (keyset pagination). Kept by save() and by OrgUnit.save when a unit moves.
    unit_path = models.CharField(_("unit path"), max_length=255, editable=False, default="")
    name = models.CharField(_("name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    native_place = models.CharField(_("native place"), max_length=100, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    home_address = models.CharField(_("home address"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    photo = PrivateImageField(
        _("photo"), upload_to="members/photos", name_field="photo_name", blank=True
    )
    photo_name = models.CharField(
        _("photo's file name"), max_length=255, blank=True, editable=False
    )

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.FULL)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    activist_on = models.DateField(_("activist since"), null=True, blank=True)
    candidate_on = models.DateField(_("candidate since"), null=True, blank=True)
    probationary_on = models.DateField(
        _("admitted as probationary member on"), null=True, blank=True
    )
    full_on = models.DateField(_("full member since"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    status_note = models.CharField(_("status note"), max_length=200, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "unit_path"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["unit_path", "name", "pk"]
        permissions = [("import_member", _("Can import members"))]
        indexes = [
            models.Index(fields=["unit", "status", "name"]),
            # The directory's and the admin's order, read from any point (keyset pagination).
            models.Index(fields=["unit_path", "name", "id"], name="member_directory_order"),
            # Catching the age bands up to the day (members.figures): who had a birthday.
            models.Index(
                fields=["birth_date"], name="member_active_birth", condition=Q(status="active")
            ),
            # The officers' to-do "probationary members due": a few thousand of a province's
            # 100,000 members, found and counted in scope (by unit) without reading the rows.
            models.Index(
                fields=["probationary_on"],
                include=["unit_id"],
                name="member_probationary_due",
                condition=Q(stage="probationary", status="active"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The member figures of the units (members.figures) follow every save. The old state
        # is read under a lock, so that two saves of one member move its figures once.
        from . import figures

        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not figures.FIGURE_FIELDS & set(update_fields):
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            old = None
            if self.pk is not None and not kwargs.get("force_insert"):
                old = (
                    type(self)
                    .objects.select_for_update()
                    .filter(pk=self.pk)
                    .values(*figures.STATE_FIELDS, "unit_path")
                    .first()
                )
            if old is None or old["unit_id"] != self.unit_id or not old["unit_path"]:
                self.unit_path = OrgUnit.objects.values_list("path", flat=True).get(pk=self.unit_id)
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "unit_path"}
            else:
                self.unit_path = old["unit_path"]
            old_state = figures.state_from_row(old) if old else None
            figures.member_changed(old_state, figures.state_of(self))
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from . import figures

        # A member's record is part of the Party's archive: they leave by a status change.
        if self.has_history():
            raise ValidationError(
                _(
                    "%(name)s has a history in the organisation and cannot be deleted; change the status instead."
                )
                % {"name": self.name}
            )
        with transaction.atomic():
            old = (
                type(self)
                .objects.select_for_update()
                .filter(pk=self.pk)
                .values(*figures.STATE_FIELDS)
                .first()
            )
            if old:
                figures.member_changed(figures.state_from_row(old), None)
            return super().delete(*args, **kwargs)

    # --- stage rules ------------------------------------------------------------------------
    @classmethod
    def files_visible_to(cls, access):
        """The photo: to whoever may open the member's profile (members.files' protocol),
        and to the member on their own page, even after they left the roll."""
        visible = access.visible_members()
        if access.member is not None:
            visible = visible | cls.objects.filter(pk=access.member.pk)
        return visible

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        stage_order = [stage for stage, _field in self.STAGE_DATES]
        current = stage_order.index(self.stage) if self.stage in stage_order else -1
        previous_field, previous_date = None, None
        for index, (_stage, field) in enumerate(self.STAGE_DATES):
            value = getattr(self, field)
            if index > current and value:
                errors.setdefault(field, []).append(
                    _("This date belongs to a later stage than %(stage)s.")
                    % {"stage": self.get_stage_display()}
                )
            if index == current and not value:
                errors.setdefault(field, []).append(
                    _("Give the date on which the member reached the stage %(stage)s.")
                    % {"stage": self.get_stage_display()}
                )
            if value and previous_date and value < previous_date:
                errors.setdefault(field, []).append(
                    _("Must not be before %(field)s (%(date)s).")
                    % {
                        "field": self._meta.get_field(previous_field).verbose_name,
                        "date": previous_date.isoformat(),
                    }
                )
            if value:
                previous_field, previous_date = field, value
        if self.birth_date and self.applied_on and self.applied_on < self.birth_date:
            errors.setdefault("applied_on", []).append(_("Must not be before the birth date."))
        if self.status != self.Status.ACTIVE and not self.status_changed_on:
            errors.setdefault("status_changed_on", []).append(
                _("Give the date of the status change.")
            )
        if self.id_number == "":
            self.id_number = None
        if errors:
            raise ValidationError(errors)

    @property
    def stage_date(self) -> datetime.date | None:
        return {s: getattr(self, f) for s, f in self.STAGE_DATES}.get(self.stage)

    @property
    def full_membership_due_on(self) -> datetime.date | None:
        """A probationary member falls due for full membership a year after admission."""
        if self.stage != self.Stage.PROBATIONARY or not self.probationary_on:
            return None
        return _one_year_after(self.probationary_on)

    @property
    def is_overdue_for_full_membership(self) -> bool:
        due = self.full_membership_due_on
        return bool(due and due <= timezone.localdate())

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birth_date:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def has_history(self) -> bool:
        return (
            self.status != self.Status.ACTIVE
            or self.posts.exists()
            or self.transfers.exists()
            or self.stage in (self.Stage.PROBATIONARY, self.Stage.FULL)
        )


class UnitFigures(models.Model):
    """The figures of the members whose unit is this one (not its subtree): kept by
    members.figures on every write, summed over a subtree when read. See members.figures."""

    unit = models.OneToOneField(
        OrgUnit,
        verbose_name=_("unit"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="figures",
    )
    # The day the age bands were counted on (members.figures.catch_up moves them on).
    ages_as_of = models.DateField(_("ages as of"))
    everyone = models.IntegerField(_("members of any status"), default=0)
    members = models.IntegerField(_("members on the roll"), default=0)
    logins = models.IntegerField(_("with a login"), default=0)
    stage_applicant = models.IntegerField(default=0)
    stage_activist = models.IntegerField(default=0)
    stage_candidate = models.IntegerField(default=0)
    stage_probationary = models.IntegerField(default=0)
    stage_full = models.IntegerField(default=0)
    gender_male = models.IntegerField(default=0)
    gender_female = models.IntegerField(default=0)
    education_doctorate = models.IntegerField(default=0)
    education_master = models.IntegerField(default=0)
    education_bachelor = models.IntegerField(default=0)
    education_college = models.IntegerField(default=0)
    education_vocational = models.IntegerField(default=0)
    education_high_school = models.IntegerField(default=0)
    education_middle_school = models.IntegerField(default=0)
    age_under_30 = models.IntegerField(default=0)
    age_30_39 = models.IntegerField(default=0)
    age_40_49 = models.IntegerField(default=0)
    age_50_59 = models.IntegerField(default=0)
    age_60_plus = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("member figures of a unit")
        verbose_name_plural = _("member figures of the units")

    def __str__(self) -> str:
        return str(self.unit_id)


class PostQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> PostQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(start_on__lte=on), Q(end_on__isnull=True) | Q(end_on__gte=on))


class Post(models.Model):
    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        ORGANISATION = "organisation", _("Organisation member")
        ORGANISER = "organiser", _("Organiser")
        PUBLICITY = "publicity", _("Publicity member")
        DISCIPLINE = "discipline", _("Discipline member")
        LIAISON = "liaison", _("Liaison officer")

    # Posts that run a unit: they give the holder the unit's records to keep.
    MANAGING = (Kind.SECRETARY, Kind.DEPUTY, Kind.ORGANISATION, Kind.ORGANISER)

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="posts"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts"
    )
    kind = models.CharField(_("post"), max_length=20, choices=Kind.choices)
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = PostQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["unit__path", "kind", "-start_on"]
        indexes = [models.Index(fields=["member", "end_on"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.member}"

    def clean(self) -> None:
        super().clean()
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("The end must not be before the start.")})

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.start_on <= today and (self.end_on is None or self.end_on >= today)


class Transfer(models.Model):
    """A move of a member's Party relationship (组织关系转接), within the tree or out of it."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("from unit"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("to unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_outside = models.CharField(
        _("to an outside organisation"),
        max_length=200,
        blank=True,
        help_text=_("For a transfer out of the portal's organisation."),
    )
    transferred_on = models.DateField(_("transferred on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-transferred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_unit} → {self.to_unit or self.to_outside}"

    def clean(self) -> None:
        super().clean()
        if bool(self.to_unit_id) == bool(self.to_outside):
            raise ValidationError(
                _("Give either a unit in the portal or an outside organisation, not both.")
            )
        if self.to_unit_id and self.to_unit_id == self.from_unit_id:
            raise ValidationError({"to_unit": _("The member is already in this unit.")})
        if self.to_unit_id and self.to_unit.kind != OrgUnit.Kind.BRANCH:
            raise ValidationError({"to_unit": _("Members belong to a Party branch.")})


# --- help requests (连心桥) --------------------------------------------------------------------
class HelpRequest(models.Model):
    """A member's private request for help, seen only as `members.scoping` allows.

    `unit` is the branch the request was filed in and stays so: its liaison officers and the
    organisers above it handle it, and a later transfer of the author does not show the
    request to the colleagues of their new branch.
    """

    class Category(models.TextChoices):
        WORK = "work", _("Work")
        LIFE = "life", _("Daily life")
        HEALTH = "health", _("Health")
        FAMILY = "family", _("Family")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        TAKEN = "taken", _("Being handled")
        RESOLVED = "resolved", _("Resolved")

    OPEN_STATUSES = (Status.NEW, Status.TAKEN)
    # A request nobody has touched (no note, no change of status) for this long is flagged.
    UNTOUCHED_AFTER = datetime.timedelta(days=3)

    author = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="help_requests"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="help_requests"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("what is the difficulty"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["unit", "status", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("members:help_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_untouched(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.is_open and self.last_activity_at <= now - self.UNTOUCHED_AFTER


class HelpRequestNote(models.Model):
    """A handler's note on a help request: internal, or shown to the member who asked."""

    request = models.ForeignKey(
        HelpRequest, verbose_name=_("help request"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"), max_length=2000)
    visible_to_member = models.BooleanField(
        _("visible to the member"),
        default=False,
        help_text=_("Internal notes are never shown to the member who asked."),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]
