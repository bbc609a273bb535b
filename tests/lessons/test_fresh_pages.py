"""The lesson list and the lesson page show every write on the next visit: a lesson
published, edited, addressed, archived or coming due; a series or reading changed; a tag,
attachment or question added; a lesson opened, learned or liked; a reflection written,
hidden or liked. Every form carries the request's own CSRF token."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lessons.models import (
    Attachment,
    Lesson,
    LessonAudience,
    Question,
    Reading,
    Reflection,
    ReflectionLike,
    StudyRecord,
    Tag,
)

pytestmark = [pytest.mark.django_db]

LIST = reverse("lessons:list")


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def detail(lesson) -> str:
    return reverse("lessons:detail", args=[lesson.pk])


def test_a_lesson_is_opened_once_and_again_after_its_record_is_gone(org, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    get(client, detail(lesson))
    get(client, detail(lesson))
    assert StudyRecord.objects.filter(lesson=lesson, user=org.member_a.user).count() == 1
    StudyRecord.objects.filter(lesson=lesson).delete()
    get(client, detail(lesson))
    assert StudyRecord.objects.filter(lesson=lesson, user=org.member_a.user).count() == 1


# --- lessons ----------------------------------------------------------------------------------
def test_a_published_edited_and_archived_lesson_shows_at_once(org, client_for, make_lesson):
    client = client_for("member_a")
    get(client, LIST)
    lesson = make_lesson("新发布的课")
    assert "新发布的课" in get(client, LIST)
    assert "新发布的课" in get(client, detail(lesson))
    lesson.title = "改过标题的课"
    lesson.body = "<p>新的正文</p>"
    lesson.save()
    assert "改过标题的课" in get(client, LIST)
    page = get(client, detail(lesson))
    assert "改过标题的课" in page and "新的正文" in page
    lesson.status = Lesson.Status.ARCHIVED
    lesson.save()
    assert "改过标题的课" not in get(client, LIST)
    get(client, detail(lesson), status=404)


def test_an_audience_added_or_removed_shows_at_once(org, client_for, make_lesson):
    lesson = make_lesson("A支部专课", units=[org.branch_a])
    client_a, client_b = client_for("member_a"), client_for("member_b")
    assert "A支部专课" in get(client_a, LIST)
    assert "A支部专课" not in get(client_b, LIST)
    get(client_b, detail(lesson), status=404)
    lesson.audience_units.add(org.branch_b)
    assert "A支部专课" in get(client_b, LIST)
    get(client_b, detail(lesson))
    LessonAudience.objects.filter(lesson=lesson, unit=org.branch_b).delete()
    assert "A支部专课" not in get(client_b, LIST)
    get(client_b, detail(lesson), status=404)


def test_a_scheduled_lesson_comes_due_without_any_write(monkeypatch, client_for, make_lesson):
    now = timezone.now()
    lesson = make_lesson(
        "定时发布的课",
        status=Lesson.Status.SCHEDULED,
        publish_at=now + datetime.timedelta(hours=1),
    )
    client = client_for("member_a")
    assert "定时发布的课" not in get(client, LIST)
    get(client, detail(lesson), status=404)
    later = now + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "定时发布的课" in get(client, LIST)
    assert "定时发布的课" in get(client, detail(lesson))


def test_series_reading_tag_attachment_and_question_show_at_once(client_for, make_lesson, series):
    lesson = make_lesson()
    tag = Tag.objects.create(name="新标签")
    client = client_for("member_a")
    get(client, LIST)
    get(client, detail(lesson))
    series.name = "改名的栏目"
    series.save()
    assert "改名的栏目" in get(client, LIST)
    assert "改名的栏目" in get(client, detail(lesson))
    Reading.objects.create(name="学习强国", url="https://www.xuexi.cn/")
    assert "学习强国" in get(client, LIST)
    lesson.tags.add(tag)
    assert "新标签" in get(client, detail(lesson))
    Attachment.objects.create(
        lesson=lesson, title="学习材料", file=ContentFile(b"text", name="material.txt")
    )
    assert "学习材料" in get(client, detail(lesson))
    Question.objects.create(
        lesson=lesson,
        text="党的根本宗旨是什么？",
        option_a="为人民服务",
        option_b="发展",
        answer="a",
    )
    assert "党的根本宗旨是什么？" in get(client, detail(lesson))


def test_a_series_filter_shows_only_its_lessons(client_for, make_lesson, series):
    from lessons.models import Series

    other = Series.objects.create(name="道德讲堂")
    make_lesson("两学一做的课")
    make_lesson("道德讲堂的课", series=other)
    client = client_for("member_a")
    page = get(client, f"{LIST}?series={other.pk}")
    assert "道德讲堂的课" in page and "两学一做的课" not in page
    page = get(client, LIST)
    assert "道德讲堂的课" in page and "两学一做的课" in page


def test_a_page_past_the_end_shows_the_last_one(client_for, make_lesson):
    make_lesson("唯一的课")
    client = client_for("member_a")
    assert "唯一的课" in get(client, f"{LIST}?page=999")
    assert "唯一的课" in get(client, f"{LIST}?page=1")


# --- what a person did ------------------------------------------------------------------------
def test_learning_a_lesson_shows_at_once_on_the_list_and_the_page(client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    get(client, detail(lesson))
    assert "badge-ok" not in get(client, LIST)
    assert "learned-note" not in get(client, detail(lesson))
    client.post(reverse("lessons:learned", args=[lesson.pk]))
    assert "badge-ok" in get(client, LIST)
    assert "learned-note" in get(client, detail(lesson))
    # Another reader sees the learned count at once, and not their own badge.
    other = client_for("member_b")
    assert "1 colleague has learned" in get(other, detail(lesson))
    assert "badge-ok" not in get(other, LIST)


def test_a_like_of_a_lesson_shows_at_once(client_for, make_lesson):
    lesson = make_lesson()
    client, other = client_for("member_a"), client_for("member_b")
    get(client, detail(lesson))
    get(other, detail(lesson))
    client.post(reverse("lessons:like", args=[lesson.pk]))
    mine = get(client, detail(lesson))
    assert 'class="like liked" aria-pressed="true"' in mine
    assert '<span class="like-count">1</span>' in get(other, detail(lesson))
    client.post(reverse("lessons:like", args=[lesson.pk]))
    assert 'class="like liked"' not in get(client, detail(lesson))
    assert '<span class="like-count">0</span>' in get(other, detail(lesson))


# --- reflections ------------------------------------------------------------------------------
def test_a_reflection_written_hidden_and_liked_shows_at_once(org, client_for, make_lesson):
    lesson = make_lesson()
    author, reader, organiser = (
        client_for("member_a"),
        client_for("member_b"),
        client_for("organiser"),
    )
    for client in (author, reader, organiser):
        assert "心得很深" not in get(client, detail(lesson))
    author.post(reverse("lessons:reflect", args=[lesson.pk]), {"text": "心得很深"})
    for client in (author, reader, organiser):
        assert "心得很深" in get(client, detail(lesson))
    reflection = Reflection.objects.get(lesson=lesson)
    reader.post(reverse("lessons:reflection_like", args=[reflection.pk]))
    liked = re.compile(r'class="like liked".*?<span class="like-count">1</span>', re.S)
    assert liked.search(get(reader, detail(lesson)))
    assert '<span class="like-count">1</span>' in get(author, detail(lesson))
    ReflectionLike.objects.filter(reflection=reflection).delete()
    assert 'class="like liked"' not in get(reader, detail(lesson))
    organiser.post(reverse("lessons:reflection_hide", args=[reflection.pk]))
    assert "心得很深" not in get(reader, detail(lesson))
    assert "心得很深" in get(author, detail(lesson))  # the author still sees their own
    assert "hidden-reflection" in get(organiser, detail(lesson))
    reflection.refresh_from_db()
    reflection.delete()
    assert "心得很深" not in get(organiser, detail(lesson))


def test_an_author_renamed_shows_at_once(org, client_for, make_lesson):
    lesson = make_lesson()
    Reflection.objects.create(lesson=lesson, author=org.member_a.user, text="学习体会")
    client = client_for("member_b")
    assert "李安" in get(client, detail(lesson))
    org.member_a.name = "李安改"
    org.member_a.save()
    assert "李安改" in get(client, detail(lesson))


def test_a_rejected_reflection_comes_back_with_its_errors(client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    get(client, detail(lesson))
    response = client.post(reverse("lessons:reflect", args=[lesson.pk]), {"text": "   "})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert 'class="error"' not in get(client, detail(lesson))


@pytest.mark.parametrize("persona", ["member_a", "member_b", "secretary_a", "organiser"])
def test_each_reader_sees_the_newest_reflections_they_may_see(
    monkeypatch, org, client_for, make_lesson, persona
):
    from lessons import views

    monkeypatch.setattr(views, "REFLECTIONS_SHOWN", 2)
    lesson = make_lesson()
    now = timezone.now()
    for minutes, author, text, hidden in [
        (40, org.member_b, "最早的心得", False),
        (30, org.member_a, "被隐藏的心得", True),
        (20, org.member_b, "较新的心得", False),
        (10, org.secretary_a, "最新隐藏的心得", True),
    ]:
        Reflection.objects.create(
            lesson=lesson,
            author=author.user,
            text=text,
            is_hidden=hidden,
            created_at=now - datetime.timedelta(minutes=minutes),
        )
    page = get(client_for(persona), detail(lesson))
    section = re.search(r'<section class="card" id="reflections">.*?</section>', page, re.S)
    shown = re.findall(r'<p class="reflection-text">([^<]+)</p>', section.group(0))
    expected = {
        "member_a": ["较新的心得", "被隐藏的心得"],  # their own hidden one
        "member_b": ["较新的心得", "最早的心得"],
        "secretary_a": ["最新隐藏的心得", "较新的心得"],
        "organiser": ["最新隐藏的心得", "较新的心得"],  # keeps the lesson: sees hidden ones
    }
    assert shown == expected[persona]


# --- forms and languages ----------------------------------------------------------------------
def _tokens(text: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', text))


def test_the_forms_carry_the_requests_own_token(org, make_lesson):
    lesson = make_lesson()
    Question.objects.create(lesson=lesson, text="问题", option_a="甲", option_b="乙", answer="a")
    reflection = Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="体会")
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.member_a.user)
    page = get(client, detail(lesson))
    assert _tokens(page)  # masked afresh by each form: all of them valid
    token = re.search(
        r'action="/lessons/reflections/\d+/like/"><input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    ).group(1)
    response = client.post(
        reverse("lessons:reflection_like", args=[reflection.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    token = re.search(r'class="check-form">\s*<input[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("lessons:check", args=[lesson.pk]),
        {"csrfmiddlewaretoken": token, f"q{lesson.questions.get().pk}": "a"},
    )
    assert response.status_code == 302
    assert StudyRecord.objects.get(lesson=lesson, user=org.member_a.user).completed_at


def test_the_page_and_the_list_follow_the_language(settings, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    english = get(client, detail(lesson)), get(client, LIST)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = get(client, detail(lesson)), get(client, LIST)
    assert '">课程</a>' in chinese[0] and '">Lessons</a>' in english[0]
    assert "学习心得" in chinese[0] and "Reflections" in english[0]
    assert "微课堂" in chinese[1] and "Micro-classroom" in english[1]


def test_a_search_finds_two_character_words_and_pages_without_counting(
    org, client_for, make_lesson, monkeypatch
):
    from lessons import views

    monkeypatch.setattr(views, "LESSONS_PER_PAGE", 2)
    for n in range(3):
        make_lesson(f"党员学习{n}", body="<p>合格党员的标准。</p>")
    make_lesson("廉政教育", body="<p>守住底线。</p>")
    client = client_for("member_a")
    first = get(client, f"{LIST}?q=党员")
    assert "党员学习2" in first and "党员学习1" in first and "廉政教育" not in first
    assert 'rel="next"' in first and "Page 1</span>" in first
    second = get(client, f"{LIST}?q=党员&page=2")
    assert "党员学习0" in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert "廉政教育" in get(client, f"{LIST}?q=底线")  # found in the text, not the title
    assert "No lesson matches" in get(client, f"{LIST}?q=党员+底线")
