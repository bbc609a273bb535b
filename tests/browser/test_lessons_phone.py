"""The micro-classroom on a 360 px phone, in headless Chromium, as the demo member: the home
page shows today's lessons and my plans; a lesson opens, is marked learned, liked (without a
reload when JavaScript is on, with a plain post when it is off) and reflected on; the plan's
progress moves. Nothing scrolls sideways and nothing breaks the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lessons import demo as lessons_demo
from lessons.models import Lesson, LessonLike, Reflection, StudyRecord

pytestmark = pytest.mark.browser

LESSON_TITLE = "党章第二章：党员的八项权利"  # in the 两学一做 plan, no short check
PLAN_TITLE = "两学一做专题学习"


@pytest.fixture
def classroom(demo_org):
    return lessons_demo.seed()


def test_member_learns_likes_and_reflects_on_a_phone(phone, classroom):
    page = phone.page
    phone.log_in("member")
    home = page.locator("main")
    assert home.locator("section.home-lessons").is_visible()
    assert home.locator("section.home-plans").get_by_text(PLAN_TITLE).is_visible()
    before = home.locator("section.home-plans").inner_text()
    assert "2 of 8 lessons learned" in before
    phone.screenshot("lessons home")

    home.get_by_role("link", name=LESSON_TITLE).click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == LESSON_TITLE
    assert phone.scroll_width() <= 360
    phone.screenshot("lesson page")

    with page.expect_navigation():
        page.get_by_role("button", name="Mark as learned").click()
    assert page.get_by_text("You learned this lesson").is_visible()
    lesson = Lesson.objects.get(title=LESSON_TITLE)
    assert StudyRecord.objects.get(user__username="member", lesson=lesson).completed_at

    # Like with JavaScript on: the count changes and the page is not reloaded.
    like = page.locator("#like button")
    count = int(like.locator(".like-count").inner_text())
    page.evaluate("window.__noReload = true")
    like.click()
    expect(like.locator(".like-count")).to_have_text(str(count + 1))
    assert page.evaluate("window.__noReload") is True
    assert like.get_attribute("aria-pressed") == "true"
    assert LessonLike.objects.filter(lesson=lesson, user__username="member").exists()

    page.get_by_label("Your reflection").fill("学习党员权利，要正确行使权利、履行义务。<b>")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    assert page.get_by_text("学习党员权利，要正确行使权利、履行义务。<b>").is_visible()
    assert Reflection.objects.filter(lesson=lesson, author__username="member").exists()
    phone.screenshot("lesson after reflection")

    phone.open("/lessons/plans/")
    plan = page.locator("section.plan", has_text=PLAN_TITLE)
    assert "3 of 8 lessons learned" in plan.inner_text()
    assert plan.locator("progress").get_attribute("value") == "37"
    assert phone.scroll_width() <= 360
    phone.screenshot("my plans")
    assert phone.console.messages == []


def test_like_works_with_javascript_off(make_phone, classroom):
    phone = make_phone(locale="en-GB", java_script_enabled=False)
    phone.log_in("member")
    lesson = Lesson.objects.get(title=LESSON_TITLE)
    phone.open(f"/lessons/{lesson.pk}/")
    count = int(phone.page.locator("#like .like-count").inner_text())
    with phone.page.expect_navigation():
        phone.page.locator("#like button").click()
    assert phone.page.url.endswith(f"/lessons/{lesson.pk}/#like")
    assert int(phone.page.locator("#like .like-count").inner_text()) == count + 1
