"""The provincial-scale data set behind `manage.py seed_scale`, for benchmarks and load tests.

At scale 1.0: one provincial committee, 150 county committees (some with general branches),
3,000 branches, 100,000 members each with a login, posts in every unit, 2,000 lessons (some
in study plans), 5,000,000 study records over three years, twelve published quarters of both
red-banner appraisals in every county and of the provincial branch ranking (criteria, score
sheets, scores, ranks, banner holders) plus the current quarter open for scoring, notices
with read receipts, notifications, help requests, model stories and sharing posts.
Every figure is proportional to `scale`.

How it is written, and why:

- Speed. Nothing goes through `Model.save()` or per-object signals. Units, people, lessons,
  campaigns and the other parent rows are written with `bulk_create` in large batches; the
  rows counted in millions (study records, score sheets, scores, results, notice reads,
  likes, notifications) are streamed: `COPY … FROM STDIN` on PostgreSQL, `executemany` on
  other databases. Primary keys are assigned here (after the tables' current maximum), so
  that no row has to be read back, and the sequences are reset at the end. On PostgreSQL the
  load runs with `session_replication_role = replica` when the role may set it (a
  superuser): foreign-key triggers would otherwise check and lock a parent row for each of
  the millions of child rows (a role that is not a superuser still works, more slowly, with
  the checks queued until the commit). The keys are consistent by construction, and the SQLite run of
  the tests (which checks every foreign key at commit) proves it. `ANALYZE` runs at the end.
- One password hash (`make_password` once) is shared by every login.
- Memory stays bounded (about 250 MB at scale 1.0): people are kept as small slotted records,
  parent rows are written every few thousand, and streamed rows every `CHUNK` rows.
- Derived columns that `save()` would fill are filled here: `OrgUnit.path`/`depth`,
  `Lesson.body_text`, `Campaign.title`.
- No history. django-simple-history records nothing for these bulk rows (its tables stay
  empty for them); every change made afterwards through the portal is recorded as usual.
- Deterministic: the same `seed` and `today` give the same rows (each step draws from its
  own random generator, so a change to one step does not reshuffle the others).
"""

from __future__ import annotations

import datetime
import html
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from campaigns.demo import BRANCH_CRITERIA, MEMBER_CRITERIA
from campaigns.models import (
    Adjustment,
    Campaign,
    Criterion,
    Result,
    Score,
    ScoreSheet,
    Story,
    StoryLike,
)
from lessons.demo import PARAGRAPHS, QUESTIONS, SERIES
from lessons.models import (
    Lesson,
    LessonAudience,
    LessonLike,
    PlanItem,
    PlanUnit,
    Question,
    Reflection,
    Series,
    StudyPlan,
    StudyRecord,
    Tag,
)
from lessons.sanitise import clean_html, plain_text
from lessons.textsearch import grams
from members.demo import EDUCATION_WEIGHTS, GIVEN, JOBS, SURNAMES, _stage_dates
from members.models import HelpRequest, HelpRequestNote, Member, OrgUnit, Post
from members.recounts import recount_all
from notices.models import Kind, Notice, NoticeAudience, NoticeRead, Notification
from sharing.models import Comment as SharingComment
from sharing.models import Like as SharingLike
from sharing.models import Post as SharingPost

PASSWORD = "scale-pass-2026"  # noqa: S105 - documented benchmark credential, shared by every login
NAMED_LOGINS = [
    ("scale-province", "organiser of the provincial committee (the whole province)"),
    ("scale-county", "organiser of a county committee of above-median size"),
    ("scale-secretary", "secretary of a large branch in that county"),
    ("scale-member", "an ordinary member of that branch"),
]
CHUNK = 50_000  # streamed rows held in memory per table before they are written

FULL = {
    "counties": 150,
    "branches": 3_000,
    "members": 100_000,
    "lessons": 2_000,
    "study_records": 5_000_000,
}
QUARTERS = 12  # published quarters of each appraisal; the current quarter is open on top

