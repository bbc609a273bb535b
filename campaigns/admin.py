"""The appraisals in the admin: organisers run campaigns, scorers fill in sheets.

- Campaigns and their criteria: organisers of the committee; settings and criteria change
  only while the campaign is a draft; "open", "close", "reopen" and "publish" are actions.
- Score sheets: one page per subject (every criterion with its maximum, a note and evidence,
  then bonus and deduction lines) and a grid per branch (rows = members, columns = criteria),
  both posted to `campaigns.services` in one transaction. Scope comes from
  `campaigns.permissions.sheets_for`: a secretary opens their own branch's sheets only and
  never their own; anything else is a 404.
- Results: read in review and after publication; a banner awarded by hand and a correction
  after publication each need a written reason.
- Model stories: organisers approve, edit and publish what anyone nominated.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.admin import ScopedHistoryAdmin
from members.admin_scoping import ScopedUnitFilter
from members.models import Member, OrgUnit
from members.scoping import Access

from . import permissions, services
from .forms import AwardForm, CorrectionForm, ReturnForm
from .models import (
    Campaign,
    Correction,
    Criterion,
    Result,
    Score,
    ScoreSheet,
    Story,
    StoryPhoto,
)


def _organised(queryset, access: Access, path: str):
    if access.is_superuser:
        return queryset
    if not access.organiser_units:
        return queryset.none()
    q = Q()
    for unit in access.organiser_units:
        q |= Q(**{f"{path}__path__startswith": unit.path})
    return queryset.filter(q)


def _run(request, action, queryset, label) -> None:
    """Apply a service to each chosen campaign; report successes and refusals."""
    done = 0
    for campaign in queryset:
        try:
            action(campaign=campaign, by=request.user)
            done += 1
        except ValidationError as error:
            messages.error(request, f"{campaign}: {' '.join(error.messages)}")
    if done:
        messages.success(request, label % {"count": done})


# --- campaigns --------------------------------------------------------------------------------
class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("order", "name", "max_points", "description")
    extra = 0

    def _draft(self, obj) -> bool:
        return obj is None or obj.status == Campaign.Status.DRAFT

    def has_view_permission(self, request, obj=None) -> bool:
        return True  # the campaign's own page decided already

    def has_add_permission(self, request, obj=None) -> bool:
        return self._draft(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._draft(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._draft(obj)


@admin.register(Campaign)
class CampaignAdmin(ScopedHistoryAdmin):
    list_display = ("__str__", "scope", "status", "sheet_progress", "results_link")
    # URL filters: kind__exact, kind__isnull, status__exact, status__isnull, year, year__isnull
    list_filter = ("kind", "status", "year")
    list_select_related = ("scope",)
    ordering = ("-year", "-quarter", "kind")
    inlines = (CriterionInline,)
    fields = (
        "scope",
        "year",
        "quarter",
        "kind",
        "title",
        "opens_on",
        "closes_on",
        "banners",
        "award_rule",
        "status",
        "published_at",
    )
    actions = (
        "copy_criteria_action",
        "open_action",
        "close_action",
        "reopen_action",
        "publish_action",
    )

    def scope(self, access: Access):
        return _organised(Campaign.objects.all(), access, "scope").annotate(
            sheet_count=Count("sheets", distinct=True),
            submitted_count=Count(
                "sheets",
                filter=Q(
                    sheets__status__in=[ScoreSheet.Status.SUBMITTED, ScoreSheet.Status.LOCKED]
                ),
                distinct=True,
            ),
        )

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.scope)

    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request) -> bool:
        return self.access(request).is_organiser

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return self.fields
        return ("status", "published_at")

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.name == "scope":
            return access.organised_units().exclude(kind=OrgUnit.Kind.BRANCH).order_by("path")
        return super().foreign_key_choices(db_field, access)

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("sheets submitted"))
    def sheet_progress(self, campaign):
        if not campaign.sheet_count:
            return "-"
        return f"{campaign.submitted_count} / {campaign.sheet_count}"

    @admin.display(description=_("results"))
    def results_link(self, campaign):
        from django.utils.html import format_html

        if campaign.status in (Campaign.Status.REVIEW, Campaign.Status.PUBLISHED):
            return format_html(
                '<a href="{}">{}</a>',
                reverse("campaigns:results", args=[campaign.pk]),
                _("Results"),
            )
        return "-"

    @admin.action(description=_("Copy the criteria of the previous quarter"))
    def copy_criteria_action(self, request, queryset):
        def copy(*, campaign, by):
            services.criteria_copy_previous(campaign=campaign)

        _run(request, copy, queryset, _("Criteria copied into %(count)s campaign(s)."))

    @admin.action(description=_("Open for scoring"))
    def open_action(self, request, queryset):
        _run(
            request,
            services.campaign_open,
            queryset,
            _("%(count)s campaign(s) opened for scoring."),
        )

    @admin.action(description=_("Close scoring and review the results"))
    def close_action(self, request, queryset):
        _run(
            request,
            services.campaign_close,
            queryset,
            _("%(count)s campaign(s) closed for review."),
        )

    @admin.action(description=_("Reopen for scoring"))
    def reopen_action(self, request, queryset):
        _run(request, services.campaign_reopen, queryset, _("%(count)s campaign(s) reopened."))

    @admin.action(description=_("Publish the results"))
    def publish_action(self, request, queryset):
        _run(request, services.campaign_publish, queryset, _("%(count)s campaign(s) published."))


# --- score sheets -----------------------------------------------------------------------------
class SheetCampaignFilter(admin.SimpleListFilter):
    """Campaigns that have sheets in the person's scope (not every campaign in the database)."""

    title = _("campaign")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        sheets = permissions.sheets_for(model_admin.access(request))
        campaigns = Campaign.objects.filter(pk__in=sheets.values("campaign_id")).order_by(
            "-year", "-quarter", "kind"
        )
        return [(str(c.pk), str(c)) for c in campaigns]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit():
            return queryset.filter(campaign_id=int(value))
        if value:
            return queryset.none()
        return queryset


