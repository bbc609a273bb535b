"""Hostile input through every form and upload: stored as inert text or refused, never live.

A corpus of cross-site scripting, template, SQL and path-traversal payloads goes through the
forms people fill in (reflections, help requests and notes, sharing posts and comments, story
nominations, session sign-in, e-mail address, preferences, the search and the directory
filters) and the admin forms officers use. Each answer must be a page or a message (no 500),
and every page that shows the text afterwards shows it escaped: no payload comes back as
markup. Uploads (a PNG header followed by HTML, SVG, an .html file, a decompression bomb, a
file named ../../x.png) are refused with a message or re-encoded, and nothing is written
outside MEDIA_ROOT.
"""

from __future__ import annotations

import datetime
import io
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lessons.models import Lesson, PlanUnit, Question, Reflection, Series, Session, StudyPlan
from members.models import HelpRequest, HelpRequestNote, Member, OrgUnit, Post
from notices.models import Notice
from sharing.models import Comment
from sharing.models import Post as SharingPost

pytestmark = pytest.mark.django_db

XSS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(document.cookie)",
    '<a href="javascript:alert(1)">点我</a>',
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "</textarea><script>alert(1)</script>",
    '<iframe src="https://evil.example/"></iframe>',
    "{{7*7}} {% debug %} ${7*7} #{7*7}",
]
SQL = [
    "' OR 1=1 --",
    "1; DROP TABLE members_member; --",
    "’ OR ‘1’=‘1",  # typographic quotes
    '" OR ""="',
    "党委%' UNION SELECT password FROM auth_user --",
]
PATHS = ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "/etc/passwd", "C:\\Windows\\win.ini"]
# SQL and paths are inert text to every form: one string of each keeps the suite quick; the
# search and filters, where they meet queries, take each one alone.
PAYLOADS = [*XSS, " ".join(SQL), " ".join(PATHS)]