PROVINCE = ("国网河北省电力有限公司党委", "省公司党委")
PLACE_FIRST = "清安永宁兴丰隆新定昌文武长东西南北临广太和嘉宝富阳平乐康泰德庆"
PLACE_SECOND = "河平水城州阳安山原泽丘县台林乡宁丰源川口亭化邑田陵"
# (name, short name, kind of work, weight of its membership)
COUNTY_BRANCHES = [
    ("机关第一党支部", "机关一支部", "办公室", 1.3),
    ("运维检修党支部", "运检支部", "运维检修部", 1.2),
    ("营销服务党支部", "营销支部", "营销部", 1.1),
    ("机关第二党支部", "机关二支部", "发展建设部", 1.1),
    ("电力调度控制中心党支部", "调控支部", "电力调度控制中心", 0.8),
    ("退休职工党支部", "退休支部", "离退休服务中心", 1.5),
]
RETIRED = "退休职工党支部"
OPS_GENERAL = ("运维检修党总支", "运检总支", "运维检修部")
OPS_SUB = ["变电运维党支部", "输电运检党支部", "配电运检党支部", "带电作业党支部", "电缆运检党支部"]
SALES_GENERAL = ("营销服务党总支", "营销总支", "营销部")
SALES_SUB = ["客户服务中心党支部", "计量中心党支部", "营业厅党支部"]
PROVINCE_BRANCHES = [
    "省公司机关第一党支部",
    "省公司机关第二党支部",
    "省公司机关第三党支部",
    "电力科学研究院党支部",
    "经济技术研究院党支部",
    "信息通信分公司党支部",
    "物资分公司党支部",
    "培训中心党支部",
    "超高压分公司党支部",
    "营销服务中心党支部",
    "财务共享中心党支部",
    "离退休工作部党支部",
]
EXTRA_SERIES = [
    ("党史学习", "学党史、悟思想、办实事、开新局"),
    ("安全生产", "安全第一，预防为主"),
    ("优质服务", "人民电业为人民"),
    ("理论前沿", "新思想、新论断、新要求"),
]
EXTRA_PARAGRAPHS = [
    [
        "回望党的百年奋斗历程，我们更加深刻地认识到，坚持党的领导是我们事业取得胜利的根本保证。",
        "学习党史，要做到学史明理、学史增信、学史崇德、学史力行，把学习成效转化为推动工作的强大动力。",
        "一代又一代电力人在党的领导下艰苦奋斗，让千家万户用上了安全可靠的电。",
        "支部要把党史学习教育同为群众办实事结合起来，解决好群众急难愁盼的用电问题。",
    ],
    [
        "安全生产是电网企业的生命线。每一名党员都要牢固树立“安全第一”的思想，做到不伤害自己、不伤害他人、不被他人伤害。",
        "现场作业必须严格执行工作票制度和“两票三制”，杜绝无票作业、超范围作业。",
        "党员安全责任区要亮身份、亮职责、亮承诺，带头查隐患、反违章。",
        "近期几起事故的教训告诉我们，安全规程是用血的代价换来的，必须不折不扣地执行。",
    ],
    [
        "优质服务是供电企业的立身之本。我们要坚持“人民电业为人民”的宗旨，让客户用上放心电、满意电。",
        "营业厅党员示范岗要做到一次告知、一站式服务，减少客户跑腿次数。",
        "抢修人员要在承诺时限内到达现场，及时向客户说明故障原因和恢复时间。",
        "把客户的每一次投诉都当作改进工作的机会，持续提升供电服务水平。",
    ],
    [
        "理论学习要原原本本学、逐字逐句悟，真正做到学懂弄通做实。",
        "要把学习成果转化为推动高质量发展的思路举措，落实到电网建设和经营管理的各个环节。",
        "党员干部要带头学、深入学，发挥示范引领作用，带动全体职工共同提高。",
        "支部要创新学习方式，用好微课堂、主题党日等载体，让理论学习更加生动鲜活。",
    ],
]
GENERIC_PARAGRAPHS = [
    "本期微课堂结合供电企业实际，围绕党员在岗位上发挥先锋模范作用展开，请各位党员认真学习、深入思考。",
    "学习结束后，请结合本职工作撰写学习心得，在支部内交流分享，做到学有所思、学有所得。",
    "各党支部要把学习情况纳入流动红旗评比，定期通报学习进度，确保学习全覆盖。",
    "希望大家以这次学习为契机，进一步增强党性观念，在平凡岗位上创造不平凡的业绩。",
    "在迎峰度夏、抗洪保电等急难险重任务中，党员突击队始终冲锋在前，展现了新时代电力人的精神风貌。",
    "一名党员就是一面旗帜。我们要时刻以党员标准严格要求自己，立足岗位作贡献。",
]
TOPICS = [
    "学习要点",
    "专题辅导",
    "案例剖析",
    "知识问答",
    "原文导读",
    "经验交流",
    "身边榜样",
    "警示教育",
    "重点解读",
    "实践探索",
]
TAGS = [
    "党章",
    "组织生活",
    "合格党员",
    "党费",
    "廉洁",
    "警示教育",
    "家风",
    "诚信",
    "敬业",
    "志愿服务",
    "劳模",
    "保电",
    "乡村振兴",
    "创新",
    "青年",
    "党史",
    "安全",
    "优质服务",
    "理论学习",
    "三会一课",
]
NOTICE_TEMPLATES = [
    "关于开展{year}年{month}月主题党日活动的通知",
    "关于做好{year}年第{quarter}季度党费收缴工作的通知",
    "关于报送{year}年第{quarter}季度流动红旗评比材料的通知",
    "关于开展{year}年度民主评议党员工作的通知",
    "关于{month}月份安全生产专项检查的通知",
    "关于组织学习微课堂专题课程的通知",
    "关于节日期间严守廉洁纪律的提醒",
    "关于推荐{year}年度优秀共产党员的通知",
]
NOTICE_BODY = [
    "根据党委工作安排，请各支部认真组织、精心部署，确保各项工作按时保质完成。",
    "请各支部于本月底前将有关材料报党委组织部，逾期未报的将在流动红旗评比中扣分。",
    "各支部书记要切实履行第一责任人职责，做好宣传动员，确保全体党员知晓、参与。",
    "活动中要注意安全，做好记录和影像资料的收集整理，活动结束后及时上传系统。",
    "联系人：党委组织部，联系电话：0311-8888XXXX。",
]
HELP_TOPICS = [
    (
        "family",
        "孩子入学报名材料不全",
        "孩子明年上小学，户籍材料还差一份证明，想请组织帮忙问问需要找哪个部门。",
    ),
    (
        "health",
        "家人住院，值班需要调整",
        "家人因病住院，家里只有我能照顾，本月的夜班想请组织协调调整一下。",
    ),
    (
        "life",
        "老旧小区用电线路老化",
        "我家所在的老小区楼道线路老化，雨天经常跳闸，想请组织帮忙联系物业和社区。",
    ),
    (
        "work",
        "新岗位技能培训需求",
        "刚调到新岗位，对继电保护设备还不熟悉，希望组织安排师傅带一带。",
    ),
    ("life", "异地工作住宿困难", "长期驻站工作，周边租房困难，想了解公司有没有周转宿舍。"),
    (
        "family",
        "老人独居需要照看",
        "父母年迈独居在农村，想请组织帮忙联系村里的党员志愿者定期看望。",
    ),
    ("other", "党组织关系转接咨询", "爱人的党组织关系要从外省转入，想咨询需要准备哪些材料。"),
]
HELP_NOTES = [
    "已电话联系本人，了解具体情况。",
    "组织已收到，正在协调，请放心。",
    "已与相关部门沟通，预计本周内答复。",
]
STORY_TEMPLATES = [
    (
        "good_deed",
        "深夜抢修，万家灯火",
        "寒潮来袭的深夜，10千伏线路故障，{name}带领抢修队冒雪巡线六个小时，天亮前恢复了全部用户供电。",
    ),
    (
        "good_person",
        "营业厅里的暖心人",
        "{name}在营业厅工作十二年，为行动不便的老人上门办理业务上百次，自费为等候的客户准备热水和老花镜。",
    ),
    (
        "exemplar",
        "扎根供电所的“老黄牛”",
        "{name}三十年扎根基层供电所，走遍辖区每一根电杆，带出的徒弟有八人成为班组骨干。",
    ),
    (
        "good_deed",
        "河边救起落水儿童",
        "下班路上听到呼救，{name}跳入冰冷的河水救起落水儿童，悄悄离开，直到家长送来锦旗同事们才知道。",
    ),
    (
        "exemplar",
        "带电作业二十年零事故",
        "{name}带领带电作业班完成上千次作业，二十年保持零事故，让群众少停电、不停电。",
    ),
    (
        "good_person",
        "驻村书记的电力帮扶",
        "{name}驻村三年，为村里争取电网改造项目，村里的果园和加工厂用上了稳定的动力电。",
    ),
]
SHARING_TEXTS = [
    "今天支部组织学习了党章，大家结合岗位谈体会。我的心得：义务不是口号，是每天把工作做细。",
    "寒潮来袭，党员突击队连夜抢修10千伏线路，凌晨三点恢复送电。",
    "营业厅“党员示范岗”本月收到客户表扬信3封，继续加油！",
    "提醒：本周五下午支部组织生活会，请大家提前准备对照检查材料。",
    "开展“电力进社区”志愿服务，为独居老人检查家用线路。",
    "主题党日：参观革命纪念馆，重温入党誓词。",
    "春耕保电服务队出发啦！",
    "变电站安全日活动：安全无小事，党员带头查隐患。",
    "读书分享：最触动我的是“为人民做实事”这几个字。",
]
COMMENT_TEXTS = [
    "写得真好，学习了！",
    "点赞，辛苦了！",
    "向你们学习 👍",
    "我们支部下周也组织一次。",
]
REFLECTION_TEXTS = [
    "学习了这一课，感觉很有收获，要在岗位上发挥党员作用。",
    "对照标准查找差距，今后要更加严格要求自己。",
    "故事很感人，平凡岗位也能做出不平凡的事。",
    "要把学习成果转化为优质服务的实际行动。",
    "廉洁从业是底线，一定要守住。",
    "向先进学习，争做合格党员！",
]
BONUS_REASONS = ["迎峰度夏保供电表现突出", "获公司级先进个人表彰", "志愿服务时长突出"]
DEDUCTION_REASONS = ["主题党日无故缺席一次", "学习计划逾期未完成"]


# --- the plan: how many of each ------------------------------------------------------------------
def plan(scale: float) -> dict[str, int]:
    """The figures for `scale`, with floors that keep a tiny organisation a real tree."""
    counties = max(2, round(FULL["counties"] * scale))
    branches = max(3 * counties + 1, round(FULL["branches"] * scale))
    members = max(10 * branches, round(FULL["members"] * scale))
    return {
        "counties": counties,
        "province_branches": max(1, min(len(PROVINCE_BRANCHES), round(12 * scale))),
        "branches": branches,
        "members": members,
        "lessons": max(40, round(FULL["lessons"] * scale)),
        "study_records": max(members, round(FULL["study_records"] * scale)),
        "help_requests": max(3, round(members * 0.02)),
        "sharing_posts": max(10, round(members * 0.15)),
    }


