"""Cached renderings of results shared by every viewer: a page of a published ranking, its
XLSX export and the banner wall. What owns their freshness lives here.

A cached fragment's key holds version tokens kept in the cache itself:

- one per campaign, changed whenever its results may have changed: `results_compute` (whose
  bulk writes send no signals) calls `results_changed`, and saves of a campaign, its
  criteria, results and corrections do so through the receivers below (a score changes a
  published result only through `correction_record`, which recomputes);
- one for every campaign's results at once (the banner wall reads many campaigns);
- one for what results pages show from outside the campaign (stories of banner holders,
  unit names), changed by saves and deletions of stories and units.

A new token is a new key, so nothing is deleted; old fragments expire. A version lost from
the cache (eviction, flush) comes back as a fresh token, which is again a miss, never a
stale hit. Tokens change at once and again when the transaction commits, so a reader that
rendered the old rows in between cannot leave them under the new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language

from members import person_cache, tokens

from .home import VERSION_KEY as CARDS_VERSION_KEY
from .models import Campaign, ScoreSheet

T = TypeVar("T")
FRAGMENT_TIMEOUT = 6 * 60 * 60  # a bound on staleness for anything no signal reports
ALL_RESULTS = "campaigns:v:results"
SHARED = "campaigns:v:shared"


def _campaign_key(campaign_id: int) -> str:
    return f"campaigns:v:campaign:{campaign_id}"


def _versions(*keys: str) -> str:
    return ".".join(tokens.current(*keys))


def _bump(*keys: str) -> None:
    tokens.replace(*keys)


def results_changed(campaign_id: int) -> None:
    """The campaign's results (or what its results page shows) may have changed; so may the
    banners of the home cards and of the profiles and unit pages drawn from them."""
    _bump(_campaign_key(campaign_id), ALL_RESULTS)
    person_cache.replace_token(CARDS_VERSION_KEY)


def scoring_token(campaign_id: int) -> str:
    """The token of what a campaign's score grids show: its sheets (status, version), their
    scores, its criteria and the campaign itself (status, window). The admin's grid page is
    kept per person under it (members.admin_pages)."""
    return f"campaigns:v:scoring:{campaign_id}"


def scoring_changed(campaign_id: int, using: str | None = None) -> None:
    person_cache.replace_token(scoring_token(campaign_id), using=using)


def shared_changed() -> None:
    """Something every results page and the wall may show changed (a story, a unit)."""
    _bump(SHARED)


def cached(key: str, render: Callable[[], T], keep: Callable[[], bool] = lambda: True) -> T:
    """The fragment (or file) under `key`, made on a miss; kept only if `keep()` says so (a page
    number past the end is not stored, so a crawler cannot fill the cache)."""
    found = cache.get(key)
    if found is None:
        found = render()
        if keep():
            cache.set(key, found, FRAGMENT_TIMEOUT)
    return found


def campaign(campaign_id: int) -> Campaign | None:
    """The campaign with its committee, kept under the campaign's token and SHARED (a unit
    renamed or moved): what every results page starts from, without a query."""
    key = f"campaigns:campaign:{campaign_id}"
    token_keys = (_campaign_key(campaign_id), SHARED)
    kept, stamp = tokens.stamped(cache.get_many([key, *token_keys]), key, token_keys)
    if kept is not tokens.MISSING:
        return kept
    found = Campaign.objects.select_related("scope").filter(pk=campaign_id).first()
    if found is not None:  # a made-up id is not kept: a crawler cannot fill the cache
        tokens.keep(key, stamp, found, FRAGMENT_TIMEOUT)
    return found


def results_page_key(campaign_id: int, page: int) -> str:
    version = _versions(_campaign_key(campaign_id), SHARED)
    return f"campaigns:results:{campaign_id}:{version}:{get_language()}:{page}"


def results_xlsx_key(campaign_id: int) -> str:
    version = _versions(_campaign_key(campaign_id), SHARED)
    return f"campaigns:xlsx:{campaign_id}:{version}:{get_language()}"


def wall_key(campaign_ids: Iterable[int]) -> str:
    """The wall depends on which campaigns a person sees (their committees), not on who."""
    digest = hashlib.sha256(",".join(map(str, sorted(campaign_ids))).encode()).hexdigest()[:32]
    version = _versions(ALL_RESULTS, SHARED)
    return f"campaigns:wall:{digest}:{version}:{get_language()}"


# --- what reports a change --------------------------------------------------------------------
def _on_campaign_row(sender, instance, **kwargs) -> None:
    results_changed(instance.campaign_id)


@receiver([post_save, post_delete], sender="campaigns.Campaign")
def _campaign_saved(sender, instance, using=None, **kwargs) -> None:
    results_changed(instance.pk)
    scoring_changed(instance.pk, using=using)


@receiver([post_save, post_delete], sender="campaigns.Criterion")
@receiver([post_save, post_delete], sender="campaigns.ScoreSheet")
def _scoring_row_saved(sender, instance, using=None, **kwargs) -> None:
    scoring_changed(instance.campaign_id, using=using)


@receiver([post_save, post_delete], sender="campaigns.Score")
def _score_saved(sender, instance, using=None, **kwargs) -> None:
    sheet = instance._state.fields_cache.get("sheet")
    if sheet is not None:
        scoring_changed(sheet.campaign_id, using=using)
        return
    # A score saved on its own (the services save its sheet too): one query for its
    # campaign. A sheet already deleted reported its own deletion.
    campaign_id = (
        ScoreSheet.objects.using(using or "default")
        .filter(pk=instance.sheet_id)
        .values_list("campaign_id", flat=True)
        .first()
    )
    if campaign_id is not None:
        scoring_changed(campaign_id, using=using)


for _model in ("campaigns.Criterion", "campaigns.Result"):
    post_save.connect(_on_campaign_row, sender=_model, dispatch_uid=f"cache:{_model}:save")
    post_delete.connect(_on_campaign_row, sender=_model, dispatch_uid=f"cache:{_model}:delete")


@receiver([post_save, post_delete], sender="campaigns.Correction")
def _correction_saved(sender, instance, **kwargs) -> None:
    result = instance._state.fields_cache.get("result")
    if result is not None:
        results_changed(result.campaign_id)
    else:  # not worth a query to find its campaign: expire every results page
        shared_changed()


@receiver([post_save, post_delete], sender="campaigns.Story")
@receiver([post_save, post_delete], sender="members.OrgUnit")
def _shared_saved(sender, **kwargs) -> None:
    shared_changed()
