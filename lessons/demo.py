"""Demo micro-classroom: four series, 30 lessons with drawn covers, two study plans, two
offline sessions with attendance (and a make-up plan), reflections, likes and study records.

Deterministic (fixed seeds) and idempotent: lessons, plans and sessions are found again by
their titles, and the rows that hang off them are created only with their parent. Runs after
`members.demo.seed()`; it relies on the demo organisation and logins made there.

Study records, likes and plan rows are bulk inserts, which bypass the code that keeps the
figures counting them: the seed recounts the micro-classroom's figures at its end.
"""

from __future__ import annotations

import datetime
import io
import random
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from PIL import Image, ImageDraw, ImageFont

from members.demo import COMMITTEE_NAME
from members.models import Member, OrgUnit

from . import progress, rollups, services
from .models import (
    AgendaItem,
    Attendance,
    Lesson,
    LessonAudience,
    LessonLike,
    PlanItem,
    PlanUnit,
    Question,
    Reading,
    Reflection,
    ReflectionLike,
    Series,
    Session,
    SessionPhoto,
    StudyPlan,
    StudyRecord,
    Tag,
)

SERIES = [
    ("两学一做", "学党章党规、学系列讲话，做合格党员", (183, 28, 28)),
    ("党风廉政", "廉洁从业，警钟长鸣", (21, 101, 192)),
    ("道德讲堂", "身边好人，凡人善举", (46, 125, 50)),
    ("先进事迹", "电网一线的先进典型", (230, 81, 0)),
]

# (series index, title, summary, tags)
LESSONS = [
    (0, "党章第一章：党员的八项义务", "逐条学习党章规定的党员义务，对照检查自身差距。", ["党章"]),
    (0, "党章第二章：党员的八项权利", "了解党员权利，正确行使权利。", ["党章"]),
    (0, "党委和支部的职责分工", "党委把方向、管大局，支部抓落实。", ["组织建设"]),
    (0, "如何开好支部组织生活会", "会前谈心、会上批评与自我批评、会后整改。", ["组织生活"]),
    (0, "“三会一课”制度要点", "支部党员大会、支委会、党小组会和党课的规范。", ["组织生活"]),
    (
        0,
        "做一名合格党员的四条标准",
        "讲政治有信念，讲规矩有纪律，讲道德有品行，讲奉献有作为。",
        ["合格党员"],
    ),
    (0, "党员发展工作流程图解", "从入党申请到转为正式党员的每一步。", ["党员发展"]),
    (0, "按期足额交纳党费", "党费的计算基数、比例和交纳方式。", ["党费"]),
    (1, "中央八项规定精神再学习", "从严治党，从改作风开始。", ["八项规定"]),
    (1, "廉洁从业“十不准”", "供电企业员工廉洁从业的底线要求。", ["廉洁"]),
    (1, "典型案例：虚报冒领工程款", "一起工程结算违纪案例的警示。", ["警示教育"]),
    (1, "节日期间廉洁提醒", "中秋国庆期间严禁公款送礼、公款吃喝。", ["节日", "廉洁"]),
    (1, "供电服务“十个不准”", "优质服务中的廉洁要求。", ["优质服务"]),
    (1, "家风建设：廉从家起", "好家风是廉洁的第一道防线。", ["家风"]),
    (1, "党支部纪检委员的职责", "监督执纪问责，抓早抓小。", ["纪检"]),
    (2, "诚信：抄表员老刘的三十年", "三十年零差错的抄表账本。", ["诚信"]),
    (2, "敬业：风雪中的抢修人", "寒潮夜里十二小时的抢修。", ["敬业"]),
    (2, "孝老爱亲：照顾瘫痪母亲十年的电工", "工作和家庭，他都没有缺席。", ["孝老爱亲"]),
    (2, "友善：营业厅里的暖心服务", "一位客户经理与留守老人的故事。", ["友善"]),
    (2, "助人为乐：义务为村民检修线路", "周末的义务电工队。", ["志愿服务"]),
    (2, "经典诵读：《论语》十则", "修身之道，古今相通。", ["经典诵读"]),
    (2, "道德讲堂的六个环节", "唱歌曲、看短片、诵经典、讲故事、谈感悟、送吉祥。", ["道德讲堂"]),
    (3, "全国劳模：扎根农网的带电作业班长", "二十年带电作业零事故。", ["劳模"]),
    (3, "抗洪保电先锋党员", "洪水中守住变电站的七天七夜。", ["保电"]),
    (3, "脱贫攻坚中的驻村第一书记", "电力帮扶让村里亮起来。", ["乡村振兴"]),
    (3, "创新工作室：小发明解决大难题", "一线职工的技术革新。", ["创新"]),
    (3, "优秀共产党员：调度台前的“守夜人”", "三千多个夜班的坚守。", ["优秀党员"]),
    (3, "青年突击队：迎峰度夏保供电", "高温下的青春担当。", ["青年"]),
    (0, "支部书记谈：党建与业务深度融合", "把支部建在班组上。", ["党建融合"]),
    (1, "廉政党课：守住拒腐防变的防线", "党委书记讲廉政党课。", ["党课", "廉洁"]),
]

