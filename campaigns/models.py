"""The quarterly red-banner appraisals (流动红旗): campaigns, criteria, score sheets, results.

A `Campaign` is one quarter's appraisal of one kind under one committee: its branches
(流动红旗党支部) or its members (党员流动红旗). Opening it makes one `ScoreSheet` per subject;
scorers enter a `Score` per criterion and bonus/deduction `Adjustment` lines; publishing it
computes `Result` rows (totals and ranks by the database) and marks the banner holders.
`Story` is a model story (身边好人/凡人善举/先进典型) nominated by anyone.

State changes and multi-row writes live in `campaigns.services`; who may open or change a
sheet is decided in `campaigns.permissions` on top of `members.scoping`.

Three tables keep figures the pages read often, so that no page counts sheets or scans
results (`campaigns.summaries` keeps them and recounts them):
`SheetProgress` (sheets and sheets submitted per campaign and branch), `Banner` (one row per
banner held in a published campaign, with its streak) and `BannerTally` (banners won per
branch and quarter, for the statistics).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.files import PrivateFileField, PrivateImageField
from members.models import Member, OrgUnit, ancestor_paths

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
POINTS = {"max_digits": 6, "decimal_places": 1}


class CampaignQuerySet(models.QuerySet):
    def published(self) -> CampaignQuerySet:
        return self.filter(status=Campaign.Status.PUBLISHED)

    def visible_to(self, access) -> CampaignQuerySet:
        """Campaigns a person may open on the site.

        Published campaigns whose committee covers the person's branch or a unit they keep;
        staff who are not members see every published campaign (results are notice-board
        material for the whole company). Organisers also see their committees' unpublished
        campaigns, to preview the results before publishing.
        """
        if access.is_superuser:
            return self.all()
        units = list(access.managed_units_list)
        if access.member is not None:
            units.append(access.member.unit)
        published = Q(status=Campaign.Status.PUBLISHED)
        if units:
            # A campaign's scope covers a unit when the unit's path starts with the scope's
            # path: collect every ancestor path of the person's units.
            paths = {path for unit in units for path in ancestor_paths(unit.path)}
            covers = Q(scope__path__in=paths)
            for unit in access.managed_units_list:
                covers |= Q(scope__path__startswith=unit.path)
            published &= covers
        elif access.is_authenticated:
            pass
        else:
            return self.none()
        previews = Q(pk__in=[])
        for unit in access.organiser_units:
            previews |= Q(scope__path__startswith=unit.path)
        return self.filter(published | previews)


class Campaign(models.Model):
    class Kind(models.TextChoices):
        BRANCHES = "branches", _("Red-banner branch")
        MEMBERS = "members", _("Red-banner member")

    class Quarter(models.IntegerChoices):
        Q1 = 1, _("First quarter")
        Q2 = 2, _("Second quarter")
        Q3 = 3, _("Third quarter")
        Q4 = 4, _("Fourth quarter")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCORING = "scoring", _("Scoring")
        REVIEW = "review", _("Review")
        PUBLISHED = "published", _("Published")

    class AwardRule(models.TextChoices):
        OVERALL = "overall", _("Top N overall")
        PER_BRANCH = "per_branch", _("Top N in each branch")

    scope = models.ForeignKey(
        OrgUnit,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        limit_choices_to=~Q(kind=OrgUnit.Kind.BRANCH),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=Quarter.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(
        _("title"),
        max_length=100,
        blank=True,
        help_text=_("Left empty, it is made from the year, quarter and kind."),
    )
    opens_on = models.DateField(_("scoring opens on"), null=True, blank=True)
    closes_on = models.DateField(_("scoring closes on"), null=True, blank=True)
    banners = models.PositiveSmallIntegerField(
        _("banners awarded"), default=1, validators=[MinValueValidator(1)]
    )
    award_rule = models.CharField(
        _("award rule"), max_length=20, choices=AwardRule.choices, default=AwardRule.OVERALL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year", "-quarter", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "year", "quarter", "kind"], name="campaign_one_per_quarter"
            )
        ]
        indexes = [
            # The latest published campaign of a kind a person sees (home page): walked
            # newest first until one is in their scope, instead of sorting them all.
            models.Index(
                fields=["kind", "-year", "-quarter"],
                condition=Q(status="published"),
                name="campaign_latest_published",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.make_title()

    def save(self, *args, **kwargs) -> None:
        if not self.title:
            self.title = self.make_title()
        super().save(*args, **kwargs)

    def make_title(self) -> str:
        # The appraisal's official name, as printed on the banner and the notice: it is data
        # (kept in Chinese whatever the reader's language), not an interface string.
        what = "流动红旗党支部" if self.kind == self.Kind.BRANCHES else "党员流动红旗"
        return f"{self.year}年第{QUARTER_NAMES.get(self.quarter, self.quarter)}季度{what}评比"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def window_open(self, day) -> bool:
        """Whether `day` falls in the scoring window (an open end is no limit)."""
        return (self.opens_on is None or self.opens_on <= day) and (
            self.closes_on is None or day <= self.closes_on
        )

    @property
    def for_members(self) -> bool:
        return self.kind == self.Kind.MEMBERS

    @property
    def order_key(self) -> int:
        return self.year * 4 + self.quarter - 1

    def previous(self) -> Campaign | None:
        """The same committee's campaign of this kind in the quarter before."""
        year, quarter = (self.year, self.quarter - 1) if self.quarter > 1 else (self.year - 1, 4)
        return (
            type(self)
            .objects.filter(scope_id=self.scope_id, kind=self.kind, year=year, quarter=quarter)
            .first()
        )


