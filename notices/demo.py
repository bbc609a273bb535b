"""Demo notices and notifications: four notices (one pinned, one for the first office branch
only, one scheduled), read by about two thirds of their audience so that "read by x of y"
shows real figures, and a few notifications in the demo member's inbox.

Deterministic and idempotent: notices are found again by their titles; reads are inserted with
`ignore_conflicts`; the demo member's notifications are made only when they have none. Nobody
is e-mailed: the audience is marked as told (`notified_at`) without sending. Runs after the
members, lessons and campaigns demos.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from members.demo import COMMITTEE_NAME
from members.models import OrgUnit

from .models import Kind, Notice, NoticeAudience, NoticeRead, Notification

# (title, audience, pinned, days ago (negative: scheduled), author, body)
NOTICES = [
    (
        "关于开展2026年度民主评议党员工作的通知",
        "committee",
        True,
        3,
        "organiser",
        "<p>各党支部：</p><p>根据党委工作安排，2026年度民主评议党员工作于12月上旬开展。"
        "请各支部按照<strong>个人自评、党员互评、民主测评、组织评定</strong>的程序进行，"
        "12月15日前将评议结果报党委组织部。</p><ol><li>个人自评：对照党章和合格党员标准；</li>"
        "<li>党员互评：开展批评与自我批评；</li><li>民主测评：填写测评表；</li>"
        "<li>组织评定：支委会研究提出评定意见。</li></ol>",
    ),
    (
        "机关第一党支部11月主题党日活动安排",
        "branch1",
        False,
        1,
        "secretary",
        "<p>支部全体党员：</p><p>本月主题党日定于11月28日（星期五）下午3点在三楼会议室举行，"
        "内容为重温入党誓词、学习党章第一章、交流学习心得。请准时参加，不能参加的请向支部书记请假。</p>",
    ),
    (
        "冬季安全生产专项行动的通知",
        "all",
        False,
        5,
        "organiser",
        "<p>全体干部职工：</p><p>冬季用电负荷高、线路覆冰风险大。即日起开展为期一个月的"
        "冬季安全生产专项行动，各部门、各供电所要落实隐患排查责任，做好应急抢修准备。</p>",
    ),
    (
        "关于学习贯彻全会精神的通知",
        "committee",
        False,
        -2,
        "organiser",
        "<p>各党支部要把学习贯彻全会精神作为当前首要政治任务，结合主题党日组织集中学习。</p>",
    ),
]
DEMO_READERS_EXCLUDED = ("member", "secretary", "organiser", "staff")


@transaction.atomic
def seed(stdout=None, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    User = get_user_model()
    committee = OrgUnit.objects.get(name=COMMITTEE_NAME, parent=None)
    branch1 = committee.children.filter(kind=OrgUnit.Kind.BRANCH).order_by("sort_order").first()
    authors = {u.username: u for u in User.objects.filter(username__in=["organiser", "secretary"])}

    notices = []
    for title, audience, pinned, days_ago, author, body in NOTICES:
        notice = Notice.objects.filter(title=title).first()
        if notice is None:
            publish_at = (now - datetime.timedelta(days=days_ago)).replace(
                minute=0, second=0, microsecond=0
            )
            scheduled = days_ago < 0
            notice = Notice.objects.create(
                title=title,
                body=body,
                unit=branch1 if audience == "branch1" else committee,
                pinned=pinned,
                status=Notice.Status.SCHEDULED if scheduled else Notice.Status.PUBLISHED,
                publish_at=publish_at,
                audience_all=audience == "all",
                author=authors.get(author),
                # The demo's audiences are marked as told: seeding sends no e-mail.
                notified_at=None if scheduled else publish_at,
            )
            if audience != "all":
                NoticeAudience.objects.create(
                    notice=notice, unit=branch1 if audience == "branch1" else committee
                )
        notices.append(notice)

    # About two thirds of each live notice's audience have opened it (every third skipped),
    # the demo logins not among them so that their "unread" and the organiser's count move
    # when they open it.
    reads = []
    for notice in notices:
        if not notice.is_live:
            continue
        readers = (
            notice.audience_users()
            .exclude(username__in=DEMO_READERS_EXCLUDED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for index, user_id in enumerate(readers):
            if index % 3 != 2:
                read_at = notice.publish_at + datetime.timedelta(hours=1 + index % 30)
                reads.append(NoticeRead(notice=notice, person_id=user_id, read_at=read_at))
    NoticeRead.objects.bulk_create(reads, batch_size=1000, ignore_conflicts=True)

    # The lessons and campaigns demos already told the demo member of plans and results
    # through the real signals; the notices addressed to them are added here.
    member = User.objects.filter(username="member").first()
    made = 0
    if (
        member is not None
        and not Notification.objects.filter(recipient=member, kind=Kind.NOTICE).exists()
    ):
        made = len(_member_notifications(member, notices[:2], now))
    if stdout is not None:
        stdout.write(f"Notices: {len(notices)} notices, {made} notifications for the demo member.")
    return {"notices": notices}


def _member_notifications(member, notices, now) -> list[Notification]:
    """The notices addressed to the demo member, unread like the notices themselves."""
    rows = [
        Notification(
            recipient=member,
            kind=Kind.NOTICE,
            text=f"新通知：{notice.title}",
            url=notice.get_absolute_url(),
            created_at=notice.publish_at,
        )
        for notice in notices
    ]
    return Notification.objects.bulk_create(rows)
