"""Demo sharing: twelve posts from members of the demo committee, with photos drawn here
(Pillow, no downloads), comments, likes, one post hidden by the organiser and one hidden
comment.

Deterministic and idempotent: a post is found again by its author and text, and its photos,
comments and likes are made only with it. Runs after `members.demo.seed()`.
"""

from __future__ import annotations

import datetime
import io
import itertools
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from members.demo import COMMITTEE_NAME
from members.models import Member, OrgUnit

from . import services
from .models import Comment, Like, Post

FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]

# (branch index, person index in the branch, audience, photos, text)
POSTS = [
    (
        0,
        2,
        "branch",
        3,
        "今天支部组织学习了党章第一章，大家结合岗位谈体会。\n我的心得：义务不是口号，是每天把工作做细。",
    ),
    (0, 0, "committee", 1, "公司党委“党员责任区”挂牌仪式顺利举行，8个支部的责任区全部亮牌。"),
    (2, 3, "committee", 4, "寒潮来袭，运检支部党员突击队连夜抢修10千伏线路，凌晨三点恢复送电。"),
    (3, 1, "branch", 1, "营业厅“党员示范岗”本月收到客户表扬信3封，继续加油！"),
    (0, 1, "branch", 0, "提醒：本周五下午支部组织生活会，请大家提前准备对照检查材料。"),
    (5, 2, "committee", 9, "城关供电所开展“电力进社区”志愿服务，为独居老人检查家用线路。"),
    (1, 4, "branch", 1, "读书分享：《习近平的七年知青岁月》，最触动我的是“为人民做实事”。"),
    (4, 0, "committee", 2, "调控中心党支部主题党日：参观县革命纪念馆，重温入党誓词。"),
    (6, 5, "committee", 1, "东城所的春耕保电服务队出发啦！"),
    (0, 2, "branch", 0, "向老刘学习：三十年抄表零差错，我们年轻人要把这份认真接过来。"),
    (7, 1, "committee", 2, "退休支部的老党员们坚持每月学习，今天学习了新修订的纪律处分条例。"),
    (2, 0, "branch", 1, "变电站安全日活动：安全无小事，党员带头查隐患。"),
]
COMMENTS = [
    "写得真好，学习了！",
    "点赞，辛苦了！",
    "向你们学习 👍",
    "我们支部下周也组织一次。",
    "照片拍得很有感觉。",
    "为党员突击队点赞！",
]
HIDDEN_POST = 8  # the organiser hides this one (kept; its author and organisers see it marked)
HIDDEN_COMMENT_TEXT = "广告：低价代办各类证书，加微信……"

PALETTE = [(183, 28, 28), (21, 101, 192), (46, 125, 50), (230, 81, 0), (106, 27, 154)]


def _font(size: int):
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return None


def draw_photo(seed: int, caption: str) -> bytes:
    """A 480×360 "photo": sky, hills, a line of power poles, a sun and a caption."""
    rng = random.Random(seed)
    width, height = 960, 720
    sky = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 6):
        t = y / height
        draw.rectangle(
            [0, y, width, y + 6],
            fill=tuple(int(c + (255 - c) * t * 0.7) for c in sky),
        )
    sun_x, sun_y = rng.randint(120, 840), rng.randint(80, 220)
    draw.ellipse([sun_x - 50, sun_y - 50, sun_x + 50, sun_y + 50], fill=(255, 213, 79))
    for layer in range(3):
        base = 430 + layer * 70
        points = [(0, height)]
        for x in range(0, width + 80, 80):
            points.append((x, base - rng.randint(0, 90)))
        points.append((width, height))
        tone = (40 + layer * 30, 110 + layer * 25, 60 + layer * 10)
        draw.polygon(points, fill=tone)
    poles = [(x, 300 + rng.randint(-20, 20)) for x in range(80, width, 200)]
    for x, top in poles:
        draw.rectangle([x - 5, top, x + 5, top + 260], fill=(60, 60, 60))
        draw.rectangle([x - 40, top + 10, x + 40, top + 18], fill=(60, 60, 60))
    for (x1, y1), (x2, y2) in itertools.pairwise(poles):
        for offset in (-36, 0, 36):
            draw.line([(x1 + offset, y1 + 12), (x2 + offset, y2 + 12)], fill=(30, 30, 30), width=2)
    font = _font(40)
    if font is not None:
        draw.rectangle([0, height - 80, width, height], fill=(255, 255, 255))
        draw.text((28, height - 66), caption[:20], font=font, fill=sky)
    # Drawn large, stored small: two renditions a photo keep `seed_demo` quick.
    image = image.resize((480, 360), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@transaction.atomic
def seed(stdout=None, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    rng = random.Random(2017_12)
    committee = OrgUnit.objects.get(name=COMMITTEE_NAME, parent=None)
    branches = list(committee.children.filter(kind=OrgUnit.Kind.BRANCH).order_by("sort_order"))
    people = [
        list(Member.objects.filter(unit=branch).active().order_by("pk")[:12]) for branch in branches
    ]
    organiser_user = get_user_model().objects.get(username="organiser")
    created = 0
    posts: list[Post] = []
    for index, (b_index, p_index, audience, n_photos, text) in enumerate(POSTS):
        author = people[b_index][p_index]
        post = Post.objects.filter(author=author, text=text).first()
        if post is None:
            photos = [
                ContentFile(
                    draw_photo(index * 10 + n, text.split("\n")[0][:12]),
                    name=f"demo-{index:02d}-{n}.jpg",
                )
                for n in range(n_photos)
            ]
            post = services.post_create(author=author, text=text, audience=audience, photos=photos)
            # Spread over the last fortnight, newest last in the list.
            when = now - datetime.timedelta(
                days=(len(POSTS) - index) * 1.2, minutes=rng.randint(0, 600)
            )
            Post.objects.filter(pk=post.pk).update(created_at=when)
            post.created_at = when
            _react(post, people, b_index, rng, when)
            if index == HIDDEN_POST:
                services.post_set_hidden(post=post, hidden=True, by=organiser_user)
            created += 1
        posts.append(post)
    if not Comment.objects.filter(text=HIDDEN_COMMENT_TEXT).exists():
        spam = Comment.objects.create(
            post=posts[1],
            author=people[3][6],
            text=HIDDEN_COMMENT_TEXT,
            created_at=posts[1].created_at + datetime.timedelta(hours=5),
        )
        services.comment_set_hidden(comment=spam, hidden=True, by=organiser_user)
    if stdout is not None:
        stdout.write(f"Sharing: {len(posts)} posts ({created} new).")
    return {"posts": posts}


def _react(post: Post, people, b_index: int, rng: random.Random, when) -> None:
    """Comments and likes from the post's audience: its branch, or anyone in the committee."""
    if post.audience == Post.Audience.BRANCH:
        audience = [m for m in people[b_index] if m.pk != post.author_id]
    else:
        audience = [m for branch in people for m in branch if m.pk != post.author_id]
    likers = rng.sample(audience, min(len(audience), rng.randint(2, 9)))
    Like.objects.bulk_create(Like(post=post, member=m) for m in likers)
    for n, commenter in enumerate(rng.sample(audience, min(len(audience), rng.randint(0, 3)))):
        Comment.objects.create(
            post=post,
            author=commenter,
            text=rng.choice(COMMENTS),
            created_at=when + datetime.timedelta(minutes=20 * (n + 1)),
        )