class SheetUnitFilter(ScopedUnitFilter):
    title = _("branch")


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ScopedHistoryAdmin):
    list_display = ("subject", "unit_label", "campaign", "status", "total", "scorer", "updated_at")
    list_display_links = ("subject",)
    # URL filters: campaign, status__exact, status__isnull, unit
    list_filter = (SheetCampaignFilter, SheetUnitFilter, "status")
    list_select_related = ("campaign", "unit", "member", "scorer")
    search_fields = ("member__name", "unit__name")
    ordering = ("-campaign__year", "-campaign__quarter", "unit__path", "member__name", "pk")
    change_list_template = "admin/campaigns/scoresheet/change_list.html"
    list_per_page = 100

    def scope(self, access: Access):
        points = (
            Score.objects.filter(sheet=OuterRef("pk"))
            .values("sheet")
            .annotate(s=Sum("points"))
            .values("s")
        )
        return permissions.sheets_for(access).annotate(points_total=Subquery(points))

    def in_scope(self, access: Access, obj) -> bool:
        return permissions.sheets_for(access).filter(pk=obj.pk).exists()

    def has_add_permission(self, request) -> bool:
        return False  # sheets are made when a campaign is opened

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    @admin.display(description=_("subject"), ordering="member__name")
    def subject(self, sheet):
        return sheet.subject_name

    @admin.display(description=_("branch"), ordering="unit__path")
    def unit_label(self, sheet):
        return sheet.unit.label

    @admin.display(description=_("points"))
    def total(self, sheet):
        return sheet.points_total if sheet.points_total is not None else "-"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "grid/<int:campaign_id>/<int:unit_id>/",
                wrap(self.grid_view),
                name="campaigns_scoresheet_grid",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        grids = (
            permissions.sheets_for(self.access(request))
            .filter(
                campaign__kind=Campaign.Kind.MEMBERS,
                campaign__status__in=[Campaign.Status.SCORING, Campaign.Status.REVIEW],
            )
            .values("campaign_id", "campaign__title", "unit_id", "unit__name")
            .annotate(count=Count("pk"))
            .order_by("campaign_id", "unit__name")
        )
        extra_context = {**(extra_context or {}), "grids": list(grids)}
        return super().changelist_view(request, extra_context)

    # --- one subject's sheet ----------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        access = self.access(request)
        sheet = get_object_or_404(
            permissions.sheets_for(access).select_related("campaign", "unit", "member"),
            pk=unquote(object_id) if str(object_id).isascii() and str(object_id).isdigit() else -1,
        )
        field = permissions.editable_field(access, sheet)
        criteria = list(sheet.campaign.criteria.all())
        errors: dict[str, list[str]] = {}
        posted = None
        return_form = ReturnForm()
        if request.method == "POST":
            if "_return" in request.POST:
                return_form = ReturnForm(request.POST)
                if return_form.is_valid():
                    try:
                        services.sheet_return(
                            sheet=sheet,
                            access=access,
                            by=request.user,
                            comment=return_form.cleaned_data["comment"],
                        )
                    except PermissionDenied as refused:
                        messages.error(request, str(refused))
                    else:
                        messages.success(request, _("The sheet was returned to the branch."))
                        return HttpResponseRedirect(request.path)
            else:
                if field is None:
                    raise PermissionDenied
                posted = request.POST
                adjustment_count = _posted_count(request.POST.get("adj-count"))
                if adjustment_count is None:
                    errors = {"__all__": [TAMPERED]}
                    messages.error(request, TAMPERED)
                    return self._sheet_response(
                        request, access, sheet, field, criteria, errors, posted, return_form
                    )
                lines = {
                    c.pk: services.Line(
                        points=request.POST.get(f"c{c.pk}", ""),
                        note=request.POST.get(f"n{c.pk}", ""),
                        evidence=request.FILES.get(f"e{c.pk}"),
                    )
                    for c in criteria
                }
                adjustments = [
                    services.AdjustmentLine(
                        kind=request.POST.get(f"adj-{i}-kind", ""),
                        points=request.POST.get(f"adj-{i}-points", ""),
                        reason=request.POST.get(f"adj-{i}-reason", ""),
                    )
                    for i in range(adjustment_count)
                ]
                try:
                    saved = services.sheet_save(
                        sheet=sheet,
                        access=access,
                        by=request.user,
                        version=services.read_version(request.POST.get("version")),
                        lines=lines,
                        adjustments=adjustments,
                    )
                    if "_submit" in request.POST:
                        services.sheet_submit(sheet=saved, access=access, by=request.user)
                except services.StaleSheet as stale:
                    messages.error(request, str(stale))
                    posted = None  # show what is saved now, the other person's figures
                    sheet.refresh_from_db()
                except ValidationError as invalid:
                    errors = (
                        invalid.message_dict
                        if hasattr(invalid, "error_dict")
                        else {"__all__": invalid.messages}
                    )
                    messages.error(request, _("Nothing was saved: correct the lines marked below."))
                else:
                    if "_submit" in request.POST:
                        messages.success(request, _("The sheet was saved and submitted."))
                    else:
                        messages.success(request, _("The sheet was saved."))
                    return HttpResponseRedirect(request.path)
        return self._sheet_response(
            request, access, sheet, field, criteria, errors, posted, return_form
        )

    def _sheet_response(self, request, access, sheet, field, criteria, errors, posted, return_form):
        return TemplateResponse(
            request,
            "admin/campaigns/scoresheet/sheet.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": sheet.subject_name,
                "subtitle": str(sheet.campaign),
                "sheet": sheet,
                "field": field,
                "rows": _sheet_rows(sheet, criteria, errors, posted),
                "adjustments": _adjustment_rows(sheet, errors, posted),
                "general_errors": errors.get("__all__", []),
                "can_return": permissions.can_return(access, sheet),
                "return_form": return_form,
                "is_branches": sheet.campaign.kind == Campaign.Kind.BRANCHES,
                "has_change_permission": True,
                "changes": Score.history.filter(sheet_id=sheet.pk)
                .select_related("history_user", "criterion")
                .order_by("-history_date", "-history_id")[:CHANGES_SHOWN],
            },
        )

    # --- the grid of one branch -------------------------------------------------------------
    def grid_view(self, request, campaign_id: int, unit_id: int):
        # members.admin_pages (the whole-page cache) is gone: drawn on every request.
        return self._grid_view(request, campaign_id, unit_id)

    def _grid_view(self, request, campaign_id: int, unit_id: int):
        access = self.access(request)
        unit = get_object_or_404(access.managed_units(), pk=unit_id)
        campaign = get_object_or_404(
            Campaign.objects.filter(kind=Campaign.Kind.MEMBERS).select_related("scope"),
            pk=campaign_id,
        )
        sheets = list(
            permissions.sheets_for(access)
            .filter(campaign=campaign, unit=unit)
            .select_related("member")
            # what the grid and the permission checks read; a member row is wide
            .only("campaign_id", "unit_id", "member_id", "status", "version", "member__name")
            .order_by("member__name", "pk")
        )
        if not sheets:
            raise Http404
        for sheet in sheets:  # one campaign, one branch: no copy of either per row
            sheet.campaign = campaign
            sheet.unit = unit
        criteria = list(campaign.criteria.all())
        editable = _editable_sheets(access, sheets)
        errors: dict[str, list[str]] = {}
        posted = None
        if request.method == "POST":
            if not editable:
                raise PermissionDenied
            rows = {
                s.pk: (
                    services.read_version(request.POST.get(f"v{s.pk}")),
                    {
                        c.pk: services.Line(points=request.POST.get(f"s{s.pk}-c{c.pk}", ""))
                        for c in criteria
                    },
                )
                for s in editable
            }
            try:
                changed = services.sheets_save_grid(
                    campaign=campaign,
                    unit=unit,
                    access=access,
                    by=request.user,
                    rows=rows,
                    submit="_submit" in request.POST,
                )
            except services.StaleSheet as stale:
                messages.error(request, str(stale))
                return HttpResponseRedirect(request.path)
            except ValidationError as invalid:
                errors = (
                    invalid.message_dict
                    if hasattr(invalid, "error_dict")
                    else {"__all__": invalid.messages}
                )
                posted = request.POST
                messages.error(request, _("Nothing was saved: correct the cells marked below."))
            else:
                messages.success(
                    request,
                    ngettext("%(count)s sheet saved.", "%(count)s sheets saved.", changed)
                    % {"count": changed},
                )
                return HttpResponseRedirect(request.path)
        editable_ids = {s.pk for s in editable}
        # Points as plain values: model instances for hundreds of scores cost more than the rest.
        points: dict[tuple[int, int], object] = {
            (sheet_id, criterion_id): value
            for sheet_id, criterion_id, value in Score.objects.filter(
                sheet_id__in=[s.pk for s in sheets]
            ).values_list("sheet_id", "criterion_id", "points")
        }
        criterion_names = [(c.pk, escape(c.name)) for c in criteria]
        # One reverse() for every row: the change URL differs only in the sheet's id.
        placeholder = "999999999"
        change_url = reverse("admin:campaigns_scoresheet_change", args=[placeholder])
        head, _sep, tail = change_url.partition(placeholder)
        status_labels = dict(ScoreSheet.Status.choices)
        rows = []
        for sheet in sheets:
            is_editable = sheet.pk in editable_ids
            member_name = escape(sheet.member.name) if sheet.member is not None else ""
            cells = []
            for criterion_id, criterion_name in criterion_names:
                name = f"s{sheet.pk}-c{criterion_id}"
                value = (
                    posted.get(name, "")
                    if posted is not None
                    else _fmt(points.get((sheet.pk, criterion_id)))
                )
                label = f"{member_name} · {criterion_name}" if is_editable else None
                cells.append(_grid_cell(name, value, errors.get(name, []), label))
            version = (
                f'<input type="hidden" name="v{sheet.pk}" value="{sheet.version}">'
                if is_editable
                else ""
            )
            status = escape(status_labels.get(sheet.status, sheet.status))
            # The template's markup for a row, written out (every value escaped above): a
            # branch's rows through the template's lookups cost more than the rest of the page.
            rows.append(
                f'<tr><th scope="row"><a href="{head}{sheet.pk}{tail}">{member_name}</a>'
                f"{version}</th>{''.join(cells)}<td>{status}</td></tr>"
            )
        return TemplateResponse(
            request,
            "admin/campaigns/scoresheet/grid.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("%(branch)s: all members") % {"branch": unit.name},
                "subtitle": str(campaign),
                "campaign": campaign,
                "unit": unit,
                "criteria": criteria,
                "rows": mark_safe("\n".join(rows)),  # every value escaped above
                "general_errors": errors.get("__all__", []),
                "can_save": bool(editable),
            },
        )


