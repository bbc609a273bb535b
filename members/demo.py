"""Demo organisation: a county power-supply company's Party committee, 8 branches, 186 members.

Deterministic (a fixed random seed) and idempotent: running it again finds what it made
before by natural keys and changes nothing. Other apps add their own demo data in their
`demo.seed()`, called after this one by the `seed_demo` command.
"""

from __future__ import annotations

import datetime
import random
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Member, OrgUnit, Post

DEMO_PASSWORD = "demo-pass-2017"  # noqa: S105 - documented demo credential
COMMITTEE_NAME = "国网清河县供电公司党委"
BRANCHES = [
    ("机关第一党支部", "机关一支部", "办公室", 28),
    ("机关第二党支部", "机关二支部", "发展建设部", 25),
    ("运维检修党支部", "运检支部", "运维检修部", 24),
    ("营销服务党支部", "营销支部", "营销部", 23),
    ("电力调度控制中心党支部", "调控支部", "电力调度控制中心", 22),
    ("城关供电所党支部", "城关所支部", "城关供电所", 22),
    ("东城供电所党支部", "东城所支部", "东城供电所", 21),
    ("退休职工党支部", "退休支部", "离退休服务中心", 21),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志海峰波宁斌宇浩凯鑫晨欣怡佳琪晓东雪梅立新春燕文博俊子涵思远振华德明卫东国庆"
JOBS = [
    "变电运维工",
    "配电线路工",
    "营业厅客户经理",
    "调度员",
    "专责",
    "班长",
    "工程师",
    "会计",
    "办事员",
    "抄表核算员",
    "电能计量工",
    "安全员",
]
NATIVE = ["河北清河", "河北邢台", "河北威县", "山东临清", "河北南宫", "河北衡水", "河北石家庄"]
EDUCATION_WEIGHTS = [
    (Member.Education.MASTER, 1),
    (Member.Education.BACHELOR, 6),
    (Member.Education.COLLEGE, 5),
    (Member.Education.VOCATIONAL, 2),
    (Member.Education.HIGH_SCHOOL, 1),
]
# (branch index, person index) of the demo logins that are members.
DEMO_PEOPLE = {(0, 0): "organiser", (0, 1): "secretary", (0, 2): "member"}
DEMO_LOGINS = [
    ("organiser", "Committee organiser: keeps the whole committee's records"),
    ("secretary", "Secretary of the first office branch"),
    ("member", "A member of the first office branch"),
    ("staff", "A staff user who is not a Party member"),
    ("liaison", "Liaison officer of the first office branch: handles its help requests"),
]


def _id_number(rng: random.Random, born: datetime.date, gender: str) -> str:
    body = f"130534{born:%Y%m%d}{rng.randint(10, 99)}{rng.choice('13579' if gender == 'male' else '02468')}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _stage_dates(rng: random.Random, born: datetime.date, stage: str, today: datetime.date) -> dict:
    """Plausible dates for each stage passed, in order, ending at or before today."""
    order = [s for s, _f in Member.STAGE_DATES]
    reached = order.index(stage)
    # Full members joined long ago; the earlier stages are recent.
    recent = {
        Member.Stage.APPLICANT: 120,
        Member.Stage.ACTIVIST: 400,
        Member.Stage.CANDIDATE: 700,
        Member.Stage.PROBATIONARY: 1000,
    }
    if stage == Member.Stage.FULL:
        start = born.replace(year=born.year + 20) + datetime.timedelta(days=rng.randint(0, 3000))
        start = min(start, today - datetime.timedelta(days=800))
    else:
        start = today - datetime.timedelta(days=recent[stage] + rng.randint(0, 200))
    if stage == Member.Stage.PROBATIONARY and rng.random() < 0.25:
        start = today - datetime.timedelta(days=1500)  # a few are overdue for conversion
    gaps = [
        rng.randint(60, 200),
        rng.randint(300, 420),
        rng.randint(90, 200),
        rng.randint(365, 400),
    ]
    dates, day = {}, start
    for index, (_stage, field) in enumerate(Member.STAGE_DATES[: reached + 1]):
        dates[field] = min(day, today)
        if index < len(gaps):
            day = day + datetime.timedelta(days=gaps[index])
    if stage == Member.Stage.PROBATIONARY and dates["probationary_on"] > today - datetime.timedelta(
        days=30
    ):
        dates["probationary_on"] = today - datetime.timedelta(days=30)
    return dates


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Hashing is slow on purpose; the demo's two hundred logins share one hash.
    return make_password(DEMO_PASSWORD)


def _users(logins) -> dict:
    """The demo logins by username, creating the missing ones in one query."""
    User = get_user_model()
    logins = list(logins)
    users = User.objects.in_bulk([login["username"] for login in logins], field_name="username")
    missing = [
        User(password=_demo_password_hash(), **login)
        for login in logins
        if login["username"] not in users
    ]
    User.objects.bulk_create(missing)
    if missing and missing[0].pk is None:
        return User.objects.in_bulk([login["username"] for login in logins], field_name="username")
    users.update({user.username: user for user in missing})
    return users


def _user(username: str, *, first_name: str = "", email: str = ""):
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "email": email, "password": _demo_password_hash()},
    )
    return user


