"""Demo appraisals: four published quarters of both kinds and one campaign open for scoring.

2025 Q4 to 2026 Q3 are published for the branches (流动红旗党支部) and the members
(党员流动红旗), with scores, a few bonus and deduction lines, ranks, banners (one branch and
one member hold theirs several quarters in a row, for the wall's streaks) and model stories.
2026 Q4 of the members' kind is open for scoring: the other branches have scored, the demo
secretary's branch (机关第一党支部) has not.

Deterministic (fixed random seeds) and idempotent: a campaign that exists is left alone.
Scores are written in bulk (the services would take seconds for ~5,000 lines); opening,
closing and publishing go through the services, so ranks and banners are the real thing.
The sheets submitted in bulk have their progress counted again (campaigns.summaries).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from simple_history.utils import bulk_create_with_history

from members.demo import COMMITTEE_NAME
from members.models import Member, OrgUnit

from . import services
from .models import Adjustment, Campaign, Criterion, Score, ScoreSheet, Story, StoryLike
from .summaries import progress_refresh

BRANCH_CRITERIA = [
    ("组织建设", "支部班子健全，三会一课、主题党日按时开展，记录完整。", 20),
    ("党员教育", "学习计划完成率，微课堂学习与心得。", 20),
    ("党建业务融合", "党员责任区、示范岗在安全生产和优质服务中的作用。", 25),
    ("作风建设", "廉洁从业，无违规违纪，工作作风扎实。", 15),
    ("群众满意度", "职工和客户评价，连心桥诉求办理情况。", 20),
]
MEMBER_CRITERIA = [
    ("政治素质", "理想信念坚定，按时参加组织生活，按时足额交纳党费。", 20),
    ("学习教育", "完成学习计划，积极参加微课堂和主题党日。", 20),
    ("岗位业绩", "完成本岗位工作任务，在急难险重任务中发挥先锋作用。", 30),
    ("遵章守纪", "遵守安全规程和廉洁从业规定。", 15),
    ("服务群众", "服务客户和职工群众，志愿服务。", 15),
]
PAST = [(2025, 4), (2026, 1), (2026, 2), (2026, 3)]
CURRENT = (2026, 4)
STORIES = [
    (
        "good_deed",
        "深夜抢修，万家灯火",
        "寒潮来袭的深夜，10千伏线路故障，他带领抢修队冒雪巡线六个小时，"
        "天亮前恢复了全部用户供电。回到班组，他只说了一句：“应该的。”",
    ),
    (
        "good_person",
        "营业厅里的“暖心姐”",
        "她在营业厅工作十二年，为行动不便的老人上门办理业务上百次，"
        "自费为等候的客户准备热水和老花镜。",
    ),
    (
        "exemplar",
        "扎根供电所的“老黄牛”",
        "三十年扎根基层供电所，走遍辖区每一根电杆，带出的徒弟有八人成为班组骨干。",
    ),
    (
        "good_deed",
        "河边救起落水儿童",
        "下班路上听到呼救，他跳入冰冷的河水救起落水儿童，悄悄离开，直到家长送来锦旗同事们才知道。",
    ),
]


def _points(rng: random.Random, top: int, boost: float = 0.0) -> Decimal:
    share = min(1.0, rng.uniform(0.72, 0.97) + boost)
    return (Decimal(top) * Decimal(str(share)) * 2).quantize(Decimal("1")) / 2


def _campaign(committee, year, quarter, kind) -> tuple[Campaign, bool]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    campaign, created = Campaign.objects.get_or_create(
        scope=committee,
        year=year,
        quarter=quarter,
        kind=kind,
        defaults={
            "opens_on": start + datetime.timedelta(days=31),
            "closes_on": start + datetime.timedelta(days=85),
            "banners": 2 if kind == Campaign.Kind.BRANCHES else 1,
            "award_rule": Campaign.AwardRule.OVERALL
            if kind == Campaign.Kind.BRANCHES
            else Campaign.AwardRule.PER_BRANCH,
        },
    )
    if created:
        spec = BRANCH_CRITERIA if kind == Campaign.Kind.BRANCHES else MEMBER_CRITERIA
        Criterion.objects.bulk_create(
            Criterion(campaign=campaign, name=n, description=d, max_points=m, order=i)
            for i, (n, d, m) in enumerate(spec)
        )
    return campaign, created


def _score(campaign: Campaign, sheets, rng: random.Random, favourites: set, by) -> None:
    """Bulk-write every criterion of `sheets`; `favourites` (unit or member ids) score high."""
    criteria = list(campaign.criteria.all())
    scores, adjustments = [], []
    for sheet in sheets:
        key = sheet.member_id or sheet.unit_id
        boost = 0.12 if key in favourites else 0.0
        for criterion in criteria:
            value = _points(rng, int(criterion.max_points), boost)
            own = None
            if campaign.kind == Campaign.Kind.BRANCHES:
                own = min(criterion.max_points, value + Decimal(rng.choice([0, 0, 0.5, 1])))
            scores.append(Score(sheet=sheet, criterion=criterion, points=value, self_points=own))
        roll = rng.random()
        if roll < 0.08:
            adjustments.append(
                Adjustment(
                    sheet=sheet,
                    kind=Adjustment.Kind.BONUS,
                    points=Decimal("2"),
                    reason=rng.choice(
                        ["迎峰度夏保供电表现突出", "获公司级先进个人表彰", "志愿服务时长突出"]
                    ),
                )
            )
        elif roll < 0.12:
            adjustments.append(
                Adjustment(
                    sheet=sheet,
                    kind=Adjustment.Kind.DEDUCTION,
                    points=Decimal("1"),
                    reason=rng.choice(["主题党日无故缺席一次", "学习计划逾期未完成"]),
                )
            )
    bulk_create_with_history(scores, Score, batch_size=1000, default_user=by)
    bulk_create_with_history(adjustments, Adjustment, batch_size=500, default_user=by)
    ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets]).update(
        status=ScoreSheet.Status.SUBMITTED, version=F("version") + 1, scorer=by
    )
    progress_refresh(campaign_id=campaign.pk)  # the update above bypassed the services


@transaction.atomic
def seed(stdout=None) -> dict:
    committee = OrgUnit.objects.filter(name=COMMITTEE_NAME, parent=None).first()
    if committee is None:
        raise RuntimeError("Run the members demo first (manage.py seed_demo does).")
    organiser = get_user_model().objects.get(username="organiser")
    branches = list(committee.subtree().branches().order_by("sort_order", "path"))
    # The wall's streaks: 运维检修党支部 holds its banner three quarters running, and one
    # member of the first branch holds theirs all four.
    favourite_branch = branches[2].pk
    first_branch_people = list(
        Member.objects.filter(unit=branches[0]).order_by("pk").values_list("pk", flat=True)
    )
    favourite_member = first_branch_people[3]
    made = 0
    for index, (year, quarter) in enumerate(PAST):
        for kind in (Campaign.Kind.BRANCHES, Campaign.Kind.MEMBERS):
            campaign, created = _campaign(committee, year, quarter, kind)
            if not created:
                continue
            made += 1
            rng = random.Random(f"{year}-{quarter}-{kind}")
            services.campaign_open(campaign=campaign, by=organiser)
            favourites = {favourite_member}
            if index >= 1:
                favourites.add(favourite_branch)
            _score(campaign, list(campaign.sheets.all()), rng, favourites, organiser)
            services.campaign_close(campaign=campaign, by=organiser)
            services.campaign_publish(campaign=campaign, by=organiser)
            stamp = datetime.datetime(year, 3 * quarter, 28, 10, 0, tzinfo=datetime.UTC)
            Campaign.objects.filter(pk=campaign.pk).update(published_at=stamp)

    current, created = _campaign(committee, *CURRENT, Campaign.Kind.MEMBERS)
    if created:
        made += 1
        services.campaign_open(campaign=current, by=organiser)
        others = list(current.sheets.exclude(unit=branches[0]))
        _score(current, others, random.Random("current"), {favourite_member}, organiser)

    _stories(committee, organiser)
    if stdout is not None:
        stdout.write(
            f"Appraisals: {Campaign.objects.filter(scope=committee).count()} campaigns "
            f"({made} new), {Story.objects.filter(member__unit__in=branches).count()} stories."
        )
    return {"current": current}


def _stories(committee, organiser) -> None:
    User = get_user_model()
    holders = list(
        Member.objects.filter(
            results__is_banner_holder=True,
            results__campaign__scope=committee,
            results__campaign__status=Campaign.Status.PUBLISHED,
        )
        .distinct()
        .order_by("pk")[:3]
    )
    people = holders + list(
        Member.objects.filter(unit__path__startswith=committee.path, status="active")
        .exclude(pk__in=[m.pk for m in holders])
        .order_by("pk")[10:11]
    )
    likers = list(User.objects.filter(username__in=["member", "secretary", "organiser", "staff"]))
    member_user = User.objects.filter(username="member").first()
    for index, ((category, title, body), person) in enumerate(zip(STORIES, people, strict=False)):
        if Story.objects.filter(title=title).exists():
            continue
        published = index < 3
        story = Story.objects.create(
            member=person,
            category=category,
            title=title,
            body=body,
            nominated_by=member_user,
            status=Story.Status.PUBLISHED if published else Story.Status.NOMINATED,
            published_at=datetime.datetime(2026, 10, 10 + index, 9, 0, tzinfo=datetime.UTC)
            if published
            else None,
        )
        if published:
            StoryLike.objects.bulk_create(
                StoryLike(story=story, user=user) for user in likers[: 4 - index]
            )