# --- writing rows ---------------------------------------------------------------------------------
class Writer:
    """Explicit primary keys, `bulk_create` for parent rows and a streamed path for big tables."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.next_ids: dict[type[models.Model], int] = {}
        self.buffers: dict[type[models.Model], list[tuple]] = {}
        self.columns: dict[type[models.Model], list[str]] = {}
        self.models: set[type[models.Model]] = set()

    def ids(self, model: type[models.Model], count: int) -> range:
        if model not in self.next_ids:
            self.next_ids[model] = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        start = self.next_ids[model]
        self.next_ids[model] = start + count
        self.models.add(model)
        return range(start, start + count)

    def next_id(self, model: type[models.Model]) -> int:
        return self.ids(model, 1)[0]

    def bulk(self, model: type[models.Model], objects: list) -> None:
        if not objects:
            return
        missing = [obj for obj in objects if obj.pk is None]
        for obj, pk in zip(missing, self.ids(model, len(missing)), strict=True):
            obj.pk = pk
        batch = 5_000 if self.postgres else None
        model._default_manager.bulk_create(objects, batch_size=batch)

    # Streamed rows: tuples in the order of `fields` (the primary key first, given by `add`).
    def declare(self, model: type[models.Model], fields: list[str]) -> None:
        meta = model._meta
        self.columns[model] = [meta.get_field(name).column for name in fields]
        self.buffers[model] = []
        self.models.add(model)

    def add(self, model: type[models.Model], row: tuple) -> int:
        pk = self.next_id(model)
        self.buffers[model].append((pk, *row))
        if len(self.buffers[model]) >= CHUNK:
            self.flush(model)
        return pk

    def flush(self, model: type[models.Model] | None = None) -> None:
        for target in [model] if model else list(self.buffers):
            rows = self.buffers.get(target)
            if rows:
                self._write(target, rows)
                self.buffers[target] = []

    def _write(self, model: type[models.Model], rows: list[tuple]) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in ["id", *self.columns[model]])
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names from the models
                    [tuple(_portable(v) for v in row) for row in rows],
                )

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), sorted(self.models, key=str))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _portable(value):
    """What the SQLite driver stores for a value, as Django's own fields would write it."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- the build ------------------------------------------------------------------------------------
@dataclass
class Person:
    """The few facts about a member that later steps need (kept small: 100,000 of them)."""

    __slots__ = ("branch", "county", "id", "joined", "left_on", "name", "party", "user")
    id: int
    user: int
    name: str
    branch: int  # the unit's primary key
    county: int  # index into Build.counties, -1 for the province's own branches
    party: bool  # a probationary or full member on the roll today
    joined: datetime.date | None  # admitted as probationary member
    left_on: datetime.date | None  # status changed (left, moved out, died), None if on the roll


@dataclass
class BranchInfo:
    unit: OrgUnit
    county: int
    size: int = 0
    retired: bool = False
    people: list[Person] = field(default_factory=list)
    secretary_user: int | None = None
    liaison_user: int | None = None


@dataclass
class Build:
    scale: float
    seed: int
    today: datetime.date
    log: Callable[[str], None]
    figures: dict = field(default_factory=dict)
    writer: Writer = field(default_factory=Writer)
    timings: list[tuple[str, float]] = field(default_factory=list)
    province: OrgUnit | None = None
    counties: list[OrgUnit] = field(default_factory=list)
    general: list[OrgUnit] = field(default_factory=list)
    branches: list[BranchInfo] = field(default_factory=list)
    by_unit: dict[int, BranchInfo] = field(default_factory=dict)
    organisers: dict[int, int] = field(default_factory=dict)  # committee pk -> organiser's user
    named: dict[str, Person] = field(default_factory=dict)
    named_units: dict[str, OrgUnit] = field(default_factory=dict)
    # Readable lessons: (pk, publish_at, county indexes addressed or None for all, has a check)
    lessons: list[tuple] = field(default_factory=list)
    plan_lessons: set[int] = field(default_factory=set)
    author_branch: dict[int, int] = field(default_factory=dict)  # member pk -> branch pk

    def __post_init__(self) -> None:
        self.figures = plan(self.scale)
        tz = timezone.get_current_timezone()
        # "Now" is the start of `today`, so that the data is the same all day long and
        # everything "published" is already published, whatever the hour of the run.
        self.now = datetime.datetime.combine(self.today, datetime.time(0, 0), tzinfo=tz)

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}-{step}")  # noqa: S311 - made-up data, not secrets

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.now.tzinfo)


def build(*, scale: float, seed: int, today: datetime.date, log: Callable[[str], None]) -> Build:
    """Write the whole data set in one transaction (all or nothing)."""
    b = Build(scale=scale, seed=seed, today=today, log=log)
    steps = [
        ("organisation", _organisation),
        ("members and logins", _people),
        ("posts", _posts),
        ("lessons and plans", _lessons),
        ("study records", _study_records),
        ("appraisals", _campaigns),
        ("notices and notifications", _notices),
        ("help requests, stories, sharing", _community),
        # The bulk inserts bypass the code that keeps figures in tables: counted once, before
        # the statistics of the planner are gathered, so that those tables have theirs too.
        ("recount kept figures", lambda b: recount_all(fix=True)),
    ]
    with transaction.atomic():
        _fast_load()
        for name, step in steps:
            started = time.monotonic()
            log(f"{name} …")
            step(b)
            b.writer.flush()
            b.timings.append((name, time.monotonic() - started))
            connection.queries_log.clear()  # with DEBUG on, the logged SQL would pile up
            log(f"{name}: {b.timings[-1][1]:.1f} s")
        b.writer.reset_sequences()
    started = time.monotonic()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # VACUUM too: it fills the visibility map, without which PostgreSQL cannot count
            # 5,000,000 study records from an index alone (and autovacuum may be off).
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")  # fresh statistics for the planner (both databases)
    b.timings.append(("analyze", time.monotonic() - started))
    return b


