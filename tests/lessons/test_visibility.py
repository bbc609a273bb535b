"""Who reads which lesson: audience by unit subtree, scheduling by time, drafts never."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.models import Lesson
from members.scoping import access_for


def test_lesson_for_branch_a_is_404_for_member_of_branch_b(org, client_for, make_lesson):
    lesson = make_lesson("支部专题课", units=[org.branch_a])
    url = reverse("lessons:detail", args=[lesson.pk])
    assert client_for("member_a").get(url).status_code == 200
    assert client_for("member_b").get(url).status_code == 404
    assert client_for("staff").get(url).status_code == 404


def test_lesson_for_committee_reaches_its_whole_subtree_only(org, client_for, make_lesson):
    lesson = make_lesson("党委专题课", units=[org.committee])
    url = reverse("lessons:detail", args=[lesson.pk])
    assert client_for("member_a").get(url).status_code == 200
    assert client_for("member_b").get(url).status_code == 200
    other = Lesson.objects.visible_to(access_for(org.member_c.user))
    assert not other.filter(pk=lesson.pk).exists()


def test_lesson_for_all_staff_is_open_to_staff_without_membership(org, client_for, make_lesson):
    lesson = make_lesson("全员课程")
    assert client_for("staff").get(reverse("lessons:detail", args=[lesson.pk])).status_code == 200


def test_branch_lesson_missing_from_other_branch_list(org, client_for, make_lesson):
    make_lesson("仅限一支部的课程", units=[org.branch_a])
    assert "仅限一支部的课程" in client_for("member_a").get(reverse("lessons:list")).text
    assert "仅限一支部的课程" not in client_for("member_b").get(reverse("lessons:list")).text


def test_organiser_reads_lessons_addressed_below_them(org, client_for, make_lesson):
    lesson = make_lesson("二支部课程", units=[org.branch_b])
    url = reverse("lessons:detail", args=[lesson.pk])
    assert client_for("organiser").get(url).status_code == 200  # organiser sits in branch A
    assert client_for("secretary_a").get(url).status_code == 404


@pytest.mark.parametrize(
    "status", [Lesson.Status.DRAFT, Lesson.Status.ARCHIVED], ids=["draft", "archived"]
)
def test_drafts_and_archived_lessons_are_not_shown(org, client_for, make_lesson, status):
    lesson = make_lesson("未发布", status=status)
    assert (
        client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).status_code == 404
    )
    assert "未发布" not in client_for("member_a").get(reverse("lessons:list")).text


def test_scheduled_lesson_appears_when_its_time_comes(org, make_lesson):
    publish_at = timezone.now() + datetime.timedelta(hours=2)
    lesson = make_lesson("定时发布", status=Lesson.Status.SCHEDULED, publish_at=publish_at)
    access = access_for(org.member_a.user)
    assert not Lesson.objects.visible_to(access).filter(pk=lesson.pk).exists()
    later = publish_at + datetime.timedelta(seconds=1)
    assert Lesson.objects.visible_to(access, now=later).filter(pk=lesson.pk).exists()


def test_scheduled_lesson_needs_a_time(org, series):
    lesson = Lesson(title="x", unit=org.committee, series=series, status=Lesson.Status.SCHEDULED)
    with pytest.raises(Exception) as error:
        lesson.full_clean()
    assert "publish_at" in error.value.message_dict


def test_published_without_time_gets_publication_time(org, series):
    lesson = Lesson.objects.create(
        title="立即发布", unit=org.committee, status=Lesson.Status.PUBLISHED
    )
    assert lesson.publish_at is not None and lesson.is_live


def test_search_finds_two_character_chinese_words(org, client_for, make_lesson):
    make_lesson("党委中心组学习", body="<p>学习内容</p>")
    make_lesson("班组安全日", body="<p>各支部开展安全活动</p>")
    make_lesson("营销服务", body="<p>优质服务</p>")
    client = client_for("member_a")
    page = client.get(reverse("lessons:list"), {"q": "党委"}).text
    assert "党委中心组学习" in page and "班组安全日" not in page
    page = client.get(reverse("lessons:list"), {"q": "支部"}).text
    assert "班组安全日" in page and "营销服务" not in page
    page = client.get(reverse("lessons:list"), {"q": "学习 党委"}).text
    assert "党委中心组学习" in page and "营销服务" not in page


def test_list_filters_by_series_and_is_newest_first(org, client_for, make_lesson, series):
    from lessons.models import Series

    other = Series.objects.create(name="党风廉政")
    now = timezone.now()
    make_lesson("旧课", publish_at=now - datetime.timedelta(days=3))
    make_lesson("新课", publish_at=now - datetime.timedelta(days=1))
    make_lesson("廉政课", series=other)
    page = client_for("member_a").get(reverse("lessons:list"), {"series": series.pk}).text
    assert "廉政课" not in page
    assert page.index("新课") < page.index("旧课")