class LiveMarkup(HTMLParser):
    """Markup that would run, as a browser reads it (attributes parsed, values unescaped):
    a <script> without src (JSON data islands are inert), an on*= attribute, a javascript:
    URL, an iframe, object or embed. An escaped payload is text and never matches."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        inert = "src" in names or dict(attrs).get("type") == "application/json"
        if tag == "script" and not inert:
            self.found.append("inline <script>")
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=>")
            if name in self.URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:>")


def live_markup(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_inert(response, payload: str = "") -> None:
    assert response.status_code < 500, response.status_code
    html = response.content.decode()
    assert live_markup(html) == []
    if "<" in payload or ">" in payload or '"' in payload:
        assert payload not in html, "the payload came back unescaped"


def test_the_scanner_finds_live_markup_and_passes_escaped_text():
    assert live_markup('<img src=x onerror="alert(1)">')
    assert live_markup("<script>alert(1)</script>")
    assert live_markup('<a href=" JavaScript:alert(1)">x</a>')
    assert live_markup('<iframe src="https://evil.example/"></iframe>')
    assert not live_markup('<input value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">')
    assert not live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert not live_markup('<script type="application/json">{"a": 1}</script>')
    assert not live_markup('<script src="/static/js/like.js" defer></script>')


# --- the objects the forms act on ---------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts e-mail changes and failed logins in the cache: start and leave it empty.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(org):
    """A lesson with a check question, a session, a notice, a sharing post, a help request and
    a liaison officer for branch A, on top of the shared `org`."""
    from tests.conftest import make_member, make_user

    now = timezone.now()
    series = Series.objects.create(name="两学一做")
    lesson = Lesson.objects.create(
        title="党章学习",
        body="<p>学习党章。</p>",
        series=series,
        unit=org.committee,
        status=Lesson.Status.PUBLISHED,
        publish_at=now - datetime.timedelta(hours=1),
        audience_all=True,
    )
    question = Question.objects.create(
        lesson=lesson, text="党的最高理想是？", option_a="共产主义", option_b="其他", answer="a"
    )
    session = Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title="主题党日",
        unit=org.committee,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=1),
        place="三楼会议室",
    )
    notice = Notice.objects.create(
        title="通知",
        unit=org.committee,
        body="<p>请按时参加。</p>",
        status=Notice.Status.PUBLISHED,
        publish_at=now - datetime.timedelta(hours=1),
        audience_all=True,
    )
    from sharing import services as sharing_services

    post = sharing_services.post_create(author=org.member_a, text="分享", audience="committee")
    help_request = HelpRequest.objects.create(
        author=org.member_a, unit=org.branch_a, category="work", title="求助", text="求助内容"
    )
    liaison = make_member(org.branch_a, "刘联络", user=make_user("liaison"))
    Post.objects.create(
        member=liaison,
        unit=org.branch_a,
        kind=Post.Kind.LIAISON,
        start_on=datetime.date(2024, 1, 1),
    )
    org.__dict__.update(
        lesson=lesson,
        question=question,
        session=session,
        notice=notice,
        post=post,
        help_request=help_request,
        liaison=liaison,
    )
    return org


def client_of(org, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    user = {"staff": org.staff, "superuser": org.superuser}.get(persona)
    client.force_login(user or getattr(org, persona).user)
    return client


# --- site forms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_reflection_is_stored_as_text_and_shown_escaped(site, payload):
    client = client_of(site, "member_a")
    response = client.post(reverse("lessons:reflect", args=[site.lesson.pk]), {"text": payload})
    assert response.status_code == 302
    assert Reflection.objects.get(lesson=site.lesson).text == payload
    assert_inert(client.get(site.lesson.get_absolute_url()), payload)
    assert_inert(client_of(site, "organiser").get(site.lesson.get_absolute_url()), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_help_request_note_and_resolution_stay_text(site, payload):
    member = client_of(site, "member_a")
    response = member.post(
        reverse("members:help_new"),
        {"category": "work", "title": payload[:100], "text": payload},
    )
    assert response.status_code == 302, response.content[:300]
    created = HelpRequest.objects.exclude(pk=site.help_request.pk).get()
    assert created.text == payload
    liaison = client_of(site, "liaison")
    liaison.post(reverse("members:help_take", args=[created.pk]))
    liaison.post(
        reverse("members:help_note", args=[created.pk]),
        {"text": payload, "visible_to_member": "on"},
    )
    assert HelpRequestNote.objects.get(request=created).text == payload
    liaison.post(reverse("members:help_resolve", args=[created.pk]), {"summary": payload})
    detail = reverse("members:help_detail", args=[created.pk])
    for client in (member, liaison, client_of(site, "organiser")):
        assert_inert(client.get(detail), payload)
        assert_inert(client.get(reverse("members:help_mine")), payload)
    assert_inert(liaison.get(reverse("members:help_queue") + "?status=resolved"), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_sharing_post_and_comment_stay_text(site, payload):
    member = client_of(site, "member_a")
    response = member.post(reverse("sharing:new"), {"text": payload, "audience": "committee"})
    assert response.status_code == 302, response.content[:300]
    post = SharingPost.objects.exclude(pk=site.post.pk).get()
    assert post.text == payload
    colleague = client_of(site, "member_b")
    colleague.post(reverse("sharing:comment", args=[post.pk]), {"text": payload})
    assert Comment.objects.get(post=post).text == payload
    for client in (member, colleague, client_of(site, "organiser")):
        assert_inert(client.get(reverse("sharing:feed")), payload)
        assert_inert(client.get(post.get_absolute_url()), payload)
    assert_inert(client_of(site, "organiser").get(reverse("search") + "?q=分享"), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_story_nomination_stays_text(site, payload):
    member = client_of(site, "member_a")
    response = member.post(
        reverse("campaigns:nominate"),
        {
            "member": site.secretary_a.pk,
            "category": "good_person",
            "title": payload[:100],
            "body": payload,
        },
    )
    assert response.status_code == 302, response.content[:300]
    from campaigns.models import Story

    story = Story.objects.get()
    assert story.body == payload
    assert_inert(member.get(reverse("campaigns:story", args=[story.pk])), payload)
    organiser = client_of(site, "organiser")
    assert_inert(organiser.get(reverse("admin:campaigns_story_changelist")), payload)
    assert_inert(organiser.get(reverse("admin:campaigns_story_change", args=[story.pk])), payload)


@pytest.mark.parametrize("payload", [*PAYLOADS, "a\x00b", "x" * 5000])
def test_short_forms_refuse_or_ignore_hostile_values(site, payload):
    member = client_of(site, "member_a")
    # Sign-in code, the check's answers, e-mail preferences, an e-mail address, the login.
    response = member.post(
        reverse("lessons:session_sign_in", args=[site.session.pk]), {"code": payload}
    )
    assert_inert(response, payload)
    assert not site.session.attendances.exists()
    response = member.post(
        reverse("lessons:check", args=[site.lesson.pk]), {f"q{site.question.pk}": payload}
    )
    assert_inert(response, payload)
    response = member.post(reverse("notices:preferences"), {"email_kinds": [payload]})
    assert_inert(response, payload)
    addresses = site.member_a.user.emailaddress_set.count()
    response = member.post(reverse("account_email"), {"email": payload, "action_add": ""})
    assert_inert(response, payload)
    assert site.member_a.user.emailaddress_set.count() == addresses
    response = Client(raise_request_exception=False).post(
        reverse("account_login"), {"login": payload, "password": payload}
    )
    assert response.status_code == 200
    assert_inert(response, payload)


@pytest.mark.parametrize("payload", [*PAYLOADS, "a\x00b"])
def test_text_with_a_nul_byte_is_refused_with_a_message(site, payload):
    member = client_of(site, "member_a")
    text = payload + "\x00"
    response = member.post(reverse("lessons:reflect", args=[site.lesson.pk]), {"text": text})
    assert response.status_code == 400
    assert not Reflection.objects.exists()
    response = member.post(
        reverse("members:help_new"), {"category": "work", "title": "t", "text": text}
    )
    assert response.status_code == 400
    assert HelpRequest.objects.count() == 1


# --- search and filters -------------------------------------------------------------------------
QUERY_VALUES = [*XSS, *SQL, *PATHS, "a\x00b", "²", "9" * 30, "-1", "", " ", "%", "_", "\\"]


@pytest.mark.parametrize("value", QUERY_VALUES)
def test_search_and_filters_answer_hostile_values_with_a_page(site, value):
    from urllib.parse import urlencode

    client = client_of(site, "secretary_a")
    pages = [
        reverse("search") + "?" + urlencode({"q": value}),
        reverse("members:directory")
        + "?"
        + urlencode({"q": value, "unit": value, "stage": value, "status": value, "page": value}),
        reverse("lessons:list") + "?" + urlencode({"q": value, "series": value, "page": value}),
        reverse("members:unit", args=[site.branch_a.pk]) + "?" + urlencode({"page": value}),
        reverse("notices:list") + "?" + urlencode({"page": value}),
        reverse("sharing:feed") + "?" + urlencode({"before": value}),
        reverse("campaigns:stories") + "?" + urlencode({"page": value}),
        reverse("admin:members_member_changelist")
        + "?"
        + urlencode({"q": value, "unit": value, "o": value, "p": value}),
        reverse("admin:members_member_changelist") + "?" + urlencode({"q": value}),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 400), (url, response.status_code)
        assert_inert(response, value)


def test_a_nul_byte_in_the_search_is_dropped_not_a_server_error(site):
    # PostgreSQL refuses NUL in a query string; the search once answered 500.
    response = client_of(site, "member_a").get(reverse("search"), {"q": "党\x00委"})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "²³", "١"])
def test_unicode_digits_in_a_branch_or_unit_filter_are_not_a_server_error(site, value):
    # "²".isdigit() is true and int("²") fails: these filters once answered 500.
    organiser = client_of(site, "organiser")
    admin_pages = [
        reverse("admin:members_member_changelist") + f"?unit={value}",
        reverse("admin:campaigns_scoresheet_changelist") + f"?campaign={value}",
        reverse("admin:campaigns_result_changelist") + f"?campaign={value}",
        f"/admin/campaigns/scoresheet/{value}/change/",
        reverse("stats") + f"?unit={value}",
    ]
    for url in admin_pages:
        assert organiser.get(url).status_code in (200, 302, 404), url
    plan = StudyPlan.objects.create(
        title="学习计划", unit=site.committee, due_on=timezone.localdate()
    )
    PlanUnit.objects.create(plan=plan, unit=site.committee)
    progress = reverse("lessons:plan_progress", args=[plan.pk]) + f"?branch={value}"
    for persona in ("organiser", "secretary_a"):
        assert client_of(site, persona).get(progress).status_code in (200, 404), persona


# --- admin forms officers use -------------------------------------------------------------------
HIDDEN_INPUT = re.compile(r"<input\b[^>]*>", re.I)


def form_defaults(html: str) -> dict[str, str]:
    """The hidden inputs of an admin form (the inline management forms among them)."""
    data = {}
    for tag in HIDDEN_INPUT.findall(html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            data[name.group(1)] = value.group(1) if value else ""
    return data


def admin_post(client: Client, url: str, data: dict):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return client.post(url, {**form_defaults(page.content.decode()), **data})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_admin_member_form_stores_text_that_every_page_shows_escaped(site, payload):
    secretary = client_of(site, "secretary_a")
    response = admin_post(
        secretary,
        reverse("admin:members_member_add"),
        {
            "name": payload[:50],
            "unit": site.branch_a.pk,
            "gender": "male",
            "stage": "full",
            "status": "active",
            "applied_on": "2010-01-01",
            "activist_on": "2010-06-01",
            "candidate_on": "2011-01-01",
            "probationary_on": "2011-07-01",
            "full_on": "2012-07-01",
            "job_title": payload[:50],
            "home_address": payload[:200],
            "department": payload[:50],
        },
    )
    assert response.status_code in (200, 302)
    assert_inert(response, payload)
    member = Member.objects.filter(name=payload[:50]).first()
    if member is None:  # refused: said next to a field, nothing written
        assert b"errorlist" in response.content
        return
    assert member.job_title == payload[:50]
    for url in (
        reverse("admin:members_member_changelist"),
        reverse("admin:members_member_change", args=[member.pk]),
        reverse("admin:members_member_history", args=[member.pk]),
        reverse("members:directory"),
        reverse("members:member", args=[member.pk]),
        reverse("search") + "?q=" + payload[:20],
    ):
        assert_inert(secretary.get(url), payload)


@pytest.mark.parametrize("payload", XSS)
def test_admin_notice_and_lesson_bodies_are_sanitised(site, payload):
    organiser = client_of(site, "organiser")
    body = f"<p>正文</p>{payload}"
    now = timezone.localtime()
    response = admin_post(
        organiser,
        reverse("admin:notices_notice_add"),
        {
            "title": payload[:120],
            "unit": site.committee.pk,
            "body": body,
            "status": "published",
            "publish_at_0": now.strftime("%Y-%m-%d"),
            "publish_at_1": now.strftime("%H:%M:%S"),
            "audience_all": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.exclude(pk=site.notice.pk).get()
    for url in (
        notice.get_absolute_url(),
        reverse("notices:list"),
        reverse("admin:notices_notice_changelist"),
        reverse("home"),
    ):
        assert_inert(organiser.get(url), payload)
        if "/admin/" not in url:
            assert_inert(client_of(site, "member_b").get(url), payload)
    site.lesson.body = body
    site.lesson.save()
    assert_inert(client_of(site, "member_a").get(site.lesson.get_absolute_url()), payload)


@pytest.mark.parametrize("payload", XSS[:3] + SQL[:1])
def test_admin_unit_name_is_shown_escaped_everywhere(site, payload):
    OrgUnit.objects.filter(pk=site.branch_b.pk).update(name=payload[:100])
    member = client_of(site, "member_b")
    for url in (
        reverse("members:overview"),
        reverse("members:unit", args=[site.branch_b.pk]),
        reverse("members:directory"),
        reverse("home"),
    ):
        assert_inert(member.get(url), payload)
    organiser = client_of(site, "organiser")
    for url in (
        reverse("admin:members_orgunit_changelist"),
        reverse("admin:members_member_changelist"),
        reverse("stats"),
    ):
        assert_inert(organiser.get(url), payload)


# --- uploads ------------------------------------------------------------------------------------
def png(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def png_bomb(width=60_000, height=60_000) -> bytes:
    """A few hundred bytes that claim 3.6 billion pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
