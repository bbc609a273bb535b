"""Uploaded files are served only through the object they belong to, to the people who may see
that object, under the name they were uploaded with, and never as a page of the portal.

The cases are built from the models: every file field of every model must be a private field
with a visibility rule, and must have a case here, so a file field added later fails until it
is covered.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from PIL import Image

from campaigns import services as campaign_services
from campaigns.models import Campaign, Criterion, Score, ScoreSheet
from lessons.models import Attachment, Lesson, LessonAudience, Session, SessionPhoto
from members import images
from members.files import PrivateFieldMixin, PrivateFileField
from members.models import Member, Post
from notices.models import Notice, NoticeAttachment, NoticeAudience
from sharing import services as sharing_services

from .conftest import make_member, make_user

pytestmark = pytest.mark.django_db

PERSONAS = ("staff", "member_a", "member_b", "secretary_a", "organiser", "superuser")
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def png(name: str, size=(800, 450)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def stored_bytes(file, name: str | None = None) -> bytes:
    with file.storage.open(name or file.name, "rb") as stored:
        return stored.read()


# --- one owner of each file field, seen by branch B's people and the committee's organiser ---
def branch_b_lesson(org, **files) -> Lesson:
    lesson = Lesson.objects.create(
        title="运检支部专题",
        unit=org.committee,
        status=Lesson.Status.PUBLISHED,
        publish_at=timezone.now() - datetime.timedelta(hours=1),
        audience_all=False,
        **files,
    )
    LessonAudience.objects.create(lesson=lesson, unit=org.branch_b)
    return lesson


def member_photo(org) -> Member:
    member = org.member_b
    member.photo = images.clean_image(png("赵博.png"))
    member.save()
    return member


def lesson_cover(org) -> Lesson:
    return branch_b_lesson(org, cover=png("封面.png"))


def lesson_video(org) -> Lesson:
    return branch_b_lesson(org, video=SimpleUploadedFile("党课.MP4", MP4))


def lesson_attachment(org) -> Attachment:
    file = SimpleUploadedFile("学习 材料.docx", b"PK\x03\x04 docx")
    return Attachment.objects.create(lesson=branch_b_lesson(org), title="材料", file=file)


def session_photo(org) -> SessionPhoto:
    start = timezone.now()
    session = Session.objects.create(
        kind=Session.Kind.THEME_DAY,
        title="主题党日",
        unit=org.branch_b,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        place="会议室",
    )
    return SessionPhoto.objects.create(session=session, image=png("合影.png"))


def notice_attachment(org) -> NoticeAttachment:
    notice = Notice.objects.create(
        title="运检支部通知",
        unit=org.committee,
        status=Notice.Status.PUBLISHED,
        publish_at=timezone.now() - datetime.timedelta(hours=1),
    )
    NoticeAudience.objects.create(notice=notice, unit=org.branch_b)
    file = SimpleUploadedFile("党费收缴 (2026).xlsx", b"PK\x03\x04 xlsx")
    return NoticeAttachment.objects.create(notice=notice, title="附表", file=file)


def score_evidence(org) -> Score:
    campaign = Campaign.objects.create(
        scope=org.committee, year=2026, quarter=4, kind=Campaign.Kind.MEMBERS
    )
    criterion = Criterion.objects.create(
        campaign=campaign, name="政治学习", max_points=Decimal(10), order=0
    )
    campaign_services.campaign_open(campaign=campaign, by=org.organiser.user)
    sheet = ScoreSheet.objects.get(campaign=campaign, member=org.member_b)
    evidence = images.clean_evidence(SimpleUploadedFile("学习证明.pdf", PDF))
    return Score.objects.create(sheet=sheet, criterion=criterion, evidence=evidence)


def story_photo(org):
    story = campaign_services.story_nominate(
        member=org.member_b,
        by=org.member_a.user,
        category="good_person",
        title="好人好事",
        body="事迹",
        photos=[png("好人.PNG")],
    )
    return story.photos.get()


def sharing_photo(org):
    post = sharing_services.post_create(
        author=org.member_b, text="活动", audience="branch", photos=[png("活动.png")]
    )
    return post.photos.get()


@dataclass
class Case:
    make: Callable
    field: str
    download: str  # the uploaded name; a picture is re-encoded as JPEG, so .jpg
    folder: str
    audience: frozenset[str]


BRANCH_B = frozenset({"member_b", "organiser", "superuser"})
# fmt: off
CASES = {
    "members.member.photo": Case(member_photo, "photo", "赵博.jpg", "members/photos", BRANCH_B),
    "lessons.lesson.cover": Case(lesson_cover, "cover", "封面.jpg", "lessons/covers", BRANCH_B),
    "lessons.lesson.video": Case(lesson_video, "video", "党课.MP4", "lessons/videos", BRANCH_B),
    "lessons.attachment.file": Case(lesson_attachment, "file", "学习 材料.docx", "lessons/attachments", BRANCH_B),
    "lessons.sessionphoto.image": Case(session_photo, "image", "合影.jpg", "lessons/sessions", BRANCH_B),
    "notices.noticeattachment.file": Case(notice_attachment, "file", "党费收缴 (2026).xlsx", "notices/attachments", BRANCH_B),
    # A score sheet: its scorers, never its subject.
    "campaigns.score.evidence": Case(score_evidence, "evidence", "学习证明.pdf", "campaigns/evidence", frozenset({"organiser", "superuser"})),
    # A nomination: its nominator and the organisers, not yet the member it is about.
    "campaigns.storyphoto.image": Case(story_photo, "image", "好人.jpg", "campaigns/stories", frozenset({"member_a", "organiser", "superuser"})),
    "sharing.photo.image": Case(sharing_photo, "image", "活动.jpg", "sharing/photos", BRANCH_B),
}
# fmt: on


def file_fields() -> dict[str, tuple[type[models.Model], models.FileField]]:
    return {
        f"{model._meta.label_lower}.{field.name}": (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }


def test_every_file_field_of_every_model_is_private_with_a_visibility_rule():
    found = file_fields()
    for key, (model, field) in found.items():
        assert isinstance(field, PrivateFieldMixin), f"{key} is not a private file field"
        assert callable(getattr(model, "files_visible_to", None)), f"{model} has no rule"
    missing = sorted(set(found) - set(CASES))
    assert not missing, f"file field(s) {missing} have no case in tests/test_media.py"
    assert sorted(set(CASES) - set(found)) == []


@isolate_apps("tests")
def test_a_private_file_field_without_a_visibility_rule_fails_the_system_check():
    class Orphan(models.Model):
        file = PrivateFileField(upload_to="orphans", name_field="file_name")
        file_name = models.CharField(max_length=255)

        class Meta:
            app_label = "tests"

        def __str__(self) -> str:
            return self.file_name

    assert [error.id for error in Orphan._meta.get_field("file").check()] == ["members.E101"]


@pytest.mark.parametrize("key", CASES)
def test_a_file_is_served_to_its_objects_audience_only(org, client_for, key):
    case = CASES[key]
    owner = case.make(org)
    file = getattr(owner, case.field)
    url = file.url
    assert url.startswith(f"/files/{owner._meta.label_lower}/{owner.pk}/{case.field}/?v=")
    for persona in PERSONAS:
        response = client_for(persona).get(url)
        if persona in case.audience:
            assert response.status_code == 200, persona
            assert body(response) == stored_bytes(file)
            disposition = response["Content-Disposition"]
            assert disposition.endswith(
                content_disposition_header(False, case.download).split(";", 1)[1]
            ), disposition
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Cache-Control"].startswith("private")
        else:
            assert response.status_code == 404, persona


def has_renditions(key: str) -> bool:
    app_model, field = key.rsplit(".", 1)
    return bool(apps.get_model(app_model)._meta.get_field(field).renditions_field)


@pytest.mark.parametrize("key", [key for key in CASES if has_renditions(key)])
def test_renditions_are_served_to_the_same_people(org, client_for, key):
    case = CASES[key]
    file = getattr(case.make(org), case.field)
    widths = [int(k) for k in file.renditions if k.isdigit()]
    assert widths, "no renditions were made"
    assert f"{widths[0]}w" in images.srcset(file)
    for width in widths:
        url = file.rendition_url(width)
        assert f"/{case.field}/{width}/?v=" in url
        for persona in PERSONAS:
            response = client_for(persona).get(url)
            assert response.status_code == (200 if persona in case.audience else 404), persona
            if response.status_code == 200:
                assert response["Content-Type"] == "image/webp"
                assert body(response) == stored_bytes(file, file.rendition_name(width))
                stem = case.download.rsplit(".", 1)[0]
                expected = content_disposition_header(False, f"{stem}-{width}.webp")
                assert response["Content-Disposition"] == expected


@pytest.mark.parametrize("key", CASES)
def test_an_upload_is_stored_under_a_random_name_and_keeps_the_uploaded_one(org, key):
    case = CASES[key]
    file = getattr(case.make(org), case.field)
    year = timezone.localdate().year
    assert re.fullmatch(rf"{case.folder}/{year}/[0-9a-f]{{32}}\.[a-z0-9]+", file.name), file.name
    assert file.original_name == file.download_name == case.download


@pytest.mark.parametrize("key", CASES)
def test_old_media_links_follow_the_same_rule(org, client_for, key):
    case = CASES[key]
    file = getattr(case.make(org), case.field)
    names = [file.name] + [v for k, v in file.renditions.items() if k.isdigit()]
    for name in names:
        for persona in PERSONAS:
            response = client_for(persona).get(f"/media/{name}")
            assert response.status_code == (200 if persona in case.audience else 404), (
                name,
                persona,
            )
            if response.status_code == 200:
                assert body(response) == stored_bytes(file, name)


# The pages that show each file, to a reader in its audience (and, for an attachment, with
# the uploaded name in `download`).
PAGES = {
    "members.member.photo": lambda o: [reverse("members:member", args=[o.pk])],
    "lessons.lesson.cover": lambda o: [
        reverse("lessons:detail", args=[o.pk]),
        reverse("lessons:list"),
    ],
    "lessons.lesson.video": lambda o: [reverse("lessons:detail", args=[o.pk])],
    "lessons.attachment.file": lambda o: [reverse("lessons:detail", args=[o.lesson_id])],
    "lessons.sessionphoto.image": lambda o: [reverse("lessons:session", args=[o.session_id])],
    "notices.noticeattachment.file": lambda o: [reverse("notices:detail", args=[o.notice_id])],
    "campaigns.score.evidence": lambda o: [
        reverse("admin:campaigns_scoresheet_change", args=[o.sheet_id])
    ],
    "campaigns.storyphoto.image": lambda o: [reverse("campaigns:story", args=[o.story_id])],
    "sharing.photo.image": lambda o: [reverse("sharing:detail", args=[o.post_id])],
}
FILE_URL = re.compile(r"/files/[a-z_]+\.[a-z_]+/[0-9]+/[a-z_]+/(?:[0-9]+/)?\?v=[0-9a-f]+")


@pytest.mark.parametrize("key", CASES)
def test_the_pages_showing_a_file_link_it_through_its_object(org, client_for, key):
    assert set(PAGES) == set(CASES)
    case = CASES[key]
    owner = case.make(org)
    file = getattr(owner, case.field)
    reader = client_for(sorted(case.audience - {"superuser"})[0])
    for page in PAGES[key](owner):
        html = reader.get(page).content.decode()
        assert "/media/" not in html, page
        links = set(FILE_URL.findall(html))
        assert links, f"{page} shows no file"
        for link in links:
            assert reader.get(link).status_code == 200, link
        if key.endswith(".file"):
            assert f'href="{file.url}" download="{case.download}"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/files/lessons.nosuch/{pk}/cover/",
        "/files/nosuch.lesson/{pk}/cover/",
        "/files/lessons/{pk}/cover/",
        "/files/lessons.lesson/{pk}/title/",
        "/files/lessons.lesson/{pk}/unit/",
        "/files/lessons.lesson/{pk}/nosuch/",
        "/files/lessons.lesson/{pk}/video/",  # the field is empty
        "/files/lessons.lesson/{pk}/cover/9999/",  # no rendition that wide
        "/files/lessons.lesson/{pk}/video/360/",
        "/files/lessons.lesson/999999/cover/",
        "/files/lessons.lessonaudience/{pk}/lesson/",
        "/files/auth.user/1/password/",
    ],
)
def test_unknown_models_fields_objects_and_empty_fields_are_the_same_404(org, client_for, url):
    lesson = Lesson.objects.create(
        title="全员课程",
        unit=org.committee,
        status=Lesson.Status.PUBLISHED,
        cover=png("封面.png"),
    )
    assert client_for("superuser").get(lesson.cover.url).status_code == 200
    assert client_for("superuser").get(url.format(pk=lesson.pk)).status_code == 404


# --- the acceptance test: a draft notice's attachment of another committee ---------
def test_a_draft_notice_attachment_of_another_committee_is_404_for_all_but_its_editors(
    org, client_for
):
    other_organiser = make_member(org.branch_c, "孙邻县", user=make_user("other_organiser"))
    Post.objects.create(
        member=other_organiser,
        unit=org.other_committee,
        kind=Post.Kind.ORGANISER,
        start_on=datetime.date(2024, 1, 1),
    )
    notice = Notice.objects.create(
        title="邻县党委会议（草稿）", unit=org.other_committee, status=Notice.Status.DRAFT
    )
    NoticeAudience.objects.create(notice=notice, unit=org.other_committee)
    attachment = NoticeAttachment.objects.create(
        notice=notice, title="议程", file=SimpleUploadedFile("议程.pdf", PDF)
    )
    url = attachment.file.url
    for persona in (*PERSONAS, "member_c"):
        expected = 200 if persona == "superuser" else 404
        assert client_for(persona).get(url).status_code == expected, persona
        assert client_for(persona).get(f"/media/{attachment.file.name}").status_code == expected
    editor = client_for("anonymous")
    editor.force_login(other_organiser.user)
    response = editor.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(False, "议程.pdf")

    # Published to its committee: its audience now reads it; other committees still do not.
    notice.status = Notice.Status.PUBLISHED
    notice.save()
    assert client_for("member_c").get(url).status_code == 200
    for persona in ("organiser", "secretary_a", "member_a", "member_b", "staff"):
        assert client_for(persona).get(url).status_code == 404, persona


# --- behind nginx -------------------------------------------------------------------------------
def test_accel_redirect_hands_an_allowed_file_to_nginx_without_a_body(org, client_for, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    attachment = notice_attachment(org)
    response = client_for("member_b").get(attachment.file.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{attachment.file.name}"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""


def test_accel_redirect_is_not_sent_for_a_file_the_person_may_not_see(org, client_for, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    attachment = notice_attachment(org)
    for url in (attachment.file.url, f"/media/{attachment.file.name}"):
        response = client_for("member_a").get(url)
        assert response.status_code == 404
        assert "X-Accel-Redirect" not in response


def test_accel_redirect_percent_encodes_a_name_stored_before_names_were_random(
    org, client_for, settings, media
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    (media.root / "党员证明 1.pdf").write_bytes(PDF)
    attachment = media.attach("党员证明 1.pdf")
    response = client_for("member_a").get(attachment.file.url)
    assert response["X-Accel-Redirect"] == (
        "/protected-media/%E5%85%9A%E5%91%98%E8%AF%81%E6%98%8E%201.pdf"
    )


# --- nothing uploaded runs as a page, whatever its name or bytes -------------------------------
@dataclass
class Media:
    """MEDIA_ROOT, and a lesson every login reads whose attachments are files already in
    MEDIA_ROOT (as if stored before names were random: the stored name is kept as it is)."""

    root: Path
    lesson: Lesson

    def attach(self, name: str) -> Attachment:
        return Attachment.objects.create(lesson=self.lesson, title=name, file=name)


@pytest.fixture
def media(settings, org) -> Media:
    root = Path(settings.MEDIA_ROOT)
    (root / "members" / "photos").mkdir(parents=True)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    (root / "members" / "photos" / "li.png").write_bytes(buffer.getvalue())
    (root / "evil.html").write_text("<script>alert(document.cookie)</script>")
    (root / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (root / "notes.txt").write_text("plain")
    (root / "no-extension").write_bytes(b"<html><script>alert(1)</script></html>")
    (root.parent / "secret.txt").write_text("outside MEDIA_ROOT")
    Member.objects.filter(pk=org.member_a.pk).update(photo="members/photos/li.png")
    lesson = Lesson.objects.create(
        title="全员课程", unit=org.committee, status=Lesson.Status.PUBLISHED
    )
    return Media(root=root, lesson=lesson)


def served(client, media: Media, name: str, method: str = "get"):
    return getattr(client, method)(media.attach(name).file.url)


@pytest.mark.parametrize(
    "url", ["/files/members.member/{pk}/photo/", "/media/members/photos/li.png"]
)
def test_anonymous_is_sent_to_login(org, client_for, media, url):
    response = client_for("anonymous").get(url.format(pk=org.member_a.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["member_a", "secretary_a", "organiser"])
def test_a_photo_is_inline_and_sandboxed(org, client_for, media, persona):
    org.member_a.refresh_from_db()
    response = client_for(persona).get(org.member_a.photo.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="li.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert body(response).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "notes.txt", "no-extension"])
def test_anything_but_plain_media_is_an_attachment_never_a_page(client_for, media, name):
    response = served(client_for("member_a"), media, name)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_no_object_holds_is_404(client_for, media):
    assert client_for("superuser").get("/media/evil.html").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "%2e%2e/secret.txt",
        "%2E%2E%2Fsecret.txt",
        "members/../../secret.txt",
        "members/%2e%2e/%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "members/photos/../../../secret.txt",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "members/photos/",
        "members/photos/missing.png",
        "..",
    ],
)
def test_path_traversal_and_missing_files_are_404(client_for, media, path):
    response = client_for("superuser").get(f"/media/{path}")
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/passwd", "missing.pdf"])
def test_a_stored_name_outside_media_root_or_missing_is_404(client_for, media, name):
    assert served(client_for("superuser"), media, name).status_code == 404


def test_normalised_paths_inside_media_are_refused_rather_than_rewritten(client_for, media):
    # members/photos/../photos/li.png stays inside MEDIA_ROOT but is not a canonical name.
    response = client_for("member_a").get("/media/members/photos/../photos/li.png")
    assert response.status_code == 404


def test_head_is_allowed_and_post_is_not(org, client_for, media):
    client = client_for("member_a")
    url = Member.objects.get(pk=org.member_a.pk).photo.url
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405
    assert client.post("/media/members/photos/li.png").status_code == 405


@pytest.mark.parametrize("name", ["党员证明.pdf", 'quote".html'])
def test_file_names_are_quoted_in_the_header(client_for, media, name):
    (media.root / name).write_bytes(PDF)
    response = served(client_for("member_a"), media, name)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    if name.endswith(".pdf"):
        assert disposition.startswith("inline; filename*=utf-8''")
    else:
        assert disposition == 'attachment; filename="quote\\".html"'


@pytest.mark.parametrize(
    "name",
    [
        "EVIL.HTML",
        "photo.png.html",
        "page.htm",
        "page.xhtml",
        "feed.xml",
        "drawing.SVG",
        "drawing.svgz",
        "script.js",
        "style.css",
        "favicon.ico",
        "movie.swf",
    ],
)
def test_documents_and_scripts_are_attachments_whatever_the_case_or_double_extension(
    client_for, media, name
):
    (media.root / name).write_bytes(b"<html><script>alert(1)</script></html>")
    response = served(client_for("member_a"), media, name)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_uploaded_page_gets_a_name_that_is_no_page(org, media):
    # The stored extension is the portal's choice of the uploaded one, in lower case and
    # letters and digits only; the type of the answer comes from it, never from the upload.
    cases = [("EVIL.HTML", ".html"), ("a.b c", ""), ("x.p%hp", ""), ("页面.ＨＴＭＬ", "")]
    for uploaded, suffix in cases:
        attachment = Attachment.objects.create(
            lesson=media.lesson, title="x", file=SimpleUploadedFile(uploaded, b"<html>")
        )
        pattern = rf"lessons/attachments/\d{{4}}/[0-9a-f]{{32}}{re.escape(suffix)}"
        assert re.fullmatch(pattern, attachment.file.name), attachment.file.name
        assert attachment.original_name == uploaded


def test_html_bytes_under_a_picture_name_are_never_sniffed_into_a_page(client_for, media):
    # Pillow re-encodes uploads, but a file put there by other means must still be inert:
    # its declared type is an image and the browser is told not to guess.
    (media.root / "polyglot.png").write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>")
    response = served(client_for("member_a"), media, "polyglot.png")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "sandbox" in policy
    assert "script-src" not in policy  # scripts fall back to default-src 'none'


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("a.jpg", "image/jpeg"),
        ("a.webp", "image/webp"),
        ("a.gif", "image/gif"),
        ("a.mp4", "video/mp4"),
        ("a.pdf", "application/pdf"),
    ],
)
def test_pictures_video_and_pdf_are_inline_with_the_same_protection(
    client_for, media, name, content_type
):
    (media.root / name).write_bytes(b"\x00" * 16)
    response = served(client_for("member_a"), media, name)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_head_answers_carry_the_protective_headers_too(client_for, media):
    response = served(client_for("member_a"), media, "evil.svg", method="head")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_link_inside_media_root_to_a_file_outside_is_404(client_for, media):
    (media.root / "members" / "link.txt").symlink_to(media.root.parent / "secret.txt")
    assert served(client_for("member_a"), media, "members/link.txt").status_code == 404
    assert client_for("member_a").get("/media/members/link.txt").status_code == 404


@pytest.mark.parametrize(
    "path", ["evil.html%00.png", "evil.html\x00.png", "%00", "a%5c..%5c..%5csecret.txt"]
)
def test_nul_bytes_and_backslashes_in_a_media_path_are_404(client_for, media, path):
    assert client_for("member_a").get(f"/media/{path}").status_code == 404
