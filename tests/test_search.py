"""The portal's search: lessons, notices, stories, shared posts, people and units, each only
as far as the person may see them; Chinese words of two characters; matches marked safely;
one query per kind whatever the number of rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Story
from lessons.models import Lesson, LessonAudience
from members.models import Member
from partyportal import search as portal_search
from partyportal.search import highlight
from sharing import services as sharing_services


def make_lesson(org, title, body="<p>支部学习</p>", units=(), **extra):
    fields = {
        "unit": org.committee,
        "status": Lesson.Status.PUBLISHED,
        "publish_at": timezone.now() - datetime.timedelta(hours=1),
        "audience_all": not units,
    }
    lesson = Lesson.objects.create(title=title, body=body, **(fields | extra))
    for unit in units:
        LessonAudience.objects.create(lesson=lesson, unit=unit)
    return lesson


@pytest.fixture
def content(org):
    class Content:
        open_lesson = make_lesson(org, "党委中心组学习", body="<p>党委理论学习中心组集体学习。</p>")
        branch_a_lesson = make_lesson(
            org, "A支部专题课", body="<p>只给机关第一党支部的支部课程。</p>", units=[org.branch_a]
        )
        draft = make_lesson(org, "支部草稿课", status=Lesson.Status.DRAFT, publish_at=None)
        story = Story.objects.create(
            member=org.member_b,
            category=Story.Category.GOOD_DEED,
            title="运维支部的好人好事",
            body="赵博义务为村民检修线路。",
            status=Story.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        nomination = Story.objects.create(
            member=org.member_b,
            category=Story.Category.GOOD_DEED,
            title="支部提名中的故事",
            body="尚未发布",
        )
        branch_a_post = sharing_services.post_create(
            author=org.member_a, text="支部内部分享：党委会精神传达", audience="branch"
        )
        committee_post = sharing_services.post_create(
            author=org.member_b, text="全党委分享：支部共建", audience="committee"
        )

    return Content


def results(client, q):
    response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    return {g["kind"]: [r["url"] for r in g["results"]] for g in response.context["groups"]}


def test_member_of_branch_b_never_finds_branch_a_lesson_person_or_post(client_for, content, org):
    found = results(client_for("member_b"), "支部")
    urls = [u for group in found.values() for u in group]
    assert content.branch_a_lesson.get_absolute_url() not in urls
    assert content.branch_a_post.get_absolute_url() not in urls
    assert content.committee_post.get_absolute_url() in found["post"]
    assert results(client_for("member_b"), "李安") == {}  # member_a's name, in branch A


def test_member_of_branch_a_finds_their_branch_lesson_and_post(client_for, content):
    found = results(client_for("member_a"), "支部")
    assert content.branch_a_lesson.get_absolute_url() in found["lesson"]
    assert content.branch_a_post.get_absolute_url() in found["post"]
    assert content.draft.get_absolute_url() not in found["lesson"]
    assert reverse("campaigns:story", args=[content.story.pk]) in found["story"]
    assert reverse("campaigns:story", args=[content.nomination.pk]) not in found["story"]


def test_two_character_name_finds_the_colleague(client_for, content, org):
    found = results(client_for("secretary_a"), "李安")
    assert found["person"] == [reverse("members:member", args=[org.member_a.pk])]
    found = results(client_for("organiser"), "赵博")  # branch B, in the organiser's scope
    assert found["person"] == [reverse("members:member", args=[org.member_b.pk])]
    assert "person" not in results(client_for("organiser"), "钱程")  # the other committee


def test_two_character_word_finds_units_and_lessons(client_for, content, org):
    found = results(client_for("member_a"), "党委")
    assert found["unit"] == [
        reverse("members:unit", args=[org.committee.pk]),
        reverse("members:unit", args=[org.other_committee.pk]),
    ]
    assert content.open_lesson.get_absolute_url() in found["lesson"]
    found = results(client_for("organiser"), "支部")
    assert set(found["unit"]) == {
        reverse("members:unit", args=[unit.pk])
        for unit in (org.branch_a, org.branch_b, org.branch_c)
    }


def test_staff_find_open_lessons_stories_and_units_but_no_people_or_posts(client_for, content):
    found = results(client_for("staff"), "支部")
    assert "person" not in found and "post" not in found and "lesson" not in found
    assert "story" in found
    assert "unit" in found  # the organisation pages are open to every login
    found = results(client_for("staff"), "党委")
    assert found["lesson"] == [content.open_lesson.get_absolute_url()]


def test_notices_are_searched_through_their_own_module(client_for, org):
    from notices.models import Notice

    notice = Notice.objects.create(
        unit=org.committee,
        title="关于召开支部书记会议的通知",
        body="<p>请各支部书记参加。</p>",
        status=Notice.Status.PUBLISHED,
        publish_at=timezone.now() - datetime.timedelta(minutes=5),
        audience_all=True,
    )
    assert results(client_for("member_b"), "支部书记")["notice"] == [notice.get_absolute_url()]


def test_a_missing_search_module_is_skipped_but_a_broken_one_is_not(monkeypatch):
    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(portal_search, "import_module", missing)
    assert list(portal_search._providers()) == []

    def broken(name):
        raise ModuleNotFoundError("No module named 'nh4'", name="nh4")

    monkeypatch.setattr(portal_search, "import_module", broken)
    with pytest.raises(ModuleNotFoundError):
        list(portal_search._providers())


def test_matches_are_marked_and_everything_else_escaped(client_for, org):
    make_lesson(org, '<b>支部</b> & "党建"', body="<p>a &lt; b 支部</p>")
    response = client_for("member_a").get(reverse("search"), {"q": "支部"})
    body = response.content.decode()
    assert "&lt;b&gt;<mark>支部</mark>&lt;/b&gt; &amp; &quot;党建&quot;" in body
    assert "<b>支部</b>" not in body


def test_a_query_with_markup_is_escaped(client_for, org):
    make_lesson(org, "<script>x</script> 课")
    body = client_for("member_a").get(reverse("search"), {"q": "<script>"}).content.decode()
    assert "<mark>&lt;script&gt;</mark>x&lt;/script&gt;" in body
    assert "<script>x" not in body


@pytest.mark.parametrize(
    ("text", "q", "expected"),
    [
        ("党委和支部", "支部", "党委和<mark>支部</mark>"),
        ("Party AND party", "party", "<mark>Party</mark> AND <mark>party</mark>"),
        ("a &amp; b", "amp", "a &amp;<mark>amp</mark>; b"),  # the entity is not cut in half
        ("x<y", "<", "x<mark>&lt;</mark>y"),
        ("无匹配", "支部", "无匹配"),
    ],
)
def test_highlight(text, q, expected):
    assert highlight(text, q) == expected


@pytest.mark.parametrize("q", ["", "   ", "\t\n"])
def test_empty_or_blank_query_searches_nothing(client_for, content, q):
    client = client_for("member_a")
    client.get(reverse("search"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    assert response.context["groups"] == [] and not response.context["searched"]
    assert not any("lessons_lesson" in query["sql"] for query in queries)


def test_too_long_query_is_refused_with_a_message(client_for, content):
    response = client_for("member_a").get(reverse("search"), {"q": "支" * 51})
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert response.context["groups"] == []


def test_groups_are_capped_and_say_there_is_more(client_for, org):
    for n in range(portal_search.GROUP_CAP + 3):
        make_lesson(org, f"支部课程{n}")
    response = client_for("member_a").get(reverse("search"), {"q": "支部课程"})
    (group,) = response.context["groups"]
    assert len(group["results"]) == portal_search.GROUP_CAP and group["more"]
    assert f"{portal_search.GROUP_CAP}+" in response.content.decode()


def add_rows(org, count, start=0):
    now = timezone.now()
    Lesson.objects.bulk_create(
        Lesson(
            title=f"支部课程{n:05d}",
            body="<p>支部</p>",
            unit=org.committee,
            status=Lesson.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(minutes=n + 1),
        )
        for n in range(start, start + count)
    )
    Member.objects.bulk_create(
        Member(unit=org.branch_a, name=f"支部党员{n:05d}", gender=Member.Gender.MALE)
        for n in range(start, start + count)
    )


def test_search_queries_do_not_grow_with_rows(client_for, org, content):
    # Session and access, then one query per kind: lessons, notices, stories, posts,
    # people and units.
    client = client_for("organiser")
    add_rows(org, 10)
    client.get(reverse("search"), {"q": "支部"})
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("search"), {"q": "支部"})
    add_rows(org, 990, start=10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("search"), {"q": "支部"})
    assert len(large) == len(small)
    kinds = {g["kind"] for g in response.context["groups"]}
    assert {"lesson", "person", "unit", "post", "story"} <= kinds
