"""What changes a campaign, its sheets and its results; each function is one transaction.

State machine of a campaign: draft → scoring (sheets made) → review (results computed for the
organisers to check) → published (sheets locked, ranks and banners fixed). After that a result
changes only by `correction_record`, by an organiser, with a written reason.

Ranking rule (stated here, shown on the results page and tested):
  1. a higher total ranks higher;
  2. on equal totals, the higher score on the first criterion ranks higher;
  3. subjects equal on both share the rank (RANK(): 1, 1, 3) and are listed by name.
Banners: every subject ranked within the campaign's number of banners (overall, or within its
branch for the per-branch rule), so a tie at the cut awards one more banner; an organiser may
also award or withdraw a banner by hand during review, with a written reason.

The figures kept in tables (campaigns.summaries) are kept here, in the same transaction as the
write: sheet progress wherever sheets are made or change status, the banners wherever a
published campaign's results change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Rank, Round
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from members import images
from members.likes import like_toggle
from members.models import Member, OrgUnit
from members.scoping import Access

from . import permissions, signals
from .models import (
    Adjustment,
    Campaign,
    Correction,
    Criterion,
    Result,
    Score,
    ScoreSheet,
    Story,
    StoryLike,
    StoryPhoto,
)
from .summaries import banners_refresh, progress_refresh

TOTAL = DecimalField(max_digits=8, decimal_places=1)
ZERO = Value(Decimal("0"), output_field=TOTAL)


class StaleSheet(Exception):
    """Someone saved the sheet after this person opened it."""

    def __init__(self, sheet: ScoreSheet):
        self.sheet = sheet
        super().__init__(
            _(
                "%(subject)s was changed by someone else while you were editing it. "
                "Nothing of yours was saved: reload the sheet and enter your changes again."
            )
            % {"subject": sheet.subject_name}
        )


@dataclass
class Line:
    """One criterion's entry on a sheet, as typed (points may be empty or not a number)."""

    points: str | Decimal | None
    note: str = ""
    evidence: object = None


@dataclass
class AdjustmentLine:
    kind: str
    points: str | Decimal | None
    reason: str = ""