def _fast_load() -> None:
    """PostgreSQL: skip the foreign-key triggers for this transaction when allowed (see the
    module's docstring); elsewhere nothing to do."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


# --- step 1: the organisation -----------------------------------------------------------------
def _split(total: int, weights: list[float], floor: int) -> list[int]:
    """`total` shared out in proportion to `weights`, each at least `floor` (largest remainder)."""
    spare = total - floor * len(weights)
    whole = sum(weights)
    shares = [spare * w / whole for w in weights]
    counts = [floor + int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _place_names(rng: random.Random, count: int) -> list[str]:
    names = [a + b for a in PLACE_FIRST for b in PLACE_SECOND if a != b]
    rng.shuffle(names)
    if count > len(names):  # beyond ~800 places: number them
        names += [
            f"{names[i % len(names)]}{i // len(names) + 1}" for i in range(count - len(names))
        ]
    return names[:count]


def _unit(b: Build, *, name, short, kind, parent, order, founded) -> OrgUnit:
    pk = b.writer.next_id(OrgUnit)
    path = f"{parent.path if parent else ''}{pk:06d}."
    return OrgUnit(
        pk=pk,
        name=name,
        short_name=short,
        kind=kind,
        parent=parent,
        path=path,
        depth=len(path) // 7 - 1,
        sort_order=order,
        founded_on=founded,
    )


def _organisation(b: Build) -> None:
    rng = b.rng("organisation")
    f = b.figures
    units: list[OrgUnit] = []
    b.province = _unit(
        b,
        name=PROVINCE[0],
        short=PROVINCE[1],
        kind=OrgUnit.Kind.COMMITTEE,
        parent=None,
        order=0,
        founded=datetime.date(1995, 7, 1),
    )
    b.province.description = "省公司党委下设各县供电公司党委和省公司直属党支部。"
    units.append(b.province)

    def branch(name, short, parent, county, order, retired=False):
        unit = _unit(
            b,
            name=name,
            short=short,
            kind=OrgUnit.Kind.BRANCH,
            parent=parent,
            order=order,
            founded=datetime.date(rng.randint(1998, 2020), 7, 1),
        )
        units.append(unit)
        info = BranchInfo(unit=unit, county=county, retired=retired)
        b.branches.append(info)
        b.by_unit[unit.pk] = info

    for order, name in enumerate(PROVINCE_BRANCHES[: f["province_branches"]], start=1):
        branch(name, name.replace("省公司", "").replace("党支部", "支部"), b.province, -1, order)

    places = _place_names(rng, f["counties"] * 9)
    county_places, towns = places[: f["counties"]], places[f["counties"] :]
    per_county = _split(
        f["branches"] - f["province_branches"],
        [rng.lognormvariate(0, 0.35) for _ in range(f["counties"])],
        3,
    )
    town_index = 0
    for c_index, (place, n) in enumerate(zip(county_places, per_county, strict=True)):
        suffix = "市" if c_index % 7 == 3 else "县"
        county = _unit(
            b,
            name=f"国网{place}{suffix}供电公司党委",
            short=f"{place}{suffix}公司党委",
            kind=OrgUnit.Kind.COMMITTEE,
            parent=b.province,
            order=c_index + 1,
            founded=datetime.date(rng.randint(1985, 2005), 7, 1),
        )
        units.append(county)
        b.counties.append(county)
        label = f"{place}{suffix}"
        plan_: list[tuple[str, str, OrgUnit]] = []  # name, short, parent
        fixed = [row[0] for row in COUNTY_BRANCHES][:n]
        subs: list[tuple[tuple, list[str]]] = []
        if n >= 14:
            fixed.remove("运维检修党支部")
            subs.append((OPS_GENERAL, OPS_SUB))
        if n >= 22:
            fixed.remove("营销服务党支部")
            subs.append((SALES_GENERAL, SALES_SUB))
        for name in fixed:
            plan_.append((name, None, county))
        for (g_name, g_short, _dept), names in subs:
            general = _unit(
                b,
                name=f"{label}{g_name}",
                short=g_short,
                kind=OrgUnit.Kind.GENERAL_BRANCH,
                parent=county,
                order=len(plan_) + 1,
                founded=datetime.date(rng.randint(2000, 2015), 7, 1),
            )
            units.append(general)
            b.general.append(general)
            plan_ += [(name, None, general) for name in names]
        while len(plan_) < n:
            plan_.append((f"{towns[town_index % len(towns)]}供电所党支部", None, county))
            town_index += 1
        for order, (name, _short, parent) in enumerate(plan_, start=1):
            short = name.replace("党支部", "支部")
            branch(f"{label}{name}", short, parent, c_index, order, retired=name == RETIRED)
    b.writer.bulk(OrgUnit, units)


# --- step 2: members and their logins ----------------------------------------------------------
def _id_number(rng: random.Random, area: str, born: datetime.date, male: bool, used: set) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    serial = rng.randint(0, 499) * 2 + (1 if male else 0)
    while True:
        body = f"{area}{born:%Y%m%d}{serial % 1000:03d}"
        if body not in used:
            used.add(body)
            check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
            return body + check
        serial += 2


def _choose_named(b: Build) -> tuple[BranchInfo, BranchInfo, BranchInfo]:
    """The named logins' units: a county at the upper quartile of size, its largest working
    (not retired, not office) branch, and the province's first branch."""
    sizes: dict[int, int] = defaultdict(int)
    for info in b.branches:
        sizes[info.county] += info.size
    ranked = sorted(range(len(b.counties)), key=lambda c: (sizes[c], c))
    county = ranked[min(len(ranked) - 1, (len(ranked) * 3) // 4)]
    in_county = [i for i in b.branches if i.county == county]
    working = [i for i in in_county[1:] if not i.retired] or in_county
    branch = max(working, key=lambda i: (i.size, -i.unit.pk))
    province_branch = next(i for i in b.branches if i.county == -1)
    return province_branch, in_county[0], branch


def _people(b: Build) -> None:
    rng = b.rng("people")
    f = b.figures
    User = get_user_model()
    password = make_password(PASSWORD)
    weights = []
    for info in b.branches:
        w = rng.lognormvariate(0, 0.45)
        name = info.unit.name
        if info.retired:
            w *= 1.5
        elif "机关" in name or "运维检修" in name:
            w *= 1.3
        weights.append(w)
    for info, size in zip(b.branches, _split(f["members"], weights, 10), strict=True):
        info.size = size
    province_branch, county_office, named_branch = _choose_named(b)
    county = b.counties[named_branch.county]
    b.named_units = {
        "scale-province": b.province,
        "scale-county": county,
        "scale-secretary": named_branch.unit,
        "scale-member": named_branch.unit,
    }
    # Who gets a named login: index in their branch (posts go to the first people of each
    # branch, see _posts: 0-5 branch posts, 6-7 committee organisers).
    named_at = {
        (province_branch.unit.pk, 6): "scale-province",
        (county_office.unit.pk, 6): "scale-county",
        (named_branch.unit.pk, 0): "scale-secretary",
        (named_branch.unit.pk, 8): "scale-member",
    }
    used_ids: set[str] = set()
    serial = 0
    date_joined = b.now - datetime.timedelta(days=3 * 365)
    stage_weights = [
        (Member.Stage.FULL, 86),
        (Member.Stage.PROBATIONARY, 5),
        (Member.Stage.CANDIDATE, 3),
        (Member.Stage.ACTIVIST, 3),
        (Member.Stage.APPLICANT, 3),
    ]
    stages, stage_w = zip(*stage_weights, strict=True)
    educations, education_w = zip(*EDUCATION_WEIGHTS, strict=True)
    users: list = []
    members: list = []
    w = b.writer

    def flush() -> None:
        w.bulk(User, users)
        w.bulk(Member, members)
        users.clear()
        members.clear()

    for info in b.branches:
        county_index = info.county
        area = f"13{1 + max(county_index, 0) // 15:02d}{21 + max(county_index, 0) % 15:02d}"
        dept = info.unit.short_name.replace("支部", "")
        for index in range(info.size):
            serial += 1
            male = rng.random() < 0.68
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2]))
            )
            born = datetime.date(
                rng.randint(1940, 1964) if info.retired else rng.randint(1966, 2002),
                rng.randint(1, 12),
                rng.randint(1, 28),
            )
            # Office holders (the first people of a branch) are full members on the roll.
            core = index < 9
            stage = (
                Member.Stage.FULL
                if core or info.retired
                else rng.choices(stages, weights=stage_w)[0]
            )
            dates = _stage_dates(rng, born, stage, b.today)
            status, changed = Member.Status.ACTIVE, None
            roll = rng.random()
            if not core and roll < 0.025:
                if info.retired or roll < 0.006:
                    status = Member.Status.DECEASED if info.retired else Member.Status.LEFT
                else:
                    status = Member.Status.TRANSFERRED_OUT
                changed = b.today - datetime.timedelta(days=rng.randint(10, 1000))
            username = named_at.get((info.unit.pk, index), f"m{serial:06d}")
            user = User(
                pk=w.next_id(User),
                username=username,
                password=password,
                first_name=name,
                email=f"{username}@example.com" if username.startswith("scale-") else "",
                is_active=status in (Member.Status.ACTIVE, Member.Status.TRANSFERRED_OUT),
                date_joined=date_joined,
            )
            member = Member(
                pk=w.next_id(Member),
                user_id=user.pk,
                unit_id=info.unit.pk,
                name=name,
                gender=Member.Gender.MALE if male else Member.Gender.FEMALE,
                birth_date=born,
                native_place=f"河北{rng.choice(PLACE_FIRST)}{rng.choice(PLACE_SECOND)}",
                education=rng.choices(educations, weights=education_w)[0],
                id_number=_id_number(rng, area, born, male, used_ids),
                phone=f"1{rng.choice('358')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                home_address=f"{rng.choice(PLACE_FIRST)}{rng.choice(PLACE_SECOND)}镇{rng.randint(1, 300)}号",
                department="离退休服务中心" if info.retired else dept,
                job_title="退休职工" if info.retired else rng.choice(JOBS),
                stage=stage,
                status=status,
                status_changed_on=changed,
                status_note="" if changed is None else "组织关系变动",
                **dates,
            )
            users.append(user)
            members.append(member)
            party = stage in (Member.Stage.PROBATIONARY, Member.Stage.FULL)
            person = Person(
                id=member.pk,
                user=user.pk,
                name=name,
                branch=info.unit.pk,
                county=county_index,
                party=party and status == Member.Status.ACTIVE,
                joined=member.probationary_on if party else None,
                left_on=changed,
            )
            info.people.append(person)
            b.author_branch[person.id] = info.unit.pk
            if username.startswith("scale-"):
                b.named[username] = person
            if len(members) >= 5_000:
                flush()
    flush()