BAD_PICTURES = {
    "png header then html": ("photo.png", b"\x89PNG\r\n\x1a\n" + HTML),
    "svg": ("photo.svg", SVG),
    "svg named png": ("photo.png", SVG),
    "html": ("page.html", HTML),
    "html named jpg": ("photo.jpg", HTML),
    "bomb": ("bomb.png", png_bomb()),
    "empty": ("empty.png", b""),
    "truncated": ("cut.png", png()[:40]),
}


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def files_outside(root: Path, media: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and media not in p.parents]


@pytest.mark.parametrize("kind", BAD_PICTURES)
def test_a_bad_picture_refuses_the_sharing_post_with_a_message(site, kind):
    name, content = BAD_PICTURES[kind]
    response = client_of(site, "member_a").post(
        reverse("sharing:new"),
        {"text": "照片", "audience": "branch", "photos": [upload(name, content)]},
    )
    assert response.status_code == 400
    assert b"errorlist" in response.content or b"error" in response.content
    assert SharingPost.objects.count() == 1
    assert_inert(response, "")


@pytest.mark.parametrize("kind", BAD_PICTURES)
def test_a_bad_picture_refuses_the_story_nomination_with_a_message(site, kind):
    from campaigns.models import Story

    name, content = BAD_PICTURES[kind]
    response = client_of(site, "member_a").post(
        reverse("campaigns:nominate"),
        {
            "member": site.secretary_a.pk,
            "category": "good_person",
            "title": "好人",
            "body": "事迹",
            "photos": [upload(name, content)],
        },
    )
    assert response.status_code == 200
    assert b'aria-invalid="true"' in response.content  # the message is next to the field
    assert not Story.objects.exists()