def _editable_sheets(access: Access, sheets: list[ScoreSheet]) -> list[ScoreSheet]:
    """The sheets of one campaign and branch this person may write now.

    `permissions.editable_field` depends on a sheet of the grid (one campaign, one branch)
    only through its status and whose sheet it is: the person's own, a secretary's (which
    counts only for someone who does not organise the branch) or anyone else's. It is asked
    once per kind of row, not for each of a branch's hundred sheets."""
    if not sheets:
        return []
    unit = sheets[0].unit
    own_id = access.member.pk if access.member is not None else None
    secretaries = (
        set() if access.organises_unit(unit) else permissions.branch_secretary_ids(access, unit.pk)
    )
    answers: dict[tuple, bool] = {}
    editable = []
    for sheet in sheets:
        key = (sheet.status, sheet.member_id == own_id, sheet.member_id in secretaries)
        if key not in answers:
            answers[key] = permissions.editable_field(access, sheet) is not None
        if answers[key]:
            editable.append(sheet)
    return editable


def _grid_cell(name: str, value: str, errors: list, label: str | None) -> str:
    """One cell of the grid; `label` (already escaped) makes it an input. Built here rather
    than in the template: a branch of 100 members has 500 cells, and the template's lookups
    were most of the page's time. `name` is made of ids only."""
    if label is not None:
        field = (
            f'<input type="text" inputmode="decimal" size="4" name="{name}"'
            f' value="{escape(value)}" aria-label="{label}">'
        )
    else:
        field = escape(value or "-")
    if not errors:
        return f"<td>{field}</td>"
    listed = "".join(f'<ul class="errorlist"><li>{escape(e)}</li></ul>' for e in errors)
    return f'<td class="has-error">{field}{listed}</td>'


