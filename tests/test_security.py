"""Security headers on every answer, and templates that the strict CSP can run unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


PAGES = [
    ("anonymous", "account_login"),
    ("anonymous", "account_reset_password"),
    ("member_a", "home"),
    ("member_a", "members:overview"),
    ("member_a", "members:directory"),
    ("member_a", "members:me"),
    ("member_a", "account_change_password"),
    ("member_a", "account_logout"),
    ("secretary_a", "admin:index"),
]


@pytest.mark.parametrize("persona, name", PAGES)
def test_pages_carry_the_security_headers(client_for, persona, name):
    response = client_for(persona).get(reverse(name))
    assert response.status_code == 200
    directives = csp_directives(response)
    for directive in ("script-src", "style-src"):
        assert directives[directive] == ["'self'"], directive
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_not_found_page_carries_the_headers_too(client_for):
    response = client_for("member_a").get("/no-such-page/")
    assert response.status_code == 404
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_session_cookie_is_http_only_and_same_site(org):
    from tests.conftest import PASSWORD

    client = Client()
    client.post(reverse("account_login"), {"login": "member_a", "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# --- Templates hold no inline script, style or event handler ---------------------------------
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
HTMX_ON = re.compile(r"\shx-on[:\-]", re.IGNORECASE)  # needs unsafe-eval under a strict CSP
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)

OFFENCES = {
    "inline <script> body": INLINE_SCRIPT,
    "<style> element": STYLE_ELEMENT,
    "style= attribute": STYLE_ATTRIBUTE,
    "on*= event handler": EVENT_HANDLER,
    "hx-on attribute": HTMX_ON,
    "javascript: URL": JAVASCRIPT_URL,
}


def page_templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def offences_in(text: str) -> list[str]:
    return [label for label, pattern in OFFENCES.items() if pattern.search(text)]


def test_there_are_templates_to_scan():
    assert len(page_templates()) >= 10


@pytest.mark.parametrize("template", page_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_script_style_or_handler(template):
    assert offences_in(template.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">import x from "y"</script>',
        '<p style="color:red">',
        "<style>p{}</style>",
        '<button onclick="go()">',
        '<body\n onload="go()">',
        '<div hx-on:click="go()">',
        '<a href="javascript:go()">',
    ],
)
def test_the_scanner_catches_each_offence(snippet):
    assert offences_in(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/js/like.js" defer></script>',
        '<button type="submit" class="link-button">',
        '<input name="content" value="on">',
        '<a href="/org/" data-online="1">',
    ],
)
def test_the_scanner_allows_what_the_csp_allows(snippet):
    assert offences_in(snippet) == []


@pytest.mark.parametrize("persona, name", PAGES)
def test_rendered_pages_have_no_inline_script_or_style(client_for, persona, name):
    # Also covers allauth's and the admin's own templates, which are not under templates/.
    html = client_for(persona).get(reverse(name)).content.decode()
    found = offences_in(html)
    assert found == [], found