# --- step 3: posts ----------------------------------------------------------------------------
def _posts(b: Build) -> None:
    rng = b.rng("posts")
    posts = []

    def since(years: float) -> datetime.date:
        return b.today - datetime.timedelta(days=rng.randint(60, int(365 * years)))

    for info in b.branches:
        people = info.people
        kinds = [
            Post.Kind.SECRETARY,
            Post.Kind.ORGANISATION,
            Post.Kind.PUBLICITY,
            Post.Kind.LIAISON,
        ]
        if info.size >= 30:
            kinds.append(Post.Kind.DISCIPLINE)
        if info.size >= 50:
            kinds.append(Post.Kind.DEPUTY)
        for index, kind in enumerate(kinds):
            start = since(4)
            posts.append(
                Post(member_id=people[index].id, unit=info.unit, kind=kind, start_on=start)
            )
            if kind == Post.Kind.SECRETARY and rng.random() < 0.3:
                # The secretary before: a post that ended, for the unit's history.
                predecessor = people[rng.randint(9, len(people) - 1)]
                posts.append(
                    Post(
                        member_id=predecessor.id,
                        unit=info.unit,
                        kind=kind,
                        start_on=start - datetime.timedelta(days=rng.randint(700, 1500)),
                        end_on=start - datetime.timedelta(days=1),
                    )
                )
        info.secretary_user = people[0].user
        info.liaison_user = people[3].user

    # Committees: a secretary and two organisers, from the first branch under them (the office).
    first_branch: dict[int, BranchInfo] = {}
    for info in b.branches:
        first_branch.setdefault(info.county, info)
    for county_index, committee in [(-1, b.province), *enumerate(b.counties)]:
        office = first_branch[county_index].people
        posts.append(
            Post(
                member_id=office[6].id, unit=committee, kind=Post.Kind.ORGANISER, start_on=since(5)
            )
        )
        posts.append(
            Post(
                member_id=office[7].id, unit=committee, kind=Post.Kind.ORGANISER, start_on=since(5)
            )
        )
        posts.append(
            Post(
                member_id=office[5].id, unit=committee, kind=Post.Kind.SECRETARY, start_on=since(5)
            )
        )
        b.organisers[committee.pk] = office[6].user
    # General branches: their secretary and organisation member from their first branch.
    for general in b.general:
        info = next(i for i in b.branches if i.unit.parent_id == general.pk)
        posts.append(
            Post(
                member_id=info.people[1].id,
                unit=general,
                kind=Post.Kind.SECRETARY,
                start_on=since(4),
            )
        )
        posts.append(
            Post(
                member_id=info.people[2].id,
                unit=general,
                kind=Post.Kind.ORGANISATION,
                start_on=since(4),
            )
        )
    b.writer.bulk(Post, posts)


# --- step 4: lessons and plans ----------------------------------------------------------------
def _body(rng: random.Random, pool: list[str]) -> str:
    paragraphs = pool + rng.sample(GENERIC_PARAGRAPHS, 3)
    rng.shuffle(paragraphs)
    parts = ["<h2>学习导读</h2>", f"<p>{paragraphs[0]}</p>"]
    for n, text in enumerate(paragraphs[1:], start=1):
        if n % 3 == 0:
            parts.append(f"<h3>{'一二三四五六七八'[n // 3 - 1]}、{TOPICS[n % len(TOPICS)]}</h3>")
        parts.append(f"<p>{text}{rng.choice(GENERIC_PARAGRAPHS)}</p>")
    parts.append(f"<blockquote><p>{rng.choice(pool)}</p></blockquote>")
    parts.append(
        "<ul><li>学习要点一：提高思想认识</li><li>学习要点二：对照检查差距</li>"
        "<li>学习要点三：立足岗位践行</li></ul>"
    )
    return clean_html("".join(parts))


def _body_more(rng: random.Random, pool: list[str]) -> str:
    """The lesson's main part: four to seven sections of a few paragraphs, so that a body is
    2,000 to 4,000 characters like the lessons people really read (its own random generator:
    the lengths can change without reshuffling the rest of the data)."""
    sentences = pool + GENERIC_PARAGRAPHS
    parts = []
    for number in range(rng.randint(4, 7)):
        parts.append(f"<h3>（{'一二三四五六七'[number]}）{rng.choice(TOPICS)}</h3>")
        for _paragraph in range(rng.randint(2, 4)):
            parts.append(f"<p>{''.join(rng.sample(sentences, rng.randint(2, 3)))}</p>")
    return clean_html("".join(parts))