def _fmt(value) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


def _sheet_rows(sheet, criteria, errors, posted) -> list[dict]:
    scores = {s.criterion_id: s for s in sheet.scores.all()}
    committee_counts = sheet.campaign.kind == Campaign.Kind.BRANCHES
    rows = []
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if posted is not None:
            points = posted.get(f"c{criterion.pk}", "")
            note = posted.get(f"n{criterion.pk}", "")
        else:
            points = _fmt(score and score.points)
            note = score.note if score else ""
        rows.append(
            {
                "criterion": criterion,
                "score": score,
                "self_points": _fmt(score and score.self_points),
                "points": points,
                "self_value": posted.get(f"c{criterion.pk}", "")
                if posted is not None
                else _fmt(score and score.self_points),
                "note": note,
                "errors": errors.get(f"c{criterion.pk}", []),
                "committee_counts": committee_counts,
            }
        )
    return rows


EXTRA_ADJUSTMENT_LINES = 2
CHANGES_SHOWN = 50


TAMPERED = _(
    "The form was not sent as the page made it. Nothing was saved: reload the page and try again."
)
MAX_ADJUSTMENT_LINES = 50


def _posted_count(raw) -> int | None:
    """How many bonus and deduction lines the page posted: 0 to 50, or None if tampered."""
    raw = str(raw if raw is not None else "0").strip() or "0"
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ADJUSTMENT_LINES:
        return None
    return int(raw)


