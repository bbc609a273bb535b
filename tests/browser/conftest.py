"""Fixtures for the browser tests: Debian's Chromium driven by Playwright's sync API.

Playwright's sync API keeps an asyncio loop marked as running in the main thread while it is
started, and Django refuses ORM calls there (SynchronousOnlyOperation). So Playwright is
started per module, not per session (pytest-playwright's own `playwright` fixture is
session-scoped and would leave the loop in place for every test that runs after these), and
DJANGO_ALLOW_ASYNC_UNSAFE is set only while a browser module runs.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here.
SCREENSHOTS=1 saves a full-page PNG of each page the tests look at to screenshots/.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from members import demo
from tests.conftest import chromium_path

PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Ten seconds is generous for a page served from the same machine; the default 30 s only
# makes a broken test slow.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def chromium() -> Browser:
    path = chromium_path()
    if path is None:  # tests/conftest.py skips (or fails) browser tests before we get here
        pytest.skip("no Chromium found")
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()
    patch.undo()


@dataclass
class Console:
    """What the page said on its console: errors, warnings and CSP violations."""

    messages: list[str] = field(default_factory=list)

    def record(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.messages.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"uncaught: {error}")

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


@dataclass
class Phone:
    """A page in a phone-sized browser window, and the console it listens to."""

    page: Page
    console: Console
    base_url: str

    def open(self, path: str) -> Response:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        return response

    def scroll_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def screenshot(self, name: str) -> None:
        if os.environ.get("SCREENSHOTS") != "1":
            return
        folder = Path(settings.BASE_DIR) / "screenshots"
        folder.mkdir(exist_ok=True)
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=folder / f"{slug}.png", full_page=True)

    def log_in(self, username: str, password: str = demo.DEMO_PASSWORD) -> None:
        """Log in through the real login form, as a person would."""
        self.open("/accounts/login/")
        self.page.locator("input[name=login]").fill(username)
        self.page.locator("input[name=password]").fill(password)
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").click()
        assert self.page.url == self.base_url + "/", f"login did not land on home: {self.page.url}"


def _phone(chromium: Browser, live_server, **context_args) -> Phone:
    context = chromium.new_context(viewport=PHONE, **context_args)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console = Console()
    page.on("console", console.record)
    page.on("pageerror", console.page_error)
    return Phone(page=page, console=console, base_url=live_server.url)


@pytest.fixture
def demo_org(transactional_db):
    """The demo organisation (186 members, the four demo logins), made in about a second."""
    return demo.seed()


@pytest.fixture
def phone(chromium, live_server, demo_org):
    """A 360x740 phone browser, in English, with JavaScript on."""
    phone = _phone(chromium, live_server, locale="en-GB")
    yield phone
    phone.page.context.close()


@pytest.fixture
def make_phone(chromium, live_server, demo_org):
    """make_phone(locale=..., java_script_enabled=...) for a phone with other settings."""
    made: list[Phone] = []

    def make(**context_args) -> Phone:
        phone = _phone(chromium, live_server, **context_args)
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.page.context.close()
