"""Fill the kept figures (sheet progress, banners with their streaks, banners per branch and
quarter) from the sheets and results already in the database, as campaigns.summaries keeps
them from now on. Written against the historical models, so it does not change when the
app's code does; `manage.py recount_figures --check` confirms the result."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Count, Q

SUBMITTED = ("submitted", "locked")


def fill(apps, schema_editor):
    ScoreSheet = apps.get_model("campaigns", "ScoreSheet")
    Result = apps.get_model("campaigns", "Result")
    SheetProgress = apps.get_model("campaigns", "SheetProgress")
    Banner = apps.get_model("campaigns", "Banner")
    BannerTally = apps.get_model("campaigns", "BannerTally")

    counts = {"sheets": Count("pk"), "submitted": Count("pk", filter=Q(status__in=SUBMITTED))}
    for by in (("campaign_id", "unit_id"), ("campaign_id",)):  # per branch, per campaign
        SheetProgress.objects.bulk_create(
            (
                SheetProgress(
                    campaign_id=row["campaign_id"],
                    unit_id=row.get("unit_id"),
                    sheets=row["sheets"],
                    submitted=row["submitted"],
                )
                for row in ScoreSheet.objects.order_by().values(*by).annotate(**counts)
            ),
            batch_size=1000,
        )

    rows = list(
        Result.objects.filter(is_banner_holder=True, campaign__status="published")
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
    held = defaultdict(set)  # (series, subject) -> quarters held
    for _pk, _c, scope, kind, year, quarter, unit_id, member_id, _n, _r in rows:
        subject = ("m", member_id) if member_id else ("u", unit_id)
        held[(scope, kind, subject)].add(year * 4 + quarter - 1)
    banners, tally = [], defaultdict(lambda: [0, 0])
    for pk, campaign_id, scope, kind, year, quarter, unit_id, member_id, name, rank in rows:
        quarters = held[(scope, kind, ("m", member_id) if member_id else ("u", unit_id))]
        key, streak = year * 4 + quarter - 1, 1
        while key - streak in quarters:
            streak += 1
        banners.append(
            Banner(
                campaign_id=campaign_id,
                result_id=pk,
                unit_id=unit_id,
                member_id=member_id,
                subject_name=name,
                rank=rank,
                streak=streak,
            )
        )
        tally[(unit_id, year, quarter)][1 if member_id else 0] += 1
    Banner.objects.bulk_create(banners, batch_size=1000)
    BannerTally.objects.bulk_create(
        (
            BannerTally(unit_id=unit_id, year=year, quarter=quarter, own=own, members=members)
            for (unit_id, year, quarter), (own, members) in tally.items()
        ),
        batch_size=1000,
    )


def empty(apps, schema_editor):
    for name in ("SheetProgress", "Banner", "BannerTally"):
        apps.get_model("campaigns", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_kept_figures")]

    operations = [migrations.RunPython(fill, empty)]