def _adjustment_rows(sheet, errors, posted) -> list[dict]:
    if posted is not None:
        count = _posted_count(posted.get("adj-count")) or 0
        lines = [
            {
                "kind": posted.get(f"adj-{i}-kind", ""),
                "points": posted.get(f"adj-{i}-points", ""),
                "reason": posted.get(f"adj-{i}-reason", ""),
            }
            for i in range(count)
        ]
    else:
        lines = [
            {"kind": a.kind, "points": _fmt(a.points), "reason": a.reason}
            for a in sheet.adjustments.all()
        ]
        lines += [{"kind": "", "points": "", "reason": ""}] * EXTRA_ADJUSTMENT_LINES
    for index, line in enumerate(lines):
        line["index"] = index
        line["errors"] = errors.get(f"adj{index + 1}", [])
    return lines


# --- results ----------------------------------------------------------------------------------
class CorrectionInline(admin.TabularInline):
    model = Correction
    fields = (
        "criterion",
        "old_points",
        "new_points",
        "old_total",
        "new_total",
        "reason",
        "by",
        "created_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion", "by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True


class ResultCampaignFilter(admin.SimpleListFilter):
    title = _("campaign")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        campaigns = _organised(Campaign.objects.all(), model_admin.access(request), "scope").filter(
            status__in=[Campaign.Status.REVIEW, Campaign.Status.PUBLISHED]
        )
        return [(str(c.pk), str(c)) for c in campaigns]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit():
            return queryset.filter(campaign_id=int(value))
        return queryset.none() if value else queryset


@admin.register(Result)
class ResultAdmin(ScopedHistoryAdmin):
    list_display = (
        "rank",
        "subject_name",
        "unit",
        "total",
        "is_banner_holder",
        "manual_award",
        "campaign",
    )
    list_display_links = ("subject_name",)
    # URL filters: campaign, is_banner_holder__exact, is_banner_holder__isnull
    list_filter = (ResultCampaignFilter, "is_banner_holder")
    list_select_related = ("campaign", "unit")
    search_fields = ("subject_name",)
    ordering = ("-campaign__year", "-campaign__quarter", "campaign__kind", "rank", "subject_name")
    fields = (
        "campaign",
        "subject_name",
        "unit",
        "total",
        "first_points",
        "rank",
        "branch_rank",
        "is_banner_holder",
        "manual_award",
        "award_reason",
    )
    readonly_fields = fields
    inlines = (CorrectionInline,)
    change_form_template = "admin/campaigns/result/change_form.html"

    def scope(self, access: Access):
        return _organised(Result.objects.all(), access, "campaign__scope")

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.campaign.scope)

    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/award/", wrap(self.award_view), name="campaigns_result_award"),
            path("<int:pk>/correct/", wrap(self.correct_view), name="campaigns_result_correct"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_award": obj.campaign.status == Campaign.Status.REVIEW,
            "can_correct": obj.campaign.status == Campaign.Status.PUBLISHED,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _action_page(self, request, pk, form_class, status, handler, title):
        access = self.access(request)
        result = get_object_or_404(self.scope(access).select_related("campaign", "sheet"), pk=pk)
        if result.campaign.status != status:
            raise Http404
        form = form_class(request.POST or None, result=result)
        if request.method == "POST" and form.is_valid():
            try:
                handler(result, form.cleaned_data, access)
            except ValidationError as invalid:
                for field_name, field_errors in (
                    invalid.message_dict.items()
                    if hasattr(invalid, "error_dict")
                    else [(None, invalid.messages)]
                ):
                    for message in field_errors:
                        form.add_error(field_name if field_name in form.fields else None, message)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(
                    reverse("admin:campaigns_result_change", args=[result.pk])
                )
        return TemplateResponse(
            request,
            "admin/campaigns/result/action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "result": result,
                "form": form,
            },
        )

    def award_view(self, request, pk: int):
        def handle(result, data, access):
            services.result_award(
                result=result, by=request.user, holder=data["holder"], reason=data["reason"]
            )

        return self._action_page(
            request, pk, AwardForm, Campaign.Status.REVIEW, handle, _("Award a banner by hand")
        )

    def correct_view(self, request, pk: int):
        def handle(result, data, access):
            services.correction_record(
                result=result,
                criterion=data["criterion"],
                points=data["points"],
                reason=data["reason"],
                access=access,
                by=request.user,
            )

        return self._action_page(
            request,
            pk,
            CorrectionForm,
            Campaign.Status.PUBLISHED,
            handle,
            _("Correct a published result"),
        )


