"""The lesson list and the lesson page are served from the cache (lessons.caching), and every
write that changes what they show shows on the next visit: a lesson published, edited,
addressed, archived or coming due; a series or reading changed; a tag, attachment or question
added; a lesson opened, learned or liked; a reflection written, hidden or liked. The cached
parts hold no CSRF token: each request gets its own."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons import caching
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
from members import person_cache

pytestmark = [pytest.mark.django_db]

LIST = reverse("lessons:list")


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    return len(captured)


def detail(lesson) -> str:
    return reverse("lessons:detail", args=[lesson.pk])


# --- from the cache ---------------------------------------------------------------------------
def test_second_visits_ask_almost_nothing(client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    first_list, first_page = queries(client, LIST), queries(client, detail(lesson))
    get(client, LIST)  # the opening of the lesson dropped the person's study records
    # The login, and nothing else of the micro-classroom's.
    assert queries(client, LIST) <= 2 < first_list
    assert queries(client, detail(lesson)) <= 2 < first_page


def test_a_lesson_is_opened_once_and_again_after_its_record_is_gone(org, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    get(client, detail(lesson))
    get(client, detail(lesson))
    assert StudyRecord.objects.filter(lesson=lesson, user=org.member_a.user).count() == 1
    StudyRecord.objects.filter(lesson=lesson).delete()
    get(client, detail(lesson))
    assert StudyRecord.objects.filter(lesson=lesson, user=org.member_a.user).count() == 1


def test_the_cached_page_is_what_is_drawn_without_the_cache(settings, org, client_for, make_lesson):
    lesson = make_lesson()
    Question.objects.create(lesson=lesson, text="问题", option_a="甲", option_b="乙", answer="a")
    Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="体会")
    client = client_for("member_a")

    def main(text: str) -> str:
        text = re.search(r"<main.*</main>", text, re.S).group(0)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    for url in (LIST, detail(lesson), f"{LIST}?page=1&series={lesson.series_id}"):
        get(client, url)
        cached = main(get(client, url))
        settings.PERSON_CACHE = False
        assert main(get(client, url)) == cached
        settings.PERSON_CACHE = True


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


def test_a_series_filter_is_kept_apart(client_for, make_lesson, series):
    from lessons.models import Series

    other = Series.objects.create(name="道德讲堂")
    make_lesson("两学一做的课")
    make_lesson("道德讲堂的课", series=other)
    client = client_for("member_a")
    page = get(client, f"{LIST}?series={other.pk}")
    assert "道德讲堂的课" in page and "两学一做的课" not in page
    page = get(client, LIST)
    assert "道德讲堂的课" in page and "两学一做的课" in page


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
    # Another reader sees the learned count at once.
    assert "1 colleague has learned" in get(client_for("member_b"), detail(lesson))


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


# --- CSRF -------------------------------------------------------------------------------------
def _tokens(text: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', text))


def test_cached_forms_carry_each_requests_own_token(org, make_lesson):
    lesson = make_lesson()
    Question.objects.create(lesson=lesson, text="问题", option_a="甲", option_b="乙", answer="a")
    reflection = Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="体会")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (first, second):  # two logins of one person: the second reads the cache
        client.force_login(org.member_a.user)
    get(first, detail(lesson))
    page = get(second, detail(lesson))
    assert person_cache.CSRF_SLOT not in page
    assert "check-form" in page
    token = re.search(
        r'action="/lessons/reflections/\d+/like/"><input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    ).group(1)
    response = second.post(
        reverse("lessons:reflection_like", args=[reflection.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    # The check's form too, drawn once for every reader.
    token = re.search(r'class="check-form">\s*<input[^>]*value="([^"]+)"', page).group(1)
    response = second.post(
        reverse("lessons:check", args=[lesson.pk]),
        {"csrfmiddlewaretoken": token, f"q{lesson.questions.get().pk}": "a"},
    )
    assert response.status_code == 302
    assert StudyRecord.objects.get(lesson=lesson, user=org.member_a.user).completed_at


def test_the_cache_holds_no_csrf_token(org, client_for, make_lesson):
    from django.core.cache import cache

    lesson = make_lesson()
    Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="体会")
    client = client_for("organiser")
    page = get(client, detail(lesson))
    tokens = _tokens(page)
    assert tokens
    stored = " ".join(str(value) for value in cache._cache.values())  # locmem: pickled bytes
    assert not any(token in stored for token in tokens)


def test_each_language_has_its_own_parts(settings, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    english = get(client, detail(lesson)), get(client, LIST)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = get(client, detail(lesson)), get(client, LIST)
    assert '">课程</a>' in chinese[0] and '">Lessons</a>' in english[0]  # the shared article
    assert "学习心得" in chinese[0] and "Reflections" in english[0]
    assert "微课堂" in chinese[1] and "Micro-classroom" in english[1]


def test_searches_and_odd_queries_are_drawn_and_not_kept(client_for, make_lesson):
    make_lesson("党章学习")
    make_lesson("廉政教育")
    client = client_for("member_a")
    page = get(client, f"{LIST}?q=廉政")
    assert "廉政教育" in page and "党章学习" not in page
    page = get(client, f"{LIST}?q=&series=")  # the filter form sent empty
    assert "廉政教育" in page and "党章学习" in page
    first = queries(client, f"{LIST}?q=党章")
    assert queries(client, f"{LIST}?q=党章") == first  # a search is asked every time
    queries(client, f"{LIST}?q=&series=")
    assert queries(client, f"{LIST}?q=&series=") <= 2


def test_a_process_with_another_secret_key_does_not_read_these_parts(
    monkeypatch, org, client_for, make_lesson
):
    lesson = make_lesson()
    Question.objects.create(lesson=lesson, text="问题", option_a="甲", option_b="乙", answer="a")
    Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="体会很深")
    reader, organiser = client_for("member_a"), client_for("organiser")
    get(reader, detail(lesson))
    get(organiser, detail(lesson))
    slots = {person_cache.CSRF_SLOT, "1" * 64}
    # What a process with another key would use (a rotated key, another site on the cache).
    monkeypatch.setattr(person_cache, "CSRF_SLOT", "1" * 64)
    monkeypatch.setattr(caching, "ROWS_SLOT", "2" * 64)
    monkeypatch.setattr(person_cache, "SLOTS", "3" * 12)
    for client in (reader, organiser):
        page = get(client, detail(lesson))
        assert "体会很深" in page and "check-form" in page
        assert _tokens(page) and not _tokens(page) & slots
        assert "2" * 64 not in page


@pytest.mark.parametrize("persona", ["member_a", "member_b", "secretary_a", "organiser"])
def test_each_reader_sees_the_reflections_drawn_without_the_cache(
    settings, monkeypatch, org, client_for, make_lesson, persona
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
        reflection = Reflection.objects.create(
            lesson=lesson,
            author=author.user,
            text=text,
            is_hidden=hidden,
            created_at=now - datetime.timedelta(minutes=minutes),
        )
    ReflectionLike.objects.create(reflection=reflection, user=org.member_a.user)
    client = client_for(persona)

    def section() -> str:
        text = get(client, detail(lesson))
        text = re.search(r'<section class="card" id="reflections">.*?</section>', text, re.S)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text.group(0))

    get(client, detail(lesson))
    cached = section()
    settings.PERSON_CACHE = False
    assert section() == cached
    assert cached.count("<li id=") == 2


def test_colleagues_share_the_list_each_with_their_own_badges(org, client_for, make_lesson):
    from tests.conftest import make_member, make_user

    lesson = make_lesson("共同的课")
    colleague = make_member(org.branch_a, "周同事", user=make_user("colleague_a"))
    mine, theirs = client_for("member_a"), Client()
    theirs.force_login(colleague.user)
    get(mine, LIST)
    get(theirs, LIST)
    mine.post(reverse("lessons:learned", args=[lesson.pk]))
    assert "badge-ok" in get(mine, LIST)
    with CaptureQueriesContext(connection) as captured:
        assert "badge-ok" not in get(theirs, LIST)
    assert len(captured) <= 2  # the login; the shared list came from the cache


def test_a_page_past_the_end_shows_the_last_one(client_for, make_lesson):
    make_lesson("唯一的课")
    client = client_for("member_a")
    for _ in range(2):
        assert "唯一的课" in get(client, f"{LIST}?page=999")
        assert "唯一的课" in get(client, f"{LIST}?page=1")