@pytest.mark.parametrize("kind", BAD_PICTURES)
def test_a_bad_picture_is_refused_as_a_lesson_cover_in_the_admin(site, kind):
    name, content = BAD_PICTURES[kind]
    organiser = client_of(site, "organiser")
    url = reverse("admin:lessons_lesson_change", args=[site.lesson.pk])
    page = organiser.get(url)
    assert page.status_code == 200
    response = organiser.post(
        url,
        {
            **form_defaults(page.content.decode()),
            "title": site.lesson.title,
            "series": site.lesson.series_id,
            "unit": site.committee.pk,
            "body": site.lesson.body,
            "status": "published",
            "audience_all": "on",
            "reading_minutes": "5",
            "cover": upload(name, content),
        },
    )
    assert response.status_code == 200, "the change was not refused"
    assert b"errorlist" in response.content
    site.lesson.refresh_from_db()
    assert not site.lesson.cover


def test_a_picture_named_with_dots_and_slashes_lands_inside_media_root(site, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    response = client_of(site, "member_a").post(
        reverse("sharing:new"),
        {"text": "照片", "audience": "branch", "photos": [upload("../../x.png", png())]},
    )
    assert response.status_code == 302
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert stored, "the picture was not stored"
    assert all(".." not in p.relative_to(media).parts for p in stored)
    assert files_outside(tmp_path, media) == []
    assert not (Path(settings.BASE_DIR) / "x.png").exists()
    assert not (Path(settings.BASE_DIR).parent / "x.png").exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("page.html", HTML),
        ("image.svg", SVG),
        ("../../evil.pdf", b"%PDF-1.4\n" + HTML),
        ("run.exe", b"MZ\x90\x00"),
    ],
)
def test_a_notice_attachment_is_refused_or_stored_harmlessly(site, name, content, tmp_path):
    organiser = client_of(site, "organiser")
    url = reverse("admin:notices_notice_change", args=[site.notice.pk])
    page = organiser.get(url)
    data = form_defaults(page.content.decode())
    prefix = next(
        (k.removesuffix("-TOTAL_FORMS") for k in data if "attachment" in k and "TOTAL" in k), None
    )
    assert prefix, sorted(data)
    now = timezone.localtime(site.notice.publish_at)
    response = organiser.post(
        url,
        {
            **data,
            "title": site.notice.title,
            "unit": site.committee.pk,
            "body": site.notice.body,
            "status": "published",
            "publish_at_0": now.strftime("%Y-%m-%d"),
            "publish_at_1": now.strftime("%H:%M:%S"),
            "audience_all": "on",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-title": "附件",
            f"{prefix}-0-file": upload(name, content, "text/html"),
        },
    )
    assert response.status_code in (200, 302)
    media = Path(settings.MEDIA_ROOT)
    assert files_outside(tmp_path, media) == []
    attachment = site.notice.attachments.first()
    if name.endswith((".html", ".svg", ".exe")):
        assert attachment is None
        assert b"errorlist" in response.content
        return
    assert attachment is not None
    assert ".." not in attachment.file.name
    served = organiser.get(attachment.file.url)
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert served["Content-Type"] in ("application/pdf", "application/octet-stream")