# --- model stories ----------------------------------------------------------------------------
class StoryPhotoInline(admin.TabularInline):
    model = StoryPhoto
    fields = ("image",)
    extra = 0

    def has_view_permission(self, request, obj=None) -> bool:
        return True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # photos come with the nomination, re-encoded there

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return True


@admin.register(Story)
class StoryAdmin(ScopedHistoryAdmin):
    list_display = (
        "title",
        "member",
        "category",
        "status",
        "nominated_by",
        "created_at",
        "published_at",
    )
    # URL filters: category__exact, category__isnull, status__exact, status__isnull
    list_filter = ("status", "category")
    list_select_related = ("member", "nominated_by")
    search_fields = ("title", "member__name")
    ordering = ("status", "-created_at")
    fields = ("member", "category", "title", "body", "status", "nominated_by", "published_at")
    readonly_fields = ("nominated_by", "published_at", "member")
    inlines = (StoryPhotoInline,)
    actions = ("publish_action", "decline_action")

    def scope(self, access: Access):
        return _organised(Story.objects.all(), access, "member__unit")

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.member.unit)

    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request) -> bool:
        return False  # nominations come from the site's form

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj) and (
            obj is None or obj.status != Story.Status.PUBLISHED
        )

    def foreign_key_choices(self, db_field, access: Access):
        if db_field.related_model is Member:
            return _organised(Member.objects.select_related("unit"), access, "unit")
        return super().foreign_key_choices(db_field, access)

    def save_model(self, request, obj, form, change):
        if obj.status == Story.Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish"))
    def publish_action(self, request, queryset):
        count = services.stories_set_status(
            stories=queryset, status=Story.Status.PUBLISHED, by=request.user
        )
        messages.success(request, _("%(count)s story(ies) published.") % {"count": count})

    @admin.action(description=_("Decline"))
    def decline_action(self, request, queryset):
        count = services.stories_set_status(
            stories=queryset, status=Story.Status.DECLINED, by=request.user
        )
        messages.success(request, _("%(count)s story(ies) declined.") % {"count": count})