class Criterion(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    max_points = models.DecimalField(
        _("maximum points"), **POINTS, validators=[MinValueValidator(Decimal("0.5"))]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        # By the campaign's id, not the campaign (its ordering would join the campaigns).
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["campaign_id", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class ScoreSheetQuerySet(models.QuerySet):
    def progress(self, *by: str) -> models.QuerySet:
        """Sheets and sheets submitted per campaign and branch (or per `by`, e.g. per
        campaign): the one definition of a campaign's "x of y sheets submitted", read by the
        home page's to-do and the admin's campaign list alike (from `SheetProgress`, which is
        kept from this).

        Every sheet of the campaign counts, the viewer's own included: the figure is the
        campaign's progress, not a person's work list. A sheet counts as submitted once its
        scorer submitted it, and when it is locked by the publication."""
        return (
            self.order_by()
            .values(*(by or ("campaign_id", "unit_id")))
            .annotate(
                sheets=models.Count("pk"),
                submitted=models.Count("pk", filter=Q(status__in=ScoreSheet.SUBMITTED)),
            )
        )


class ScoreSheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        LOCKED = "locked", _("Locked")

    # What counts as submitted in a campaign's progress (ScoreSheetQuerySet.progress).
    SUBMITTED = (Status.SUBMITTED, Status.LOCKED)

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="sheets"
    )
    # The branch: the subject of a branches' sheet, the member's branch on a members' sheet
    # (kept so that a sheet is scoped by one indexed join whatever its kind).
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="score_sheets"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="score_sheets",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    return_comment = models.TextField(_("comment when returned"), blank=True)
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last scored by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScoreSheetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["campaign", "unit__path", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                condition=Q(member__isnull=True),
                name="sheet_one_per_branch",
            ),
            models.UniqueConstraint(fields=["campaign", "member"], name="sheet_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.campaign}"

    @property
    def subject_name(self) -> str:
        return self.member.name if self.member_id else self.unit.name

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED


class Score(models.Model):
    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("score sheet"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    # The branches' kind: the branch's own figure, then the committee's, which counts.
    self_points = models.DecimalField(_("branch's own score"), **POINTS, null=True, blank=True)
    points = models.DecimalField(_("points"), **POINTS, null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    evidence = PrivateFileField(
        _("evidence"),
        upload_to="campaigns/evidence",
        name_field="evidence_name",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "pdf"])],
    )
    evidence_name = models.CharField(
        _("evidence's file name"), max_length=255, blank=True, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_one_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.points}"

    @classmethod
    def files_visible_to(cls, access):
        """Evidence (members.files' protocol): whoever may open the score sheet."""
        from .permissions import sheets_for  # permissions imports these models

        return cls.objects.filter(sheet__in=sheets_for(access))


class Adjustment(models.Model):
    class Kind(models.TextChoices):
        BONUS = "bonus", _("Bonus")
        DEDUCTION = "deduction", _("Deduction")

    sheet = models.ForeignKey(
        ScoreSheet,
        verbose_name=_("score sheet"),
        on_delete=models.CASCADE,
        related_name="adjustments",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    points = models.DecimalField(_("points"), **POINTS)
    reason = models.CharField(_("reason"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bonus or deduction")
        verbose_name_plural = _("bonuses and deductions")
        ordering = ["sheet_id", "pk"]

    def __str__(self) -> str:
        sign = "+" if self.kind == self.Kind.BONUS else "−"
        return f"{sign}{self.points} {self.reason}"

    @property
    def signed_points(self) -> Decimal:
        return self.points if self.kind == self.Kind.BONUS else -self.points


class Result(models.Model):
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,  # the ranking index below starts with the campaign
    )
    sheet = models.OneToOneField(
        ScoreSheet, verbose_name=_("score sheet"), on_delete=models.CASCADE, related_name="result"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="results",
    )
    subject_name = models.CharField(_("subject"), max_length=100)
    total = models.DecimalField(_("total"), **POINTS)
    first_points = models.DecimalField(_("first criterion"), **POINTS)
    rank = models.PositiveIntegerField(_("rank"))
    branch_rank = models.PositiveIntegerField(_("rank in branch"))
    is_banner_holder = models.BooleanField(_("banner holder"), default=False)
    manual_award = models.BooleanField(_("awarded by hand"), default=False)
    award_reason = models.CharField(_("reason for the award"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["campaign_id", "rank", "subject_name", "pk"]
        indexes = [
            # The ranking, a page of it and a result's place in it (results pages).
            models.Index(fields=["campaign", "rank", "subject_name", "id"], name="result_ranking"),
            # A campaign's banner holders, in ranking order: a few among thousands.
            models.Index(
                fields=["campaign", "rank", "subject_name", "id"],
                condition=Q(is_banner_holder=True),
                name="result_holders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.subject_name} ({self.total})"

    # A result saved or deleted on its own (a banner awarded by hand, a shell, a test) keeps
    # its published campaign's banners; the services' bulk writes refresh them once instead.
    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._refresh_banners()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)  # its banner row goes with it
        self._refresh_banners(units=[self.unit_id])
        return deleted

    def _refresh_banners(self, units=()) -> None:
        from .summaries import banners_refresh

        banners_refresh(campaign=self.campaign, units=units)


class Correction(models.Model):
    """A change to a published result: by an organiser, with a written reason, shown on the
    results page."""

    result = models.ForeignKey(
        Result, verbose_name=_("result"), on_delete=models.CASCADE, related_name="corrections"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    old_points = models.DecimalField(_("points before"), **POINTS, null=True)
    new_points = models.DecimalField(_("points after"), **POINTS)
    old_total = models.DecimalField(_("total before"), **POINTS)
    new_total = models.DecimalField(_("total after"), **POINTS)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["result_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.old_points} → {self.new_points}"


# --- figures kept in tables (campaigns.summaries keeps and recounts them) -----------------------
class SheetProgress(models.Model):
    """How far the scoring of one campaign has come (ScoreSheetQuerySet.progress): in one
    branch, and in the whole campaign (the row without a branch, the sum of the others).
    The admin's campaign list reads a campaign's row, the to-do of an organiser the rows of
    the campaigns under their committee, and of anyone else (a committee above theirs
    appraising their branches) the rows of their branches."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="progress",
        db_index=False,  # the unique constraint starts with the campaign
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    sheets = models.PositiveIntegerField(_("sheets"))
    submitted = models.PositiveIntegerField(_("sheets submitted"))

    class Meta:
        verbose_name = _("scoring progress")
        verbose_name_plural = _("scoring progress")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                condition=Q(unit__isnull=False),
                name="progress_one_per_branch",
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(unit__isnull=True),
                name="progress_one_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submitted}/{self.sheets}"


class Banner(models.Model):
    """A red banner held: one row per banner holder of a published campaign, with the
    quarters in a row the subject has held this committee's banner of this kind (streak).
    The banner wall, the profiles and the unit pages read these, never the results."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="holders",
        db_index=False,  # the wall's index below starts with the campaign
    )
    result = models.OneToOneField(
        Result, verbose_name=_("result"), on_delete=models.CASCADE, related_name="banner"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="banners",
    )
    subject_name = models.CharField(_("subject"), max_length=100)
    rank = models.PositiveIntegerField(_("rank"))
    streak = models.PositiveSmallIntegerField(_("quarters in a row"))

    class Meta:
        verbose_name = _("banner held")
        verbose_name_plural = _("banners held")
        indexes = [
            models.Index(fields=["campaign", "rank", "subject_name", "id"], name="banner_wall")
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.campaign_id}"


class BannerTally(models.Model):
    """Banners won by one branch in one quarter: its own (流动红旗党支部, `own`) and its
    members' (党员流动红旗, counted under the branch they were scored in). The statistics
    read this instead of the results."""

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint starts with the unit
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    own = models.PositiveIntegerField(_("the branch's own banners"))
    members = models.PositiveIntegerField(_("its members' banners"))

    class Meta:
        verbose_name = _("banners per quarter")
        verbose_name_plural = _("banners per quarter")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="tally_one_per_branch_quarter"
            )
        ]
        indexes = [models.Index(fields=["year", "quarter"], name="tally_quarter")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}Q{self.quarter}: {self.own}+{self.members}"


class StoryQuerySet(models.QuerySet):
    def published(self) -> StoryQuerySet:
        return self.filter(status=Story.Status.PUBLISHED)

    def visible_to(self, access) -> StoryQuerySet:
        """THE rule of who may open a story: a published one, every login; a nomination (or
        a declined one), its nominator and the organisers of the member's unit."""
        if access.is_superuser:
            return self.all()
        if not access.is_authenticated:
            return self.none()
        q = Q(status=Story.Status.PUBLISHED) | Q(nominated_by=access.user)
        for unit in access.organiser_units:
            q |= Q(member__unit__path__startswith=unit.path)
        return self.filter(q)


class Story(models.Model):
    """A model story (身边好人/凡人善举/先进典型) about a colleague, nominated by anyone."""

    class Category(models.TextChoices):
        GOOD_PERSON = "good_person", _("Good person next door")
        GOOD_DEED = "good_deed", _("Ordinary good deed")
        EXEMPLAR = "exemplar", _("Model worker")

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")

    member = models.ForeignKey(
        Member, verbose_name=_("about"), on_delete=models.PROTECT, related_name="stories"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("story"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOMINATED
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("nominated by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = StoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("model story")
        verbose_name_plural = _("model stories")
        ordering = ["-published_at", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class StoryPhoto(models.Model):
    story = models.ForeignKey(
        Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="photos"
    )
    image = PrivateImageField(_("photo"), upload_to="campaigns/stories", name_field="original_name")
    original_name = models.CharField(
        _("original file name"), max_length=255, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["story_id", "pk"]

    def __str__(self) -> str:
        return self.image.name

    @classmethod
    def files_visible_to(cls, access):
        """members.files' protocol: whoever may open the story."""
        return cls.objects.filter(story__in=Story.objects.visible_to(access))


class StoryLike(models.Model):
    story = models.ForeignKey(
        Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="likes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("liked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["story", "user"], name="story_like_once")]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.story}"