PARAGRAPHS = {
    0: [
        "党章是党的根本大法，是全党必须共同遵守的根本行为规范。学习党章，是每一名共产党员的必修课。",
        "党支部是党的基础组织，是党在社会基层组织中的战斗堡垒，是党的全部工作和战斗力的基础。",
        "我们要把学习教育融入日常、抓在经常，做到学用结合、知行合一，在供电服务一线体现党员的先锋模范作用。",
        "每名党员都要对照标准，查找差距，在岗位上亮身份、作表率，让群众看得见、信得过。",
    ],
    1: [
        "党风廉政建设关系人心向背。全体党员干部要时刻绷紧廉洁从业这根弦，守住底线，不越红线。",
        "纪律是管党治党的“戒尺”。党支部纪检委员要履行监督职责，对苗头性、倾向性问题早发现、早提醒。",
        "工程建设、物资采购、营销服务是廉洁风险较高的领域，要把制度落实到每一个环节。",
        "警示教育的目的是以案为鉴、以案促改，让每一名党员知敬畏、存戒惧、守底线。",
    ],
    2: [
        "道德讲堂以“身边人讲身边事、身边人讲自己事、身边事教身边人”为主要形式，弘扬社会主义核心价值观。",
        "这位同事的故事没有惊天动地，却在平凡的岗位上一年又一年地坚持，感动了身边每一个人。",
        "凡人善举汇聚成向上向善的力量。我们每个人都可以从一件小事做起，做一个有道德的人。",
        "活动结束时，大家互赠吉祥卡片，把美好祝愿送给身边的同事和家人。",
    ],
    3: [
        "他扎根基层二十年，带领班组完成了上千次带电作业，保障了全县群众的可靠用电。",
        "面对急难险重任务，共产党员总是冲在最前面。党员突击队的旗帜，始终飘扬在保电一线。",
        "先进典型是看得见的榜样。学习先进，就是要学习他们爱岗敬业、无私奉献的精神。",
        "支部组织党员开展“学先进、比贡献”活动，把榜样的力量转化为做好本职工作的动力。",
    ],
}

SUMMARY_HEADING = "学习导读"

READINGS = [
    ("共产党员网", "党员教育的权威网站，学习资料丰富。", "https://www.12371.cn/"),
    ("学习强国", "理论学习平台，每日更新。", "https://www.xuexi.cn/"),
    ("中央纪委国家监委网站", "党风廉政建设和反腐败工作的权威发布。", "https://www.ccdi.gov.cn/"),
    ("人民网·中国共产党新闻网", "党建要闻与理论文章。", "http://cpc.people.com.cn/"),
]

QUESTIONS = [
    ("党员的义务共有几项？", ["六项", "八项", "十项"], "b"),
    ("党员应按什么交纳党费？", ["按期足额", "半年一次", "自愿多少"], "a"),
    ("合格党员的“四讲四有”中，讲规矩要做到什么？", ["有信念", "有纪律", "有作为"], "b"),
]

FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]


def _font(size: int):
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return None


def draw_cover(title: str, series_name: str, colour: tuple[int, int, int], seed: int) -> bytes:
    """A 720×405 cover: the series colour as a gradient, a few shapes and the title."""
    rng = random.Random(seed)
    width, height = 720, 405
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    r, g, b = colour
    for y in range(0, height, 4):
        t = y / height
        shade = (int(r * (1 - t * 0.45)), int(g * (1 - t * 0.45)), int(b * (1 - t * 0.45)))
        draw.rectangle([0, y, width, y + 4], fill=shade)
    for _ in range(6):
        cx, cy, radius = rng.randint(0, width), rng.randint(0, height), rng.randint(40, 170)
        tone = tuple(min(255, c + rng.randint(20, 70)) for c in colour)
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=tone, width=4)
    draw.rectangle([0, height - 84, width, height], fill=(255, 255, 255))
    draw.rectangle([0, height - 88, width, height - 84], fill=(242, 193, 78))
    title_font, tag_font = _font(38), _font(24)
    if title_font is not None:
        draw.text((32, 36), series_name, font=tag_font, fill=(255, 236, 179))
        text = title if len(title) <= 16 else title[:16] + "…"
        draw.text((32, height - 70), text, font=title_font, fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def _body(series_index: int, rng: random.Random, title: str) -> str:
    paragraphs = PARAGRAPHS[series_index][:]
    rng.shuffle(paragraphs)
    parts = [f"<h2>{SUMMARY_HEADING}</h2>"]
    parts += [f"<p>{p}</p>" for p in paragraphs[:3]]
    parts.append(f"<blockquote><p>{paragraphs[3]}</p></blockquote>")
    parts.append(
        "<ul><li>学习要点一：提高思想认识</li><li>学习要点二：对照检查差距</li>"
        "<li>学习要点三：立足岗位践行</li></ul>"
    )
    return "".join(parts)


@transaction.atomic
def seed(stdout=None, now: datetime.datetime | None = None) -> dict:
    now = timezone.localtime(now or timezone.now())
    rng = random.Random(2017_11)
    User = get_user_model()
    committee = OrgUnit.objects.get(name=COMMITTEE_NAME, parent=None)
    branches = list(committee.children.filter(kind=OrgUnit.Kind.BRANCH).order_by("sort_order"))
    organiser_user = User.objects.get(username="organiser")
    demo_user = User.objects.get(username="member")

    series = []
    for order, (name, description, _colour) in enumerate(SERIES, start=1):
        item, _ = Series.objects.get_or_create(
            name=name, defaults={"description": description, "sort_order": order}
        )
        series.append(item)
    for order, (name, description, url) in enumerate(READINGS, start=1):
        Reading.objects.get_or_create(
            name=name, defaults={"description": description, "url": url, "sort_order": order}
        )

    # Newest first: lesson 0 was published today, each next one a day or two earlier.
    lessons: list[Lesson] = []
    day_offset = 0
    for index, (s_index, title, summary, tags) in enumerate(LESSONS):
        day_offset += rng.choice([1, 1, 2])
        publish_at = (now - datetime.timedelta(days=day_offset - 1)).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
        if publish_at > now:
            publish_at = now - datetime.timedelta(minutes=5)
        body = _body(s_index, rng, title)
        status = Lesson.Status.PUBLISHED
        if index == 28:
            status, publish_at = Lesson.Status.SCHEDULED, now + datetime.timedelta(days=2)
        elif index == 29:
            status, publish_at = Lesson.Status.DRAFT, None
        lesson = Lesson.objects.filter(title=title).first()
        if lesson is None:
            lesson = Lesson(
                title=title,
                summary=summary,
                body=body,
                series=series[s_index],
                unit=committee,
                reading_minutes=rng.choice([3, 4, 5, 6, 8]),
                status=status,
                publish_at=publish_at,
                audience_all=index not in (6, 14),
                created_by=organiser_user,
            )
            cover = draw_cover(title, SERIES[s_index][0], SERIES[s_index][2], seed=index)
            lesson.cover = ContentFile(cover, name=f"demo-{index:02d}.jpg")
            lesson.save()
            lesson.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
            if index == 6:  # party development: for the first branch only
                LessonAudience.objects.create(lesson=lesson, unit=branches[0])
            if index == 14:  # branch discipline members: the operations branch
                LessonAudience.objects.create(lesson=lesson, unit=branches[2])
            if index in (0, 5, 7):
                for order, (text, options, answer) in enumerate(QUESTIONS, start=1):
                    Question.objects.create(
                        lesson=lesson,
                        order=order,
                        text=text,
                        option_a=options[0],
                        option_b=options[1],
                        option_c=options[2],
                        answer=answer,
                    )
        lessons.append(lesson)

    people = list(
        Member.objects.active()
        .filter(unit__in=branches, user__isnull=False)
        .select_related("unit")
        .order_by("unit__sort_order", "pk")
    )
    demo_member = Member.objects.get(user=demo_user)
    today = timezone.localdate(now)

    plan_one = _plan(
        "两学一做专题学习",
        "全体党员学习党章党规，做合格党员。请在截止日期前完成全部课程。",
        committee,
        [committee],
        lessons[0:8],
        today + datetime.timedelta(days=20),
        organiser_user,
    )
    plan_two = _plan(
        "党风廉政教育月",
        "机关和运检支部党员集中学习廉洁从业规定。",
        committee,
        [branches[0], branches[2]],
        lessons[8:13],
        today + datetime.timedelta(days=10),
        organiser_user,
    )

    created_records = False
    if not StudyRecord.objects.filter(lesson__in=lessons[:8]).exists():
        created_records = True
        branch_rate = {b.pk: 0.35 + 0.07 * i for i, b in enumerate(reversed(branches))}
        records = []
        for person in people:
            if person.pk == demo_member.pk:
                continue
            for position, lesson in enumerate(lessons[:13]):
                if not lesson.is_live:
                    continue
                draw = rng.random()
                if draw > branch_rate[person.unit_id] + (0.1 if position < 3 else 0):
                    continue
                opened = now - datetime.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
                records.append(
                    StudyRecord(
                        user_id=person.user_id,
                        lesson=lesson,
                        opened_at=opened,
                        completed_at=opened + datetime.timedelta(minutes=rng.randint(3, 15)),
                        unit_id=person.unit_id,  # the branch they learned in
                    )
                )
        # The demo member learned a lesson on each of the last three days (a streak of 3).
        for days_ago, lesson in zip((3, 2, 1), (lessons[2], lessons[3], lessons[8]), strict=True):
            when = (now - datetime.timedelta(days=days_ago)).replace(hour=20, minute=15)
            records.append(
                StudyRecord(
                    user=demo_user,
                    lesson=lesson,
                    opened_at=when - datetime.timedelta(minutes=8),
                    completed_at=when,
                    unit_id=demo_member.unit_id,
                )
            )
        StudyRecord.objects.bulk_create(records, ignore_conflicts=True)

        # Likes and reflections on the newest lessons.
        likes = [
            LessonLike(lesson=lesson, user_id=person.user_id)
            for lesson in lessons[:10]
            for person in people
            if rng.random() < 0.18
        ]
        LessonLike.objects.bulk_create(likes, ignore_conflicts=True)
        texts = [
            "学习了党章，感觉很有收获，要在岗位上发挥党员作用。",
            "对照标准查找差距，今后要更加严格要求自己。",
            "故事很感人，平凡岗位也能做出不平凡的事。",
            "要把学习成果转化为优质服务的实际行动。",
            "廉洁从业是底线，一定要守住。",
            "向先进学习，争做合格党员！",
        ]
        for lesson in lessons[:6]:
            for person in rng.sample(people, 3):
                reflection = Reflection.objects.create(
                    lesson=lesson,
                    author_id=person.user_id,
                    text=rng.choice(texts),
                    created_at=now - datetime.timedelta(hours=rng.randint(1, 96)),
                )
                ReflectionLike.objects.bulk_create(
                    [
                        ReflectionLike(reflection=reflection, user_id=p.user_id)
                        for p in rng.sample(people, rng.randint(0, 6))
                    ],
                    ignore_conflicts=True,
                )

    theme_day = _session(
        Session.Kind.THEME_DAY,
        "11月主题党日：重温入党誓词",
        committee,
        (now - datetime.timedelta(days=6)).replace(hour=14, minute=30, second=0, microsecond=0),
        "公司五楼党员活动室",
        lessons[0:2],
        "全体党员重温入党誓词，学习党章第一章、第二章。各支部书记带头发言。",
        organiser_user,
    )
    ethics = _session(
        Session.Kind.ETHICS_HALL,
        "道德讲堂：身边好人故事会",
        committee,
        (now - datetime.timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0),
        "公司一楼多功能厅",
        lessons[15:18],
        "讲述身边好人故事三则，职工代表谈感悟，互赠吉祥卡片。",
        organiser_user,
    )
    if not theme_day.attendances.exists():
        Attendance.objects.bulk_create(
            Attendance(
                session=theme_day,
                member=person,
                signed_in_at=theme_day.starts_at + datetime.timedelta(minutes=rng.randint(-20, 10)),
            )
            for person in people
            if person.pk == demo_member.pk or rng.random() < 0.8
        )
        for index in range(2):
            photo = SessionPhoto(session=theme_day, caption=f"重温入党誓词（{index + 1}）")
            photo.image = ContentFile(
                draw_cover("重温入党誓词", "主题党日", (183, 28, 28), seed=100 + index),
                name=f"theme-day-{index}.jpg",
            )
            photo.save()
    if not ethics.agenda.exists():
        services.session_apply_agenda_template(session=ethics)
        titles = ["《爱的奉献》", "短片《风雪抢修人》", "《论语》十则", "抄表员老刘的故事", "", ""]
        for item, title in zip(ethics.agenda.order_by("order"), titles, strict=True):
            if title:
                AgendaItem.objects.filter(pk=item.pk).update(title=title)
        # The demo member missed the ethics hall: its lessons come back as a make-up plan.
        Attendance.objects.bulk_create(
            Attendance(session=ethics, member=person, signed_in_at=ethics.starts_at)
            for person in people
            if person.pk != demo_member.pk and rng.random() < 0.7
        )
        with translation.override(settings.LANGUAGE_CODE):  # the plan's title is stored
            services.session_assign_makeup(session=ethics, by=organiser_user, today=today)

    # The bulk inserts above bypass the code that keeps the figures counting them: recount
    # the micro-classroom's (seed_demo recounts every app's again afterwards, harmlessly).
    rollups.recount(fix=True)
    progress.recount(fix=True)
    result = {"series": series, "lessons": lessons, "plans": [plan_one, plan_two]}
    if stdout is not None:
        stdout.write(
            f"Lessons: {len(lessons)} lessons in {len(series)} series, 2 study plans, "
            f"2 sessions{' (study records made)' if created_records else ''}."
        )
    return result


def _plan(title, description, unit, units, lessons, due_on, by) -> StudyPlan:
    plan = StudyPlan.objects.filter(title=title, unit=unit).first()
    if plan is None:
        plan = StudyPlan.objects.create(
            title=title, description=description, unit=unit, due_on=due_on, created_by=by
        )
        PlanUnit.objects.bulk_create(PlanUnit(plan=plan, unit=u) for u in units)
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, lesson=lesson, order=i) for i, lesson in enumerate(lessons, 1)
        )
    return plan


def _session(kind, title, unit, starts_at, place, lessons, minutes, by) -> Session:
    session = Session.objects.filter(title=title, unit=unit).first()
    if session is None:
        session = Session.objects.create(
            kind=kind,
            title=title,
            unit=unit,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            place=place,
            minutes=minutes,
            created_by=by,
        )
        session.lessons.set(lessons)
    return session