@transaction.atomic
def seed(stdout=None, today: datetime.date | None = None) -> dict:
    today = today or datetime.date(2026, 11, 24)
    rng = random.Random(2017)
    committee, _ = OrgUnit.objects.get_or_create(
        name=COMMITTEE_NAME,
        parent=None,
        defaults={
            "kind": OrgUnit.Kind.COMMITTEE,
            "short_name": "清河县公司党委",
            "founded_on": datetime.date(1998, 7, 1),
            "description": "国网清河县供电公司党委下设8个党支部，负责全公司党员的教育管理和党建工作。",
        },
    )
    branches = []
    for order, (name, short, _dept, _size) in enumerate(BRANCHES, start=1):
        branch, _ = OrgUnit.objects.get_or_create(
            name=name,
            parent=committee,
            defaults={
                "kind": OrgUnit.Kind.BRANCH,
                "short_name": short,
                "sort_order": order,
                "founded_on": datetime.date(2005 + order, 7, 1),
            },
        )
        branches.append(branch)

    used_names: set[str] = set()
    members_by_branch: list[list[Member]] = []
    planned: list[tuple[int, int, int, Member]] = []  # branch index, index, serial, member
    serial = 0
    for branch, (_name, _short, dept, size) in zip(branches, BRANCHES, strict=True):
        for index in range(size):
            serial += 1
            gender = Member.Gender.MALE if rng.random() < 0.68 else Member.Gender.FEMALE
            while True:
                name = rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2]))
                )
                if name not in used_names:
                    used_names.add(name)
                    break
            retired = branch.sort_order == 8
            born = datetime.date(
                rng.randint(1945, 1962) if retired else rng.randint(1966, 2001),
                rng.randint(1, 12),
                rng.randint(1, 28),
            )
            roll = rng.random()
            if retired or roll < 0.78 or index < 3:
                stage = Member.Stage.FULL
            elif roll < 0.86:
                stage = Member.Stage.PROBATIONARY
            elif roll < 0.91:
                stage = Member.Stage.CANDIDATE
            elif roll < 0.96:
                stage = Member.Stage.ACTIVIST
            else:
                stage = Member.Stage.APPLICANT
            id_number = _id_number(rng, born, gender)
            education = rng.choices(*zip(*EDUCATION_WEIGHTS, strict=True))[0]
            # Every random draw happens whether or not the member exists, so that a second
            # run walks the same sequence and finds the same people.
            fields = {
                "unit": branch,
                "name": name,
                "gender": gender,
                "birth_date": born,
                "native_place": rng.choice(NATIVE),
                "education": education,
                "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "home_address": f"清河县{rng.choice(['葛仙庄镇', '连庄镇', '油坊镇', '谢炉镇', '城关镇'])}{rng.randint(1, 200)}号",
                "department": dept,
                "job_title": "退休职工" if retired else rng.choice(JOBS),
                "stage": stage,
                **_stage_dates(rng, born, stage, today),
            }
            planned.append(
                (len(members_by_branch), index, serial, Member(id_number=id_number, **fields))
            )
        members_by_branch.append([])

    # A handful of queries, not a few per person: find what exists by ID number, then
    # create the missing logins and members in bulk (with their history entries).
    existing = {
        m.id_number: m
        for m in Member.objects.filter(id_number__in=[p[3].id_number for p in planned])
    }

    # Portal coverage: most members have a login; retired members more rarely. The demo
    # logins belong to the first three people of the first branch.
    coverage_rng = random.Random(186)
    logins: dict[str, dict] = {}
    for b_index, m_index, serial, member in planned:
        draw = coverage_rng.random()
        known = existing.get(member.id_number)
        if known is not None and known.user_id:
            continue
        username = DEMO_PEOPLE.get((b_index, m_index))
        share = 0.45 if b_index == 7 else 0.9
        if username is None and (m_index < 3 or draw < share):
            username = f"m{serial:04d}"
        if username is not None:
            email = f"{username}@example.com" if (b_index, m_index) in DEMO_PEOPLE else ""
            logins[member.id_number] = {
                "username": username,
                "first_name": member.name,
                "email": email,
            }
    users = _users(logins.values())

    new_members, linked = [], []
    for b_index, _m_index, _serial, member in planned:
        login = logins.get(member.id_number)
        known = existing.get(member.id_number)
        if known is None:
            member.user = users[login["username"]] if login else None
            member.full_clean(exclude=["unit", "user"], validate_unique=False)
            new_members.append(member)
        else:
            member = known
            if login:
                member.user = users[login["username"]]
                linked.append(member)
        members_by_branch[b_index].append(member)
    bulk_create_with_history(new_members, Member, batch_size=500)
    if linked:
        bulk_update_with_history(linked, Member, ["user"], batch_size=500)
    # bulk_create fills in the primary keys (SQLite 3.35+, PostgreSQL); fetch them otherwise.
    if new_members and new_members[0].pk is None:
        by_id = Member.objects.in_bulk([m.id_number for m in new_members], field_name="id_number")
        members_by_branch = [
            [by_id.get(m.id_number, m) for m in people] for people in members_by_branch
        ]

    # Demo logins: the organiser is the committee's organiser and a member of the first
    # branch; the secretary runs the first branch; the member is an ordinary member there.
    # (A database seeded by an older version gave them other logins first: move them over.)
    first = members_by_branch[0]
    demo_people = {"organiser": first[0], "secretary": first[1], "member": first[2]}
    for username, member in demo_people.items():
        user = _user(username, first_name=member.name, email=f"{username}@example.com")
        if member.user_id != user.pk:
            old = member.user
            Member.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
            member.user = user
            member.save(update_fields=["user"])
            if old is not None and old.username.startswith("m"):
                old.delete()
    _user("staff", first_name="赵晓雨", email="staff@example.com")

    post_start = datetime.date(2024, 3, 1)

    wanted = [(first[0], committee, Post.Kind.ORGANISER)]
    for branch, people in zip(branches, members_by_branch, strict=True):
        offset = 1 if branch == branches[0] else 0
        wanted += [
            (people[offset], branch, Post.Kind.SECRETARY),
            (people[offset + 1] if offset == 0 else people[3], branch, Post.Kind.ORGANISATION),
            (people[offset + 4], branch, Post.Kind.PUBLICITY),
            (people[offset + 5], branch, Post.Kind.LIAISON),
        ]
    held = set(
        Post.objects.filter(unit__in=[committee, *branches]).values_list(
            "member_id", "unit_id", "kind"
        )
    )
    bulk_create_with_history(
        [
            Post(member=member, unit=unit, kind=kind, start_on=post_start)
            for member, unit, kind in wanted
            if (member.pk, unit.pk, kind) not in held
        ],
        Post,
    )

    _seed_help_requests(
        today=today, branches=branches, members_by_branch=members_by_branch, stdout=stdout
    )

    result = {"committee": committee, "branches": branches, "members": members_by_branch}
    if stdout is not None:
        stdout.write(
            f"Organisation: {committee.name}, {len(branches)} branches, "
            f"{Member.objects.filter(unit__path__startswith=committee.path).count()} members."
        )
    return result