def _parse_points(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite():
        raise ValueError
    return value


def _check_points(criterion: Criterion, raw) -> tuple[Decimal | None, str | None]:
    """(points, error): errors name the criterion."""
    try:
        value = _parse_points(raw)
    except ValueError:
        return None, _("%(criterion)s: enter a number") % {"criterion": criterion.name}
    if value is None:
        return None, None
    if value < 0:
        return None, _("%(criterion)s: points cannot be negative") % {"criterion": criterion.name}
    if value > criterion.max_points:
        return None, _("%(criterion)s: at most %(max)s points") % {
            "criterion": criterion.name,
            "max": _fmt(criterion.max_points),
        }
    if value != value.quantize(Decimal("0.1")):
        return None, _("%(criterion)s: at most one decimal place") % {"criterion": criterion.name}
    return value, None


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _locked_sheet(sheet: ScoreSheet, version: int | None) -> ScoreSheet:
    """The sheet row, locked for this transaction; StaleSheet if its version moved on."""
    current = (
        ScoreSheet.objects.select_for_update(of=("self",))
        .select_related("campaign", "unit", "member")
        .get(pk=sheet.pk)
    )
    if version is not None and not _same_version(current, version):
        raise StaleSheet(current)
    return current


def read_version(raw) -> int:
    """The version a form posted. A missing or malformed one reads as -1, which no sheet
    has, so the save is refused as stale rather than skipping the edit-conflict check."""
    raw = str(raw or "").strip()
    return int(raw) if raw.isdigit() and raw.isascii() else -1


def _same_version(sheet: ScoreSheet, version) -> bool:
    try:
        return sheet.version == int(version)
    except (TypeError, ValueError):
        return False  # malformed: treated as stale


def _bump(sheet: ScoreSheet, by, **changes) -> None:
    for name, value in changes.items():
        setattr(sheet, name, value)
    sheet.version += 1
    sheet.scorer = by
    sheet._history_user = by
    sheet.save()


# --- score sheets ---------------------------------------------------------------------------
def _validate_sheet(
    criteria: list[Criterion],
    lines: dict[int, Line],
    adjustments: list[AdjustmentLine] | None,
    prefix: str = "",
) -> tuple[dict[int, Decimal | None], list[AdjustmentLine], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict[int, Decimal | None] = {}
    for criterion in criteria:
        if criterion.pk not in lines:
            continue
        value, error = _check_points(criterion, lines[criterion.pk].points)
        if error:
            errors.setdefault(f"{prefix}c{criterion.pk}", []).append(error)
        values[criterion.pk] = value
        line = lines[criterion.pk]
        if line.evidence:
            try:
                line.evidence = images.clean_evidence(line.evidence)
            except ValidationError as invalid:
                errors.setdefault(f"{prefix}c{criterion.pk}", []).append(
                    f"{criterion.name}: {invalid.messages[0]}"
                )
    clean_adjustments: list[AdjustmentLine] = []
    for index, line in enumerate(adjustments or [], start=1):
        key = f"{prefix}adj{index}"
        reason = (line.reason or "").strip()
        try:
            points = _parse_points(line.points)
        except ValueError:
            errors.setdefault(key, []).append(
                _("Line %(n)s: enter a number of points") % {"n": index}
            )
            continue
        if points is None and not reason:
            continue  # an empty extra line
        label = (
            _("Deduction %(n)s") if line.kind == Adjustment.Kind.DEDUCTION else _("Bonus %(n)s")
        ) % {"n": index}
        if line.kind not in Adjustment.Kind.values:
            errors.setdefault(key, []).append(
                _("Line %(n)s: choose bonus or deduction") % {"n": index}
            )
            continue
        if points is None or points <= 0:
            errors.setdefault(key, []).append(
                _("%(line)s: enter a positive number of points") % {"line": label}
            )
        elif points != points.quantize(Decimal("0.1")) or points >= Decimal("10000"):
            errors.setdefault(key, []).append(
                _("%(line)s: at most one decimal place") % {"line": label}
            )
        if not reason:
            errors.setdefault(key, []).append(_("%(line)s: a reason is required") % {"line": label})
        if key not in errors:
            clean_adjustments.append(AdjustmentLine(kind=line.kind, points=points, reason=reason))
    return values, clean_adjustments, errors


def _write_lines(
    sheet: ScoreSheet,
    field: str,
    criteria: list[Criterion],
    values: dict[int, Decimal | None],
    lines: dict[int, Line],
    by,
) -> None:
    existing = {s.criterion_id: s for s in sheet.scores.all()}
    for criterion in criteria:
        if criterion.pk not in values:
            continue
        line = lines[criterion.pk]
        points = values[criterion.pk]
        note = (line.note or "").strip()[:300]
        score = existing.get(criterion.pk)
        unchanged = score is not None and (getattr(score, field), score.note) == (points, note)
        if unchanged and not line.evidence:
            continue  # no history entry for a line nobody changed
        score = score or Score(sheet=sheet, criterion=criterion)
        setattr(score, field, points)
        score.note = note
        if line.evidence:
            score.evidence = line.evidence
        score._history_user = by
        score.save()


def sheet_save(
    *,
    sheet: ScoreSheet,
    access: Access,
    by,
    version: int | None,
    lines: dict[int, Line],
    adjustments: list[AdjustmentLine] | None = None,
) -> ScoreSheet:
    """Save a sheet's scores and, when given, replace its bonus and deduction lines.

    Every line is checked first; one error refuses the whole sheet (ValidationError with a
    message per line, naming the criterion) and nothing is written. A sheet saved by someone
    else since `version` was read raises StaleSheet, and nothing is written either.
    """
    with transaction.atomic():
        current = _locked_sheet(sheet, version)
        field = permissions.editable_field(access, current)
        if field is None:
            raise PermissionDenied(_("This sheet cannot be changed now."))
        criteria = list(current.campaign.criteria.all())
        values, clean_adjustments, errors = _validate_sheet(criteria, lines, adjustments)
        if errors:
            raise ValidationError(errors)
        _write_lines(current, field, criteria, values, lines, by)
        if adjustments is not None:
            _replace_adjustments(current, clean_adjustments, by)
        _bump(current, by)
        return current


def _replace_adjustments(sheet: ScoreSheet, lines: list[AdjustmentLine], by) -> None:
    old = list(sheet.adjustments.all())
    same = [(a.kind, a.points, a.reason) for a in old] == [
        (line.kind, line.points, line.reason) for line in lines
    ]
    if same:
        return
    for adjustment in old:
        adjustment._history_user = by
        adjustment.delete()
    for line in lines:
        adjustment = Adjustment(sheet=sheet, kind=line.kind, points=line.points, reason=line.reason)
        adjustment._history_user = by
        adjustment.save()


def sheets_save_grid(
    *,
    campaign: Campaign,
    unit: OrgUnit,
    access: Access,
    by,
    rows: dict[int, tuple[int | None, dict[int, Line]]],
    submit: bool = False,
) -> int:
    """A branch's grid (rows = sheets, columns = criteria) in one go: all rows or none.

    `rows` maps a sheet id to (version read, lines). Errors are keyed "s<sheet>-c<criterion>".
    With `submit`, every row is also submitted (each must then be complete). Returns the
    number of sheets that changed.
    """
    with transaction.atomic():
        sheets = {
            s.pk: s
            for s in permissions.sheets_for(access)
            .filter(campaign=campaign, unit=unit, pk__in=list(rows))
            .select_for_update(of=("self",))
            .select_related("campaign", "unit", "member")
            .prefetch_related("scores")
        }
        if set(sheets) != set(rows):
            raise PermissionDenied(_("A row of this grid is not yours to score."))
        criteria = list(campaign.criteria.all())
        errors: dict[str, list[str]] = {}
        stale: list[ScoreSheet] = []
        parsed = {}
        for pk, (version, lines) in rows.items():
            sheet = sheets[pk]
            field = permissions.editable_field(access, sheet)
            if field is None:
                raise PermissionDenied(_("This sheet cannot be changed now."))
            if version is not None and not _same_version(sheet, version):
                stale.append(sheet)
            values, _adj, row_errors = _validate_sheet(criteria, lines, None, prefix=f"s{pk}-")
            for key, messages in row_errors.items():
                errors[key] = [f"{sheet.subject_name} · {m}" for m in messages]
            parsed[pk] = (field, values, lines)
        if stale:
            raise StaleSheet(stale[0])
        if errors:
            raise ValidationError(errors)
        changed = 0
        for pk, (field, values, lines) in parsed.items():
            sheet = sheets[pk]
            old = {s.criterion_id: getattr(s, field) for s in sheet.scores.all()}
            if all(old.get(c) == v for c, v in values.items()):
                continue
            _write_lines(sheet, field, criteria, values, lines_keep_notes(sheet, lines), by)
            _bump(sheet, by)
            changed += 1
        if submit:
            incomplete = [
                sheets[pk].subject_name
                for pk, (_f, values, _l) in parsed.items()
                if any(values.get(c.pk) is None for c in criteria)
            ]
            if incomplete:
                raise ValidationError(
                    _("Score every criterion before submitting: %(names)s")
                    % {"names": ", ".join(incomplete)}
                )
            for pk in parsed:
                sheet = sheets[pk]
                if sheet.status != ScoreSheet.Status.SUBMITTED:
                    _bump(sheet, by, status=ScoreSheet.Status.SUBMITTED, return_comment="")
            progress_refresh(campaign_id=campaign.pk, unit_ids=[unit.pk])
        return changed


def lines_keep_notes(sheet: ScoreSheet, lines: dict[int, Line]) -> dict[int, Line]:
    """The grid has no notes column: keep the notes already on the sheet."""
    notes = {s.criterion_id: s.note for s in sheet.scores.all()}
    return {c: Line(points=line.points, note=notes.get(c, "")) for c, line in lines.items()}


def sheet_submit(
    *, sheet: ScoreSheet, access: Access, by, version: int | None = None
) -> ScoreSheet:
    with transaction.atomic():
        current = _locked_sheet(sheet, version)
        if permissions.editable_field(access, current) is None:
            raise PermissionDenied(_("This sheet cannot be changed now."))
        if current.status == ScoreSheet.Status.SUBMITTED:
            return current
        field = permissions.editable_field(access, current)
        scored = current.scores.filter(**{f"{field}__isnull": False}).count()
        if scored < current.campaign.criteria.count():
            raise ValidationError(_("Score every criterion before submitting the sheet."))
        _bump(current, by, status=ScoreSheet.Status.SUBMITTED, return_comment="")
        progress_refresh(campaign_id=current.campaign_id, unit_ids=[current.unit_id])
        return current


def sheet_return(*, sheet: ScoreSheet, access: Access, by, comment: str) -> ScoreSheet:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say why the sheet is returned.")]})
    with transaction.atomic():
        current = _locked_sheet(sheet, None)
        if not permissions.can_return(access, current):
            raise PermissionDenied(_("This sheet cannot be returned now."))
        _bump(current, by, status=ScoreSheet.Status.RETURNED, return_comment=comment)
        progress_refresh(campaign_id=current.campaign_id, unit_ids=[current.unit_id])
        signals.sheet_returned.send(sender=ScoreSheet, sheet=current, by=by, comment=comment)
        return current


# --- campaigns ------------------------------------------------------------------------------
def criteria_copy_previous(*, campaign: Campaign) -> int:
    """Copy the criteria of the same committee's previous quarter of this kind."""
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError(_("Criteria can only be changed while the campaign is a draft."))
    previous = campaign.previous()
    if previous is None:
        raise ValidationError(_("There is no campaign of this kind in the previous quarter."))
    with transaction.atomic():
        if campaign.criteria.exists():
            raise ValidationError(_("This campaign has criteria already."))
        copies = [
            Criterion(
                campaign=campaign,
                name=c.name,
                description=c.description,
                max_points=c.max_points,
                order=c.order,
            )
            for c in previous.criteria.all()
        ]
        Criterion.objects.bulk_create(copies)
        return len(copies)


def _subjects(campaign: Campaign) -> list[ScoreSheet]:
    branches = OrgUnit.objects.filter(
        path__startswith=campaign.scope.path, kind=OrgUnit.Kind.BRANCH
    ).order_by("path")
    if campaign.kind == Campaign.Kind.BRANCHES:
        return [ScoreSheet(campaign=campaign, unit=b) for b in branches]
    members = (
        Member.objects.active()
        .party_members()
        .filter(unit__in=branches)
        .order_by("unit__path", "name", "pk")
        .only("pk", "unit_id")
    )
    return [ScoreSheet(campaign=campaign, unit_id=m.unit_id, member=m) for m in members]


def campaign_open(*, campaign: Campaign, by) -> int:
    """Draft → scoring: one sheet per subject. Returns the number of sheets made."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise ValidationError(_("Only a draft campaign can be opened for scoring."))
        if not campaign.criteria.exists():
            raise ValidationError(_("Add the criteria before opening the campaign."))
        sheets = _subjects(campaign)
        bulk_create_with_history(sheets, ScoreSheet, batch_size=500, default_user=by)
        progress_refresh(campaign_id=campaign.pk)
        _set_status(campaign, Campaign.Status.SCORING, by)
        return len(sheets)


def _set_status(campaign: Campaign, status: str, by, **extra) -> None:
    campaign.status = status
    for name, value in extra.items():
        setattr(campaign, name, value)
    campaign._history_user = by
    campaign.save()


def campaign_close(*, campaign: Campaign, by) -> Campaign:
    """Scoring → review: results are computed for the organisers to check."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
        if campaign.status != Campaign.Status.SCORING:
            raise ValidationError(_("Only a campaign open for scoring can be closed."))
        _set_status(campaign, Campaign.Status.REVIEW, by)
        results_compute(campaign=campaign, by=by)
        return campaign


def campaign_reopen(*, campaign: Campaign, by) -> Campaign:
    """Review → scoring, to let branches fix their sheets."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
        if campaign.status != Campaign.Status.REVIEW:
            raise ValidationError(_("Only a campaign in review can be reopened."))
        _set_status(campaign, Campaign.Status.SCORING, by)
        return campaign


def campaign_publish(*, campaign: Campaign, by) -> Campaign:
    """Review → published, in one step: results recomputed, banners fixed, sheets locked."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
        if campaign.status != Campaign.Status.REVIEW:
            raise ValidationError(_("Close the scoring before publishing the results."))
        results_compute(campaign=campaign, by=by)
        # One UPDATE for every sheet (bulk_update's CASE per row is slow at thousands), then
        # one history row each, as bulk_update_with_history would write.
        sheets = list(campaign.sheets.exclude(status=ScoreSheet.Status.LOCKED))
        campaign.sheets.filter(pk__in=[s.pk for s in sheets]).update(
            status=ScoreSheet.Status.LOCKED, version=F("version") + 1
        )
        for sheet in sheets:
            sheet.status = ScoreSheet.Status.LOCKED
            sheet.version += 1
        ScoreSheet.history.bulk_history_create(sheets, default_user=by, batch_size=500)
        progress_refresh(campaign_id=campaign.pk)  # a locked sheet counts as submitted
        _set_status(
            campaign,
            Campaign.Status.PUBLISHED,
            by,
            published_at=timezone.now(),
            published_by=by,
        )
        banners_refresh(campaign=campaign)
        signals.results_published.send(sender=Campaign, campaign=campaign, by=by)
        return campaign


def ranked_sheets(campaign: Campaign):
    """The campaign's sheets with total, first-criterion points, rank and rank in branch,
    all computed by the database in one query (see the ranking rule above)."""
    first = campaign.criteria.order_by("order", "pk").first()
    score_sum = (
        Score.objects.filter(sheet=OuterRef("pk"))
        .values("sheet")
        .annotate(s=Sum("points"))
        .values("s")
    )

    def adjustments(kind):
        return (
            Adjustment.objects.filter(sheet=OuterRef("pk"), kind=kind)
            .values("sheet")
            .annotate(s=Sum("points"))
            .values("s")
        )

    first_points = Score.objects.filter(
        sheet=OuterRef("pk"), criterion_id=first.pk if first else None
    ).values("points")[:1]
    total = Round(
        Coalesce(Subquery(score_sum, output_field=TOTAL), ZERO)
        + Coalesce(Subquery(adjustments(Adjustment.Kind.BONUS), output_field=TOTAL), ZERO)
        - Coalesce(Subquery(adjustments(Adjustment.Kind.DEDUCTION), output_field=TOTAL), ZERO),
        precision=1,
        output_field=TOTAL,
    )
    order = [F("total").desc(), F("first_points").desc()]
    return (
        campaign.sheets.annotate(
            total=total,
            first_points=Round(
                Coalesce(Subquery(first_points, output_field=TOTAL), ZERO),
                precision=1,
                output_field=TOTAL,
            ),
        )
        .annotate(
            rank=Window(Rank(), order_by=order),
            branch_rank=Window(Rank(), partition_by=[F("unit_id")], order_by=order),
            subject=Coalesce("member__name", "unit__name"),
        )
        .order_by("rank", "subject", "pk")
    )


def results_compute(*, campaign: Campaign, by) -> list[Result]:
    """Write the campaign's results from its sheets; automatic banners follow the campaign's
    rule, banners awarded or withdrawn by hand stay as they were."""
    rows = list(
        ranked_sheets(campaign).values(
            "pk", "unit_id", "member_id", "subject", "total", "first_points", "rank", "branch_rank"
        )
    )
    existing = {r.sheet_id: r for r in campaign.results.all()}
    fields = [
        "unit_id",
        "member_id",
        "subject_name",
        "total",
        "first_points",
        "rank",
        "branch_rank",
        "is_banner_holder",
    ]
    create, update = [], []
    per_branch = campaign.award_rule == Campaign.AwardRule.PER_BRANCH
    for row in rows:
        result = existing.get(row["pk"]) or Result(campaign=campaign, sheet_id=row["pk"])
        before = [getattr(result, f) for f in fields]
        result.unit_id = row["unit_id"]
        result.member_id = row["member_id"]
        result.subject_name = row["subject"]
        result.total = Decimal(row["total"]).quantize(Decimal("0.1"))
        result.first_points = Decimal(row["first_points"]).quantize(Decimal("0.1"))
        result.rank = row["rank"]
        result.branch_rank = row["branch_rank"]
        if not result.manual_award:
            place = result.branch_rank if per_branch else result.rank
            result.is_banner_holder = place <= campaign.banners
        if result.pk is None:
            create.append(result)
        elif before != [getattr(result, f) for f in fields]:
            update.append(result)  # only what changed gets an UPDATE and a history entry
    if create:
        bulk_create_with_history(create, Result, batch_size=500, default_user=by)
    if update:
        bulk_update_with_history(
            update,
            Result,
            [f.removesuffix("_id") for f in fields],
            batch_size=500,
            default_user=by,
        )
    if campaign.is_published and (create or update):
        banners_refresh(campaign=campaign)  # a correction may move a banner
    return create + update


def result_award(*, result: Result, by, holder: bool, reason: str) -> Result:
    """Award (or withdraw) a banner by hand during review, with a written reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for awarding the banner by hand.")]})
    with transaction.atomic():
        result = (
            Result.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=result.pk)
        )
        if result.campaign.status != Campaign.Status.REVIEW:
            raise ValidationError(_("Banners are awarded by hand only during review."))
        result.is_banner_holder = holder
        result.manual_award = True
        result.award_reason = reason
        result._history_user = by
        result.save()
        return result


def correction_record(
    *, result: Result, criterion: Criterion, points, reason: str, access: Access, by
) -> Correction:
    """Correct one criterion of a published result: an organiser, with a written reason.
    The total and ranks are recomputed; the correction is shown on the results page."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("A correction needs a written reason.")]
    value, error = _check_points(criterion, points)
    if error or value is None:
        errors["points"] = [
            error or _("%(criterion)s: enter the corrected points") % {"criterion": criterion.name}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        result = (
            Result.objects.select_for_update(of=("self",))
            .select_related("campaign", "campaign__scope", "sheet")
            .get(pk=result.pk)
        )
        campaign = result.campaign
        if campaign.status != Campaign.Status.PUBLISHED:
            raise ValidationError(
                _("Only published results are corrected; change the sheet instead.")
            )
        if not permissions.can_run(access, campaign) or criterion.campaign_id != campaign.pk:
            raise PermissionDenied
        score, _created = Score.objects.get_or_create(sheet=result.sheet, criterion=criterion)
        old_points = score.points
        old_total = result.total
        score.points = value
        score._history_user = by
        score.save()
        results_compute(campaign=campaign, by=by)
        result.refresh_from_db()
        return Correction.objects.create(
            result=result,
            criterion=criterion,
            old_points=old_points,
            new_points=value,
            old_total=old_total,
            new_total=result.total,
            reason=reason,
            by=by,
        )


# --- model stories --------------------------------------------------------------------------
def story_nominate(*, member: Member, by, category: str, title: str, body: str, photos=()) -> Story:
    """A nomination with its photos, each re-encoded (ValidationError names the bad one)."""
    cleaned = []
    for index, photo in enumerate(photos, start=1):
        try:
            cleaned.append(images.clean_image(photo))
        except ValidationError as invalid:
            raise ValidationError(
                {
                    "photos": [
                        _("Photo %(n)s: %(error)s") % {"n": index, "error": invalid.messages[0]}
                    ]
                }
            ) from None
    with transaction.atomic():
        story = Story(member=member, category=category, title=title, body=body, nominated_by=by)
        story._history_user = by
        story.save()
        for picture in cleaned:
            StoryPhoto.objects.create(story=story, image=picture)
        return story


def stories_set_status(*, stories, status: str, by) -> int:
    """Publish or decline stories (the organiser's decision), with a history entry each."""
    with transaction.atomic():
        count = 0
        for story in stories.select_for_update(of=("self",)):
            if story.status == status:
                continue
            story.status = status
            approved = status == Story.Status.PUBLISHED and story.published_at is None
            if status == Story.Status.PUBLISHED and story.published_at is None:
                story.published_at = timezone.now()
            story._history_user = by
            story.save()
            if approved:
                signals.story_approved.send(sender=Story, story=story, by=by)
            count += 1
        return count


def story_like(*, story: Story, user) -> bool:
    """Like a published story once (a second like takes it back). Returns liked or not."""
    with transaction.atomic():
        return like_toggle(StoryLike, story=story, user=user)
