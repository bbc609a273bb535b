"""The appraisals' figures kept in tables, and their recount (registered in members.recounts).

- `SheetProgress`: sheets and sheets submitted per campaign and branch, and per campaign, as
  `ScoreSheetQuerySet.progress` defines them. `progress_refresh` counts a campaign's rows
  again (for some branches or all, and its total); the services call it after every write
  that makes or deletes sheets or changes their status (open, submit, return, publish), and
  the demo after its bulk writes.
- `Banner`: one row per banner held in a published campaign, with its streak: the quarters
  in a row the subject (a branch, or a member) has held the banner of the same committee and
  kind. `banners_refresh` writes a campaign's rows from its results and recomputes the
  streaks of its series; the services call it after publishing, correcting and recomputing,
  and `Result.save` and `Result.delete` after a result written on its own (a banner awarded
  by hand).
- `BannerTally`: banners per branch and quarter (the branch's own, its members'), added up
  from the `Banner` rows by `banners_refresh` for the branches it touched.

What changed in meaning, and why: a campaign's progress counts every sheet of the campaign
in the viewer's units, the viewer's own sheet included (the to-do used to leave it out, the
admin's list did not: the two disagreed by one). Streaks and banners are those of published
campaigns only, as before.

A write that bypasses these functions (a raw update, a bulk load, a deleted campaign) leaves
the figures wrong until `recount(fix=True)` (manage.py recount_figures) counts them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from .models import Banner, BannerTally, Campaign, Result, ScoreSheet, SheetProgress

BATCH = 1000


# --- sheet progress ---------------------------------------------------------------------------
@transaction.atomic
def progress_refresh(*, campaign_id: int, unit_ids: Iterable[int] | None = None) -> None:
    """Count the sheets of `campaign_id` again, in `unit_ids` (every branch when None), and
    the campaign's total.

    The rows are locked first: two branches submitting at once would otherwise each count
    the campaign without the other's sheet and the later write would lose the earlier one.
    Waiting for the lock, the count then sees what the other transaction committed."""
    sheets = ScoreSheet.objects.filter(campaign_id=campaign_id)
    kept = SheetProgress.objects.filter(campaign_id=campaign_id)
    if unit_ids is not None:
        unit_ids = set(unit_ids)
        _lock(kept.filter(Q(unit_id__in=unit_ids) | Q(unit=None)))
        _sync_progress(
            sheets.filter(unit_id__in=unit_ids),
            kept.filter(unit_id__in=unit_ids),
            campaigns=False,
            write=True,
        )
        _sync_progress(sheets, kept.filter(unit=None), branches=False, write=True)
    else:
        _lock(kept)
        _sync_progress(sheets, kept, write=True)


def _lock(rows) -> None:
    """Lock `rows` for this transaction, in a fixed order (no deadlock between two)."""
    list(rows.select_for_update().order_by("pk").values_list("pk", flat=True))


def _sync_progress(
    sheets, kept, *, campaigns: bool = True, branches: bool = True, write: bool
) -> list[str]:
    """Make the SheetProgress rows `kept` equal the count of `sheets`: per campaign (the row
    without a branch) and per campaign and branch. One line per difference."""
    counted = {}
    if campaigns:
        counted.update(
            ((row["campaign_id"], None), (row["sheets"], row["submitted"]))
            for row in sheets.progress("campaign_id")
        )
    if branches:
        counted.update(
            ((row["campaign_id"], row["unit_id"]), (row["sheets"], row["submitted"]))
            for row in sheets.progress()
        )
    existing = {(p.campaign_id, p.unit_id): p for p in kept}
    differences, create, update = [], [], []
    for (campaign_id, unit_id), (total, submitted) in counted.items():
        row = existing.pop((campaign_id, unit_id), None)
        where = f"campaign {campaign_id}, " + (f"unit {unit_id}" if unit_id else "in all")
        if row is None:
            differences.append(f"{where}: {submitted} of {total} sheets submitted (kept: none)")
            create.append(
                SheetProgress(
                    campaign_id=campaign_id, unit_id=unit_id, sheets=total, submitted=submitted
                )
            )
        elif (row.sheets, row.submitted) != (total, submitted):
            differences.append(
                f"{where}: {submitted} of {total} sheets submitted "
                f"(kept: {row.submitted} of {row.sheets})"
            )
            row.sheets, row.submitted = total, submitted
            update.append(row)
    for (campaign_id, unit_id), row in existing.items():
        differences.append(
            f"campaign {campaign_id}, unit {unit_id}: no sheets (kept: {row.sheets})"
        )
    if write:
        _apply(SheetProgress, create, update, ["sheets", "submitted"], existing.values())
    return differences


def _apply(model, create: list, update: list, fields: list[str], delete: Iterable) -> None:
    stale = [row.pk for row in delete]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    if update:
        model.objects.bulk_update(update, fields, batch_size=BATCH)
    if create:
        model.objects.bulk_create(create, batch_size=BATCH)


# --- banners ----------------------------------------------------------------------------------
def _streaks(rows: list[tuple[int, int, tuple]]) -> dict[int, int]:
    """{result id: streak} for the holders of one series (one committee and kind), from rows
    (result id, order key of the quarter, subject)."""
    held: dict[tuple, set[int]] = defaultdict(set)
    for _result, key, subject in rows:
        held[subject].add(key)
    streaks = {}
    for result_id, key, subject in rows:
        streak = 1
        while key - streak in held[subject]:
            streak += 1
        streaks[result_id] = streak
    return streaks


def _held(series: Q) -> dict[int, Banner]:
    """{result id: unsaved Banner} for every banner holder of the published campaigns
    `series` selects (whole series: a streak depends on the quarters before)."""
    rows = list(
        Result.objects.filter(
            series, is_banner_holder=True, campaign__status=Campaign.Status.PUBLISHED
        )
        .order_by()
        .values_list(
            "pk",
            "campaign_id",
            "campaign__scope_id",
            "campaign__kind",
            "campaign__year",
            "campaign__quarter",
            "unit_id",
            "member_id",
            "subject_name",
            "rank",
        )
    )
    by_series: dict[tuple, list] = defaultdict(list)
    for pk, _c, scope_id, kind, year, quarter, unit_id, member_id, _name, _rank in rows:
        subject = ("m", member_id) if member_id else ("u", unit_id)
        by_series[(scope_id, kind)].append((pk, year * 4 + quarter - 1, subject))
    streaks: dict[int, int] = {}
    for series_rows in by_series.values():
        streaks.update(_streaks(series_rows))
    return {
        pk: Banner(
            campaign_id=campaign_id,
            result_id=pk,
            unit_id=unit_id,
            member_id=member_id,
            subject_name=name,
            rank=rank,
            streak=streaks[pk],
        )
        for pk, campaign_id, _s, _k, _y, _q, unit_id, member_id, name, rank in rows
    }


BANNER_FIELDS = ("campaign_id", "unit_id", "member_id", "subject_name", "rank", "streak")


def _sync_banners(
    series: Q, counted: dict[int, Banner], *, write: bool
) -> tuple[list[str], set[tuple[int, int]]]:
    """Make the Banner rows of `series` equal `counted` (what the results say). Returns the
    differences and the (unit, campaign) pairs whose holders changed (for the tally)."""
    existing = {b.result_id: b for b in Banner.objects.filter(series)}
    differences, create, update = [], [], []
    touched: set[tuple[int, int]] = set()
    for result_id, banner in counted.items():
        row = existing.pop(result_id, None)
        now = tuple(getattr(banner, f) for f in BANNER_FIELDS)
        if row is None:
            differences.append(f"result {result_id}: banner held (kept: none)")
            touched.add((banner.unit_id, banner.campaign_id))
            create.append(banner)
            continue
        before = tuple(getattr(row, f) for f in BANNER_FIELDS)
        if before != now:
            differences.append(f"result {result_id}: banner {now} (kept: {before})")
            touched |= {(row.unit_id, row.campaign_id), (banner.unit_id, banner.campaign_id)}
            for name in BANNER_FIELDS:
                setattr(row, name, getattr(banner, name))
            update.append(row)
    for result_id, row in existing.items():
        differences.append(f"result {result_id}: no banner held (kept: one)")
        touched.add((row.unit_id, row.campaign_id))
    if write:
        fields = [f.removesuffix("_id") for f in BANNER_FIELDS]
        _apply(Banner, create, update, fields, existing.values())
    return differences, touched


def _sync_tally(
    cells: list[tuple[int, int, set[int]]] | None, banners=None, *, write: bool
) -> list[str]:
    """Make the BannerTally rows of `cells` ((year, quarter, unit ids); all when None)
    equal what the banners add up to: `banners` as (unit, year, quarter, member) rows, or
    the Banner rows of those cells when None."""
    kept = BannerTally.objects.all()
    if banners is None:
        banners = Banner.objects.order_by()
        if cells is not None:
            banners = banners.filter(
                _any(Q(unit_id__in=u, campaign__year=y, campaign__quarter=q) for y, q, u in cells)
            )
        banners = banners.values_list("unit_id", "campaign__year", "campaign__quarter", "member_id")
    if cells is not None:
        kept = kept.filter(_any(Q(unit_id__in=u, year=y, quarter=q) for y, q, u in cells))
    counted: dict[tuple[int, int, int], list[int]] = {}
    for unit_id, year, quarter, member_id in banners:
        cell = counted.setdefault((unit_id, year, quarter), [0, 0])
        cell[1 if member_id else 0] += 1
    existing = {(t.unit_id, t.year, t.quarter): t for t in kept}
    differences, create, update = [], [], []
    for (unit_id, year, quarter), (own, members) in counted.items():
        row = existing.pop((unit_id, year, quarter), None)
        where = f"unit {unit_id}, {year} Q{quarter}"
        if row is None:
            differences.append(f"{where}: {own} own and {members} members' banners (kept: none)")
            create.append(
                BannerTally(unit_id=unit_id, year=year, quarter=quarter, own=own, members=members)
            )
        elif (row.own, row.members) != (own, members):
            differences.append(
                f"{where}: {own} own and {members} members' banners "
                f"(kept: {row.own} and {row.members})"
            )
            row.own, row.members = own, members
            update.append(row)
    for (unit_id, year, quarter), row in existing.items():
        differences.append(
            f"unit {unit_id}, {year} Q{quarter}: no banners (kept: {row.own} and {row.members})"
        )
    if write:
        _apply(BannerTally, create, update, ["own", "members"], existing.values())
    return differences


def _any(filters) -> Q:
    combined = Q(pk__in=[])
    for q in filters:
        combined |= q
    return combined


@transaction.atomic
def banners_refresh(*, campaign: Campaign, units: Iterable[int] = ()) -> None:
    """Write the banners of `campaign`'s series (its committee and kind: the streaks of later
    quarters depend on this one) from the results, none for a campaign not published, and
    the tally of the branches whose banners changed, and of `units` in the campaign's
    quarter (the branch of a deleted result, whose banner row went with it)."""
    # Two writes to one campaign's results (two corrections) wait for each other here, so
    # that the later one counts what the earlier one wrote.
    _lock(Campaign.objects.filter(pk=campaign.pk))
    series = Q(campaign__scope_id=campaign.scope_id, campaign__kind=campaign.kind)
    _differences, touched = _sync_banners(series, _held(series), write=True)
    touched |= {(unit_id, campaign.pk) for unit_id in units}
    if touched:
        _sync_tally(_cells(touched), write=True)


def _cells(touched: set[tuple[int, int]]) -> list[tuple[int, int, set[int]]]:
    """(year, quarter, unit ids) of the tally for the (unit, campaign) pairs touched."""
    quarter_of = {
        pk: (year, quarter)
        for pk, year, quarter in Campaign.objects.filter(
            pk__in={campaign_id for _unit, campaign_id in touched}
        ).values_list("pk", "year", "quarter")
    }
    units: dict[tuple[int, int], set[int]] = defaultdict(set)
    for unit_id, campaign_id in touched:
        if campaign_id in quarter_of:
            units[quarter_of[campaign_id]].add(unit_id)
    return [(year, quarter, ids) for (year, quarter), ids in sorted(units.items())]


# --- the recount (members.recounts) -----------------------------------------------------------
def recount(*, fix: bool) -> list[str]:
    """Count sheet progress, banners and the tally again from the sheets and results; one
    line per difference; with `fix`, write the recounted figures."""
    differences = _sync_progress(ScoreSheet.objects.all(), SheetProgress.objects.all(), write=fix)
    counted = _held(Q())
    banner_differences, _touched = _sync_banners(Q(), counted, write=fix)
    differences += banner_differences
    quarter_of = {
        pk: (year, quarter)
        for pk, year, quarter in Campaign.objects.values_list("pk", "year", "quarter")
    }
    banners = [(b.unit_id, *quarter_of[b.campaign_id], b.member_id) for b in counted.values()]
    differences += _sync_tally(None, banners, write=fix)
    return differences