# --- help requests (连心桥) --------------------------------------------------------------------
# (author index in branch 1, title, category, text, days ago, state)
DEMO_HELP = [
    (
        2,
        "孩子入学报名材料不全",
        "family",
        "孩子明年上小学，户籍材料还差一份证明，跑了两次都没办成，想请组织帮忙问问需要找哪个部门。",
        5,
        "new",
    ),
    (
        2,
        "父亲住院，值班需要调整",
        "health",
        "父亲因病住院两周，家里只有我能照顾，本月的夜班想请组织协调调整一下。",
        2,
        "taken",
    ),
    (
        7,
        "老旧小区用电线路老化",
        "life",
        "我家所在的老小区楼道线路老化，雨天经常跳闸，想请组织帮忙联系物业和社区。",
        30,
        "resolved",
    ),
]


def _seed_help_requests(*, today, branches, members_by_branch, stdout=None) -> None:
    """A few requests in branch 1: one new and untouched for more than three days (flagged),
    one taken by the branch's liaison officer with notes, one resolved. Found again by
    author and title, so a second run changes nothing. The branch's liaison officer gets
    the login "liaison" when they have none, so the queue can be tried out."""
    from .models import HelpRequest, HelpRequestNote

    first = members_by_branch[0]
    liaison_post = (
        Post.objects.current(today)
        .filter(unit=branches[0], kind=Post.Kind.LIAISON)
        .select_related("member__user")
        .first()
    )
    if liaison_post is None:  # a database seeded by hand: give the branch its liaison
        liaison_post = Post.objects.create(
            member=first[5], unit=branches[0], kind=Post.Kind.LIAISON, start_on=today
        )
    liaison = liaison_post.member
    if liaison.user is None:
        liaison.user = _user("liaison", first_name=liaison.name, email="liaison@example.com")
        # Linking the demo login is part of making the record, like the bulk creation above:
        # no history entry of its own.
        Member.objects.filter(pk=liaison.pk).update(user=liaison.user)
    handler = liaison.user
    if stdout is not None:
        stdout.write(
            f"Help requests: liaison officer of {branches[0].name} is {liaison.name} "
            f"(login {handler.username})."
        )
    morning = datetime.datetime.combine(today, datetime.time(9, 30), tzinfo=datetime.UTC)
    for author_index, title, category, text, days_ago, state in DEMO_HELP:
        author = first[author_index]
        if HelpRequest.objects.filter(author=author, title=title).exists():
            continue
        filed = morning - datetime.timedelta(days=days_ago)
        help_request = HelpRequest(
            author=author,
            unit=branches[0],
            category=category,
            title=title,
            text=text,
            created_at=filed,
            last_activity_at=filed,
        )
        notes = []
        if state in ("taken", "resolved"):
            taken = filed + datetime.timedelta(hours=3)
            help_request.status = HelpRequest.Status.TAKEN
            help_request.taken_by = handler
            help_request.taken_at = taken
            help_request.last_activity_at = taken
            notes = [
                ("已电话联系本人，了解具体情况。", False, taken),
                ("组织已收到，正在协调，请放心。", True, taken + datetime.timedelta(hours=1)),
            ]
        if state == "resolved":
            resolved = filed + datetime.timedelta(days=4)
            help_request.status = HelpRequest.Status.RESOLVED
            help_request.resolved_by = handler
            help_request.resolved_at = resolved
            help_request.last_activity_at = resolved
            help_request.resolution = "已联系社区和物业，楼道线路已于本周更换完毕。"
        help_request._history_user = handler if state != "new" else author.user
        help_request.save()
        for note_text, visible, at in notes:
            note = HelpRequestNote(
                request=help_request,
                author=handler,
                text=note_text,
                visible_to_member=visible,
                created_at=at,
            )
            note._history_user = handler
            note.save()
