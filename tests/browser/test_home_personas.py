"""The home page of each demo login, in headless Chromium at 360x740 and at 1280x800: it fits
the screen (no sideways scrolling), shows the panels of that person's role, and the console
stays clean (no errors, no Content-Security-Policy violations). The organiser also opens the
statistics dashboard at both sizes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from .conftest import PHONE, TIMEOUT_MS, Console, Phone

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}

# What each login must (and must not) find on the home page.
ROLES = {
    "organiser": {
        "present": ["#todo-title", "main a[href='/stats/']", ".home-lessons", ".home-banners"],
        "absent": [],
        "todo": ["Appraisal to score", "Reflections to review", "Nominations to review"],
    },
    "secretary": {
        "present": ["#todo-title", ".home-lessons", ".home-banners"],
        "absent": ["a[href='/stats/']"],
        "todo": ["Appraisal to score"],
    },
    "member": {
        "present": [".home-lessons", ".home-plans", ".home-banners"],
        "absent": ["#todo-title", "a[href='/stats/']"],
        "todo": [],
    },
    "staff": {
        "present": [".home-lessons", ".home-banners"],
        "absent": ["#todo-title", ".home-plans", "a[href='/stats/']"],
        "todo": [],
    },
}


@pytest.fixture
def full_demo(demo_org):
    """Every app's demo data on top of the demo organisation (seed_demo is idempotent)."""
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def screens(chromium, live_server):
    """screen(viewport) -> a fresh browser context (its own login) of that size, in English."""
    contexts = []

    def make(viewport: dict) -> Phone:
        context = chromium.new_context(viewport=viewport, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        console = Console()
        page.on("console", console.record)
        page.on("pageerror", console.page_error)
        return Phone(page=page, console=console, base_url=live_server.url)

    yield make
    for context in contexts:
        context.close()


SIZES = (("phone", PHONE), ("desktop", DESKTOP))


def check_home(screen: Phone, login: str, label: str) -> None:
    width = screen.page.viewport_size["width"]
    screen.log_in(login)
    page = screen.page
    assert screen.scroll_width() <= width, f"{login} at {label} scrolls sideways"
    role = ROLES[login]
    for selector in role["present"]:
        assert page.locator(selector).count() > 0, f"{login} at {label}: no {selector}"
    for selector in role["absent"]:
        assert page.locator(selector).count() == 0, f"{login} at {label}: {selector} shown"
    if role["todo"]:
        todo = page.locator(".home-todo")
        assert todo.count() == 1
        # The to-do card comes first, above every app's panel.
        assert todo.bounding_box()["y"] < page.locator(".home-lessons").bounding_box()["y"]
        text = todo.inner_text()
        for entry in role["todo"]:
            assert entry in text, f"{login}: no '{entry}' on the to-do card"
    screen.screenshot(f"home {login} {label}")
    assert screen.console.messages == [], screen.console.messages


def test_home_of_each_demo_login_fits_its_role_on_a_phone_and_a_desktop(full_demo, screens):
    # One test for the eight pages: the full demo data takes most of the time to make.
    for login in ROLES:
        for label, viewport in SIZES:
            check_home(screens(viewport), login, label)


def test_statistics_fit_a_phone_and_a_desktop(demo_org, screens):
    for label, viewport in SIZES:
        screen = screens(viewport)
        screen.log_in("organiser")
        screen.open("/stats/")
        page = screen.page
        assert screen.scroll_width() <= viewport["width"], f"statistics scroll at {label}"
        assert page.locator("section.stats-table").count() == 8
        assert page.locator("section.stats-table svg[role=img]").count() == 8
        # A download is a real XLSX file.
        with page.expect_download() as download:
            page.locator("#coverage a[download]").click()
        assert download.value.suggested_filename.startswith("stats-coverage-")
        screen.screenshot(f"statistics {label}")
        assert screen.console.messages == [], screen.console.messages
