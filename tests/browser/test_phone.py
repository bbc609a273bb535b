"""The portal on a 360 px phone, in headless Chromium: log in, find a colleague, read their
profile; no page scrolls sideways, the menu works without JavaScript, the language switch
works, and nothing breaks the Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Member

from .conftest import PHONE

pytestmark = pytest.mark.browser


def demo_member() -> Member:
    return Member.objects.select_related("unit").get(user__username="member")


def colleague_of(member: Member) -> Member:
    return (
        Member.objects.active()
        .filter(unit=member.unit)
        .exclude(pk=member.pk)
        .order_by("name", "pk")
        .first()
    )


def test_member_logs_in_and_finds_a_colleague_in_the_directory(phone):
    me = demo_member()
    colleague = colleague_of(me)
    page = phone.page

    phone.log_in("member")
    assert page.locator("h1").inner_text() == f"Hello, {me.name}"

    page.locator("summary", has_text="Menu").click()
    page.locator("nav.nav").get_by_role("link", name="Directory").click()
    page.wait_for_url("**/org/members/")
    phone.screenshot("directory")

    page.get_by_label("Name").fill(colleague.name)
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/org/members/?q=*")
    results = page.locator("ul.member-list > li > a")
    assert colleague.name in results.all_inner_texts()

    results.filter(has_text=colleague.name).first.click()
    page.wait_for_url(f"**{reverse('members:member', args=[colleague.pk])}")
    assert page.locator("h1").inner_text().startswith(colleague.name)
    assert page.get_by_role("link", name=me.unit.name).is_visible()
    phone.screenshot("profile of a colleague")

    assert phone.console.messages == []


def test_no_page_scrolls_sideways_on_a_phone(phone):
    me = demo_member()
    pages = {
        "login": reverse("account_login"),
        "home": reverse("home"),
        "organisation": reverse("members:overview"),
        "unit": reverse("members:unit", args=[me.unit.pk]),
        "committee": reverse("members:unit", args=[me.unit.parent_id]),
        "directory": reverse("members:directory"),
        "directory search": reverse("members:directory") + "?q=%E7%8E%8B",
        "profile": reverse("members:member", args=[colleague_of(me).pk]),
        "my profile": reverse("members:me"),
        "password change": reverse("account_change_password"),
    }
    too_wide = {}
    phone.open(pages.pop("login"))
    if phone.scroll_width() > PHONE["width"]:
        too_wide["login"] = phone.scroll_width()
    phone.screenshot("login")
    phone.log_in("member")
    for name, path in pages.items():
        phone.open(path)
        phone.screenshot(name)
        if phone.scroll_width() > PHONE["width"]:
            too_wide[name] = phone.scroll_width()

    assert too_wide == {}, f"pages wider than {PHONE['width']} px: {too_wide}"
    assert phone.console.messages == []


def test_not_found_page_fits_a_phone(phone):
    phone.log_in("member")
    response = phone.page.goto(phone.base_url + "/org/members/999999999/")
    assert response.status == 404
    assert phone.page.locator("h1").inner_text() == "Not found"
    assert phone.page.locator("header.site-header summary").is_visible(), "inside the layout"
    assert phone.scroll_width() <= PHONE["width"]
    phone.screenshot("not found")


def test_menu_opens_without_javascript(make_phone):
    phone = make_phone(locale="en-GB", java_script_enabled=False)
    page = phone.page
    phone.log_in("member")
    nav = page.locator("nav.nav")
    assert not nav.is_visible(), "the menu should start closed on a phone"

    page.locator("summary", has_text="Menu").click()
    assert nav.is_visible()
    phone.screenshot("menu open")
    nav.get_by_role("link", name="My profile").click()
    page.wait_for_url(f"**{reverse('members:me')}")
    assert page.locator("h1").inner_text().startswith(demo_member().name)
    assert phone.scroll_width() <= PHONE["width"]


def test_language_switch_turns_the_page_english(make_phone):
    phone = make_phone(locale="zh-CN")
    page = phone.page
    phone.log_in("member")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("summary").inner_text().strip() != "Menu"

    phone.open(reverse("members:directory"))
    with page.expect_navigation():
        page.locator("footer form.language-form button[value=en]").click()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(reverse("members:directory")), "the switch stays on the same page"
    assert page.locator("h1").inner_text() == "Member directory"
    assert page.locator("summary").inner_text().strip() == "Menu"
    phone.screenshot("english directory")
    assert phone.console.messages == []


def test_pages_keep_to_the_content_security_policy(make_phone):
    """The policy forbids inline script and style; Chromium reports each violation on the
    console, so a page that keeps to it leaves the console empty."""
    phone = make_phone(locale="zh-CN")
    phone.log_in("organiser")
    me = Member.objects.get(user__username="organiser")
    for path in (
        reverse("members:overview"),
        reverse("members:unit", args=[me.unit.pk]),
        reverse("members:directory") + "?q=%E7%8E%8B",
        reverse("members:member", args=[colleague_of(me).pk]),
        reverse("members:me"),
    ):
        response = phone.open(path)
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
    assert phone.console.csp_violations == []
    assert phone.console.messages == []