def _lessons(b: Build) -> None:
    rng = b.rng("lessons")
    series_spec = [(name, description) for name, description, _colour in SERIES] + EXTRA_SERIES
    pools = [PARAGRAPHS[i] for i in range(len(SERIES))] + EXTRA_PARAGRAPHS
    series = []
    for order, (name, description) in enumerate(series_spec, start=1):
        item, _ = Series.objects.get_or_create(
            name=name, defaults={"description": description, "sort_order": order}
        )
        series.append(item)
    tags = []
    for name in TAGS:
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)

    count = b.figures["lessons"]
    days = 3 * 365
    lessons, audiences, tag_rows, questions = [], [], [], []
    # Each entry of b.lessons: (pk, publish_at, audience county index or None for all, has check)
    for index in range(count):
        s_index = rng.randrange(len(series))
        age = days * (count - index) / count  # oldest first; the newest published today
        publish_at = b.at(b.today - datetime.timedelta(days=int(age)), rng.choice([8, 9, 10, 14]))
        if publish_at >= b.now:
            publish_at = b.now - datetime.timedelta(minutes=30)
        status = Lesson.Status.PUBLISHED
        roll = rng.random()
        if index >= count - max(2, count // 100):  # the newest few are scheduled
            status = Lesson.Status.SCHEDULED
            publish_at = b.now + datetime.timedelta(days=rng.randint(1, 14), hours=8)
        elif roll < 0.03:
            status, publish_at = Lesson.Status.DRAFT, None
        elif roll < 0.05:
            status = Lesson.Status.ARCHIVED
        county = None
        unit = b.province
        if rng.random() < 0.4:
            county = rng.randrange(len(b.counties))
            unit = b.counties[county]
        body = _body(rng, pools[s_index]) + _body_more(b.rng(f"body-{index}"), pools[s_index])
        text = html.unescape(plain_text(body))
        number = index + 1
        title = f"{series[s_index].name}第{number}讲：{rng.choice(TOPICS)}"
        lesson = Lesson(
            series=series[s_index],
            unit=unit,
            title=title,
            summary=text[:60],
            body=body,
            body_text=text,
            reading_minutes=max(3, min(20, len(text) // 300)),
            search_grams=grams(title, text[:60], text),
            status=status,
            publish_at=publish_at,
            audience_all=county is None and rng.random() < 0.9,
            created_by_id=b.organisers[unit.pk],
        )
        lessons.append(lesson)
    b.writer.bulk(Lesson, lessons)
    county_index = {county.pk: i for i, county in enumerate(b.counties)}
    for lesson in lessons:
        county = county_index.get(lesson.unit_id)
        targets: list[int] = []
        if county is not None:
            audiences.append(LessonAudience(lesson=lesson, unit=b.counties[county]))
            targets = [county]
        elif not lesson.audience_all:
            targets = rng.sample(range(len(b.counties)), min(len(b.counties), rng.randint(2, 5)))
            audiences += [LessonAudience(lesson=lesson, unit=b.counties[c]) for c in targets]
        for tag in rng.sample(tags, rng.randint(1, 2)):
            tag_rows.append(Lesson.tags.through(lesson_id=lesson.pk, tag_id=tag.pk))
        has_check = rng.random() < 0.2
        if has_check:
            for order, (text, options, answer) in enumerate(QUESTIONS, start=1):
                questions.append(
                    Question(
                        lesson=lesson,
                        order=order,
                        text=text,
                        option_a=options[0],
                        option_b=options[1],
                        option_c=options[2],
                        answer=answer,
                    )
                )
        live = lesson.status in (Lesson.Status.PUBLISHED, Lesson.Status.ARCHIVED)
        if live:
            b.lessons.append(
                (lesson.pk, lesson.publish_at, None if lesson.audience_all else targets, has_check)
            )
    b.writer.bulk(LessonAudience, audiences)
    b.writer.bulk(Lesson.tags.through, tag_rows)
    b.writer.bulk(Question, questions)
    _plans(b, rng, lessons)


def _plans(b: Build, rng: random.Random, lessons: list[Lesson]) -> None:
    """A provincial plan each quarter (and one due soon), two plans a year in every county."""
    plans, items, plan_units = [], [], []
    live = [lesson for lesson in lessons if lesson.status == Lesson.Status.PUBLISHED]

    def add(title, unit, due, chosen):
        plan_ = StudyPlan(
            title=title,
            description="请在截止日期前完成全部课程，支部书记做好督促。",
            unit=unit,
            due_on=due,
            created_by_id=b.organisers[unit.pk],
        )
        plans.append((plan_, chosen))

    province_live = [lesson for lesson in live if lesson.audience_all]
    for back in range(QUARTERS, -1, -1):
        year, quarter = _quarter_back(b.today, back)
        end = _quarter_end(year, quarter)
        start = datetime.date(year, 3 * quarter - 2, 1)
        chosen = [
            lesson
            for lesson in province_live
            if start <= timezone.localdate(lesson.publish_at) <= end
        ][:6]
        due = end if back else b.today + datetime.timedelta(days=20)
        if chosen:
            add(f"{year}年第{quarter}季度全省党员学习计划", b.province, due, chosen)
    for county in b.counties:
        own = [lesson for lesson in live if lesson.unit_id == county.pk] or province_live
        for half in range(6):
            due = b.today - datetime.timedelta(days=182 * half - 30)
            window = [lesson for lesson in own if lesson.publish_at.date() <= due]
            if window:
                picks = rng.sample(window[-12:], min(4, len(window[-12:])))
                add(
                    f"{county.short_name}{due.year}年专题学习计划（{half + 1}）", county, due, picks
                )
    b.writer.bulk(StudyPlan, [p for p, _chosen in plans])
    for plan_, chosen in plans:
        plan_units.append(PlanUnit(plan=plan_, unit_id=plan_.unit_id))
        for order, lesson in enumerate(chosen, start=1):
            items.append(PlanItem(plan=plan_, lesson=lesson, order=order))
            b.plan_lessons.add(lesson.pk)
    b.writer.bulk(PlanUnit, plan_units)
    b.writer.bulk(PlanItem, items)


def _quarter_back(today: datetime.date, back: int) -> tuple[int, int]:
    """The quarter `back` quarters before today's (0: the current one)."""
    index = today.year * 4 + (today.month - 1) // 3 - back
    return index // 4, index % 4 + 1


def _quarter_end(year: int, quarter: int) -> datetime.date:
    month = 3 * quarter
    return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


# --- step 5: study records --------------------------------------------------------------------
def _study_records(b: Build) -> None:
    rng = b.rng("study")
    w = b.writer
    w.declare(StudyRecord, ["user", "lesson", "opened_at", "completed_at", "passed_check", "unit"])
    w.declare(LessonLike, ["lesson", "user", "created_at"])
    w.declare(Reflection, ["lesson", "author", "text", "created_at", "is_hidden"])
    # Lessons each person may read: those for everyone plus those addressed to their county.
    general = [row for row in b.lessons if row[2] is None]
    by_county: dict[int, list] = defaultdict(list)
    for row in b.lessons:
        for county in row[2] or ():
            by_county[county].append(row)
    pools: dict[int, tuple[list, list[float]]] = {}

    def pool(county: int):
        if county not in pools:
            rows = general + by_county.get(county, [])
            weights, total = [], 0.0
            for pk, _at, _aud, _check in rows:
                total += 3.0 if pk in b.plan_lessons else 1.0
                weights.append(total)
            pools[county] = (rows, weights)
        return pools[county]

    people = [p for info in b.branches for p in info.people]
    activity = []
    for person in people:
        a = 0.0 if rng.random() < 0.08 else rng.lognormvariate(0, 0.7)
        if b.by_unit[person.branch].retired:
            a *= 0.4
        if person.left_on is not None:
            a *= 0.3
        activity.append(a)
    caps = [len(pool(p.county)[0]) for p in people]
    target = b.figures["study_records"]
    whole = sum(activity) or 1.0
    wanted = [min(cap, int(target * a / whole)) for a, cap in zip(activity, caps, strict=True)]
    short = target - sum(wanted)
    for _round in range(5):  # hand out what the caps and the rounding left, to the keen first
        if short <= 0:
            break
        for i in sorted(range(len(people)), key=lambda i: -activity[i]):
            if short <= 0:
                break
            if activity[i] and wanted[i] < caps[i]:
                wanted[i] += 1
                short -= 1
    now = b.now
    for person, k in zip(people, wanted, strict=True):
        if not k:
            continue
        rows, weights = pool(person.county)
        if k >= len(rows) * 0.6:
            chosen = set(rng.sample(range(len(rows)), k))
        else:
            chosen: set[int] = set()
            while len(chosen) < k:
                for pick in rng.choices(range(len(rows)), cum_weights=weights, k=k - len(chosen)):
                    chosen.add(pick)
        for pick in sorted(chosen):
            lesson_pk, published, _aud, has_check = rows[pick]
            opened = published + datetime.timedelta(hours=rng.expovariate(1 / 72) + 0.2)
            if opened >= now:
                opened = now - datetime.timedelta(minutes=rng.randint(5, 600))
                if opened < published:
                    opened = published
            completed = None
            if rng.random() < 0.88:
                completed = opened + datetime.timedelta(seconds=rng.randint(120, 1500))
                if completed > now:
                    completed = now
            passed = bool(completed and has_check and rng.random() < 0.75)
            # A completion notes the branch it was made in (lessons.stats).
            unit = person.branch if completed is not None else None
            w.add(StudyRecord, (person.user, lesson_pk, opened, completed, passed, unit))
            if completed is not None:
                roll = rng.random()
                if roll < 0.06:
                    w.add(LessonLike, (lesson_pk, person.user, completed))
                if roll < 0.006:
                    text = rng.choice(REFLECTION_TEXTS)
                    w.add(Reflection, (lesson_pk, person.user, text, completed, False))


# --- step 6: the appraisals -------------------------------------------------------------------
HALF = [Decimal(n) / 2 for n in range(0, 1001)]  # half points as Decimals, made once


def _campaigns(b: Build) -> None:
    rng = b.rng("campaigns")
    w = b.writer
    w.declare(
        ScoreSheet,
        [
            "campaign",
            "unit",
            "member",
            "status",
            "return_comment",
            "scorer",
            "version",
            "updated_at",
        ],
    )
    w.declare(
        Score, ["sheet", "criterion", "self_points", "points", "note", "evidence", "evidence_name"]
    )
    w.declare(Adjustment, ["sheet", "kind", "points", "reason"])
    w.declare(
        Result,
        [
            "campaign",
            "sheet",
            "unit",
            "member",
            "subject_name",
            "total",
            "first_points",
            "rank",
            "branch_rank",
            "is_banner_holder",
            "manual_award",
            "award_reason",
        ],
    )
    # A subject's standing carries over from quarter to quarter (so banners form streaks).
    quality: dict[tuple[str, int], float] = {}

    def standing(kind: str, pk: int) -> float:
        if (kind, pk) not in quality:
            quality[(kind, pk)] = rng.gauss(0, 0.05)
        return quality[(kind, pk)]

    scopes = [(-1, b.province, list(b.branches))]
    scopes += [
        (c, county, [i for i in b.branches if i.county == c]) for c, county in enumerate(b.counties)
    ]
    quarters = [_quarter_back(b.today, back) for back in range(QUARTERS, -1, -1)]
    named_branch = b.named_units["scale-secretary"].pk
    pending: list[Campaign] = []
    pending_criteria: list[Criterion] = []
    for c_index, committee, branches in scopes:
        organiser = b.organisers[committee.pk]
        kinds = (
            [Campaign.Kind.BRANCHES]
            if c_index == -1
            else [Campaign.Kind.BRANCHES, Campaign.Kind.MEMBERS]
        )
        for year, quarter in quarters:
            current = (year, quarter) == quarters[-1]
            if current and c_index == -1:
                continue  # the province ranks the quarters the counties have closed
            for kind in kinds:
                _campaign(
                    b,
                    rng,
                    standing,
                    committee,
                    branches,
                    organiser,
                    year,
                    quarter,
                    kind,
                    current,
                    named_branch,
                    pending,
                    pending_criteria,
                )
        if len(pending) > 500 or c_index == len(b.counties) - 1:
            w.bulk(Campaign, pending)
            w.bulk(Criterion, pending_criteria)
            pending.clear()
            pending_criteria.clear()


def _campaign(
    b,
    rng,
    standing,
    committee,
    branches,
    organiser,
    year,
    quarter,
    kind,
    current,
    named_branch,
    pending,
    pending_criteria,
):
    w = b.writer
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = _quarter_end(year, quarter)
    province = committee.pk == b.province.pk
    for_members = kind == Campaign.Kind.MEMBERS
    published_at = b.at(end + datetime.timedelta(days=10), 10)
    campaign = Campaign(
        scope=committee,
        year=year,
        quarter=quarter,
        kind=kind,
        opens_on=start + datetime.timedelta(days=31),
        closes_on=end + datetime.timedelta(days=5),
        banners=max(3, round(len(branches) / 100)) if province else (1 if for_members else 2),
        award_rule=Campaign.AwardRule.PER_BRANCH if for_members else Campaign.AwardRule.OVERALL,
        status=Campaign.Status.SCORING if current else Campaign.Status.PUBLISHED,
        published_at=None if current else published_at,
        published_by_id=None if current else organiser,
    )
    campaign.title = campaign.make_title()
    campaign.pk = w.next_id(Campaign)
    spec = MEMBER_CRITERIA if for_members else BRANCH_CRITERIA
    criteria = [
        Criterion(
            pk=w.next_id(Criterion), campaign=campaign, name=n, description=d, max_points=m, order=i
        )
        for i, (n, d, m) in enumerate(spec)
    ]
    pending.append(campaign)
    pending_criteria.extend(criteria)
    stamp = published_at if not current else b.now - datetime.timedelta(hours=rng.randint(1, 200))
    # Subjects: (unit pk, member pk or None, name, standing, scorer)
    subjects = []
    for info in branches:
        if not for_members:
            subjects.append(
                (info.unit.pk, None, info.unit.name, standing("u", info.unit.pk), organiser)
            )
            continue
        for person in info.people:
            if person.joined is None or person.joined > end:
                continue
            if person.left_on is not None and person.left_on <= end:
                continue
            if not person.party and person.left_on is None:
                continue
            subjects.append(
                (
                    info.unit.pk,
                    person.id,
                    person.name,
                    standing("m", person.id),
                    info.secretary_user,
                )
            )
    rows = []
    for unit_pk, member_pk, name, level, scorer in subjects:
        scored = not current or (unit_pk != named_branch and rng.random() < 0.6)
        status = (
            ScoreSheet.Status.LOCKED
            if not current
            else (ScoreSheet.Status.SUBMITTED if scored else ScoreSheet.Status.DRAFT)
        )
        sheet = w.add(
            ScoreSheet,
            (
                campaign.pk,
                unit_pk,
                member_pk,
                status,
                "",
                scorer if scored else None,
                2 if not current else int(scored),
                stamp,
            ),
        )
        if not scored:
            continue
        total = first = 0
        for criterion in criteria:
            top = int(criterion.max_points) * 2
            share = min(1.0, rng.uniform(0.72, 0.97) + level)
            half = max(0, min(top, round(top * share)))
            own = min(top, half + rng.choice((0, 0, 1, 2))) if not for_members else None
            w.add(
                Score,
                (sheet, criterion.pk, None if own is None else HALF[own], HALF[half], "", "", ""),
            )
            total += half
            if criterion.order == 0:
                first = half
        roll = rng.random()
        if roll < 0.08:
            w.add(Adjustment, (sheet, Adjustment.Kind.BONUS, HALF[4], rng.choice(BONUS_REASONS)))
            total += 4
        elif roll < 0.12:
            w.add(
                Adjustment,
                (sheet, Adjustment.Kind.DEDUCTION, HALF[2], rng.choice(DEDUCTION_REASONS)),
            )
            total -= 2
        rows.append((sheet, unit_pk, member_pk, name, max(total, 0), first))
    if current:
        return
    # Ranks as campaigns.services.ranked_sheets computes them: total, then the first
    # criterion, ties share the rank (RANK()), overall and within each branch.
    rank_of = _ranks(rows, key=lambda r: (r[4], r[5]))
    branch_rank: dict[int, int] = {}
    by_branch: dict[int, list] = defaultdict(list)
    for row in rows:
        by_branch[row[1]].append(row)
    for group in by_branch.values():
        branch_rank.update(_ranks(group, key=lambda r: (r[4], r[5])))
    for sheet, unit_pk, member_pk, name, total, first in rows:
        place = branch_rank[sheet] if for_members else rank_of[sheet]
        b.writer.add(
            Result,
            (
                campaign.pk,
                sheet,
                unit_pk,
                member_pk,
                name,
                HALF[total],
                HALF[first],
                rank_of[sheet],
                branch_rank[sheet],
                place <= campaign.banners,
                False,
                "",
            ),
        )


def _ranks(rows: list[tuple], key) -> dict[int, int]:
    ordered = sorted(rows, key=key, reverse=True)
    ranks, previous, rank = {}, None, 0
    for position, row in enumerate(ordered, start=1):
        if key(row) != previous:
            rank, previous = position, key(row)
        ranks[row[0]] = rank
    return ranks


# --- step 7: notices, reads and notifications ---------------------------------------------------
def _notices(b: Build) -> None:
    rng = b.rng("notices")
    w = b.writer
    w.declare(NoticeRead, ["person", "notice", "read_at"])
    w.declare(Notification, ["recipient", "kind", "text", "url", "created_at", "read_at"])
    active_users: dict[int, list[int]] = defaultdict(list)  # county index -> logins on the roll
    branch_users: dict[int, list[int]] = {}
    for info in b.branches:
        users = [p.user for p in info.people if p.left_on is None]
        branch_users[info.unit.pk] = users
        active_users[info.county] += users
    everyone = [u for users in active_users.values() for u in users]

    notices: list[tuple[Notice, list[int]]] = []

    def notice(unit, author, days_ago, audience, readers, *, all_staff=False, pinned=False):
        publish_at = b.now - datetime.timedelta(days=days_ago, hours=rng.randint(-8, 0) + 14)
        scheduled = days_ago < 0
        year, month = publish_at.year, publish_at.month
        title = rng.choice(NOTICE_TEMPLATES).format(
            year=year, month=month, quarter="一二三四"[(month - 1) // 3]
        )
        body = "".join(f"<p>{p}</p>" for p in rng.sample(NOTICE_BODY, 3))
        item = Notice(
            unit=unit,
            title=title,
            body=f"<p>各党支部、全体党员：</p>{body}",
            pinned=pinned,
            status=Notice.Status.SCHEDULED if scheduled else Notice.Status.PUBLISHED,
            publish_at=publish_at,
            audience_all=all_staff,
            author_id=author,
            notified_at=None if scheduled else publish_at,
        )
        notices.append((item, audience, readers if not scheduled else []))

    span = 3 * 365
    for n in range(24):
        days = int(span * (24 - n) / 24) - 10
        notice(
            b.province,
            b.organisers[b.province.pk],
            days if n < 23 else -2,
            [b.province.pk] if n % 2 else [],
            everyone,
            all_staff=n % 2 == 0,
            pinned=n == 22,
        )
    for c_index, county in enumerate(b.counties):
        for n in range(12):
            days = int(span * (12 - n) / 12) - rng.randint(0, 60)
            notice(
                county,
                b.organisers[county.pk],
                max(days, 1),
                [county.pk],
                active_users[c_index],
                pinned=n == 11,
            )
    for info in b.branches:
        for _n in range(2):
            notice(
                info.unit,
                info.secretary_user,
                rng.randint(1, 700),
                [info.unit.pk],
                branch_users[info.unit.pk],
            )
    b.writer.bulk(Notice, [n for n, _a, _r in notices])
    b.writer.bulk(
        NoticeAudience,
        [
            NoticeAudience(notice=item, unit_id=pk)
            for item, audience, _r in notices
            for pk in audience
        ],
    )
    now = b.now
    for item, _audience, readers in notices:
        age = (now - item.publish_at).days
        share = 0.25 + 0.5 * min(age, 60) / 60 + rng.uniform(-0.1, 0.1)
        for user in readers:
            if rng.random() < share:
                read_at = item.publish_at + datetime.timedelta(hours=rng.expovariate(1 / 30))
                w.add(NoticeRead, (user, item.pk, min(read_at, now)))
    # The inbox: the latest results of each county's members' appraisal, and the latest
    # provincial notice, for everybody on the roll.
    latest = (
        Campaign.objects.filter(status=Campaign.Status.PUBLISHED, kind=Campaign.Kind.MEMBERS)
        .order_by("-year", "-quarter")
        .values_list("year", "quarter")
        .first()
    )
    campaigns = {
        c.scope_id: c
        for c in Campaign.objects.filter(
            status=Campaign.Status.PUBLISHED,
            kind=Campaign.Kind.MEMBERS,
            year=latest[0] if latest else 0,
            quarter=latest[1] if latest else 0,
        )
    }
    last_notice = next(
        item for item, _a, _r in reversed(notices[:24]) if item.status == Notice.Status.PUBLISHED
    )
    for info in b.branches:
        county = b.counties[info.county] if info.county >= 0 else None
        campaign = campaigns.get(county.pk) if county else None
        for person in info.people:
            if person.left_on is not None:
                continue
            if campaign is not None:
                read = (
                    campaign.published_at + datetime.timedelta(days=1)
                    if rng.random() < 0.7
                    else None
                )
                w.add(
                    Notification,
                    (
                        person.user,
                        Kind.RESULTS_PUBLISHED,
                        f"评比结果已发布：{campaign.title}",
                        reverse("campaigns:results", args=[campaign.pk]),
                        campaign.published_at,
                        read,
                    ),
                )
            w.add(
                Notification,
                (
                    person.user,
                    Kind.NOTICE,
                    f"新通知：{last_notice.title}",
                    reverse("notices:detail", args=[last_notice.pk]),
                    last_notice.publish_at,
                    None,
                ),
            )


# --- step 8: help requests, stories, sharing ------------------------------------------------------
def _community(b: Build) -> None:
    rng = b.rng("community")
    on_roll = [p for info in b.branches for p in info.people if p.left_on is None]
    now = b.now

    # Help requests (连心桥): most resolved by the branch's liaison officer, the newest open.
    requests, notes = [], []
    count = b.figures["help_requests"]
    for n in range(count):
        author = rng.choice(on_roll)
        info = b.by_unit[author.branch]
        category, title, text = rng.choice(HELP_TOPICS)
        filed = now - datetime.timedelta(days=700 * (count - n) / count, hours=rng.randint(1, 20))
        handler = info.liaison_user
        item = HelpRequest(
            author_id=author.id,
            unit_id=author.branch,
            category=category,
            title=title,
            text=text,
            created_at=filed,
            last_activity_at=filed,
        )
        age = (now - filed).days
        if age > 20 or rng.random() < 0.4:
            item.status = HelpRequest.Status.TAKEN
            item.taken_by_id = handler
            item.taken_at = filed + datetime.timedelta(hours=rng.randint(1, 30))
            item.last_activity_at = item.taken_at
            if age > 20 and rng.random() < 0.9:
                item.status = HelpRequest.Status.RESOLVED
                item.resolved_by_id = handler
                item.resolved_at = item.taken_at + datetime.timedelta(days=rng.randint(1, 14))
                item.last_activity_at = item.resolved_at
                item.resolution = "已协调相关部门，问题已解决，本人表示满意。"
        requests.append(item)
    b.writer.bulk(HelpRequest, requests)
    for item in requests:
        if item.taken_by_id:
            for k, text in enumerate(rng.sample(HELP_NOTES, rng.randint(1, 2))):
                notes.append(
                    HelpRequestNote(
                        request=item,
                        author_id=item.taken_by_id,
                        text=text,
                        visible_to_member=k > 0,
                        created_at=item.taken_at + datetime.timedelta(minutes=30 * (k + 1)),
                    )
                )
    b.writer.bulk(HelpRequestNote, notes)

    # Model stories: six in every county, ten in the province's own branches.
    stories, story_county = [], []
    by_county: dict[int, list[Person]] = defaultdict(list)
    for person in on_roll:
        by_county[person.county].append(person)
    for county, people in sorted(by_county.items()):
        for n in range(10 if county == -1 else 6):
            person = rng.choice(people)
            category, title, body = rng.choice(STORY_TEMPLATES)
            roll = rng.random()
            status = (
                Story.Status.PUBLISHED
                if roll < 0.8
                else (Story.Status.NOMINATED if roll < 0.95 else Story.Status.DECLINED)
            )
            story_county.append(county)
            stories.append(
                Story(
                    member_id=person.id,
                    category=category,
                    title=f"{title}——记{person.name}",
                    body=body.format(name=person.name),
                    status=status,
                    nominated_by_id=rng.choice(people).user,
                    published_at=now - datetime.timedelta(days=rng.randint(1, 900) + n)
                    if status == Story.Status.PUBLISHED
                    else None,
                )
            )
    b.writer.bulk(Story, stories)
    likes = []
    for story, county in zip(stories, story_county, strict=True):
        if story.status == Story.Status.PUBLISHED:
            people = by_county[county]
            for person in rng.sample(people, min(len(people), rng.randint(3, 40))):
                likes.append(StoryLike(story=story, user_id=person.user))
    b.writer.bulk(StoryLike, likes)

    # Sharing (工作心得): posts to the branch, some to the whole province; likes and comments.
    w = b.writer
    w.declare(SharingLike, ["post", "member", "created_at"])
    w.declare(SharingComment, ["post", "author", "text", "created_at", "is_hidden"])
    count = b.figures["sharing_posts"]
    posts = []
    for n in range(count):
        author = rng.choice(on_roll)
        to_all = rng.random() < 0.15
        posts.append(
            SharingPost(
                author_id=author.id,
                audience=SharingPost.Audience.COMMITTEE if to_all else SharingPost.Audience.BRANCH,
                unit_id=b.province.pk if to_all else author.branch,
                text=rng.choice(SHARING_TEXTS),
                created_at=now
                - datetime.timedelta(minutes=int(3 * 365 * 24 * 60 * (count - n) / count) + 1),
            )
        )
    w.bulk(SharingPost, posts)
    for post in posts:
        branch = b.by_unit[b.author_branch[post.author_id]]
        colleagues = [p for p in branch.people if p.left_on is None]
        for person in rng.sample(colleagues, min(len(colleagues), rng.randint(0, 8))):
            w.add(
                SharingLike,
                (
                    post.pk,
                    person.id,
                    post.created_at + datetime.timedelta(minutes=rng.randint(5, 600)),
                ),
            )
        for k in range(rng.choice((0, 0, 1, 1, 2, 3))):
            person = rng.choice(colleagues)
            w.add(
                SharingComment,
                (
                    post.pk,
                    person.id,
                    rng.choice(COMMENT_TEXTS),
                    post.created_at + datetime.timedelta(minutes=20 * (k + 1)),
                    False,
                ),
            )


# --- what was made ------------------------------------------------------------------------------
def counts() -> dict[str, int]:
    """Rows in the tables the build writes, as the command prints them at the end."""
    User = get_user_model()
    tables: list[tuple[str, type[models.Model]]] = [
        ("units", OrgUnit),
        ("members", Member),
        ("logins", User),
        ("posts", Post),
        ("lessons", Lesson),
        ("study plans", StudyPlan),
        ("study records", StudyRecord),
        ("lesson likes", LessonLike),
        ("reflections", Reflection),
        ("campaigns", Campaign),
        ("score sheets", ScoreSheet),
        ("scores", Score),
        ("results", Result),
        ("notices", Notice),
        ("notice reads", NoticeRead),
        ("notifications", Notification),
        ("help requests", HelpRequest),
        ("stories", Story),
        ("sharing posts", SharingPost),
        ("sharing likes", SharingLike),
        ("sharing comments", SharingComment),
    ]
    return {label: model._default_manager.count() for label, model in tables}


def iter_named(b: Build) -> Iterable[tuple[str, str, str, str]]:
    """(login, role, unit, member's name) of each named login."""
    for username, role in NAMED_LOGINS:
        person = b.named[username]
        yield username, role, b.named_units[username].name, person.name
