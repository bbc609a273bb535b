"""With the production environment, cookies are Secure, HttpOnly and SameSite and every answer
carries HSTS, nosniff, a Referrer-Policy and frame protection.

The values are the ones `partyportal.settings` computes from the production variables (read
in a clean subprocess, as in tests/test_settings.py), applied here to real requests over
HTTPS. tests/test_settings.py checks the settings themselves; this checks what a browser gets.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.test_settings import PRINT_SETTINGS, production_env, run

pytestmark = pytest.mark.django_db

PRODUCTION_NAMES = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
]


@pytest.fixture(scope="module")
def production_values(tmp_path_factory) -> dict:
    env = production_env(tmp_path_factory.mktemp("prod"))
    result = run(["-c", PRINT_SETTINGS, *PRODUCTION_NAMES], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def production(settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, value)
    return production_values


class HttpsClient(Client):
    """Every request over HTTPS, as the proxy hands it on."""

    def generic(self, *args, **kwargs):
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


def https_client() -> Client:
    return HttpsClient()


def test_the_production_cookies_are_secure_http_only_and_same_site(org, production):
    client = https_client()
    login = client.get(reverse("account_login"))
    csrf = client.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"
    response = client.post(
        reverse("account_login"),
        {"login": "member_a", "password": PASSWORD},
        headers={"referer": "https://testserver/accounts/login/"},
    )
    assert login.status_code == 200
    assert response.status_code == 302
    session = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    client.post(
        reverse("set_language"),
        {"language": "en", "next": "/"},
        headers={"referer": "https://testserver/"},
    )
    language = client.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert language["secure"]
    assert language["samesite"] == "Lax"


@pytest.mark.parametrize("persona", ["anonymous", "member_a", "secretary_a"])
def test_every_answer_over_https_carries_the_protective_headers(org, production, persona):
    client = https_client()
    if persona != "anonymous":
        client.force_login(getattr(org, persona).user)
    urls = [reverse("account_login"), "/no-such-page/"]
    if persona != "anonymous":
        urls += [reverse("home"), reverse("members:directory")]
    if persona == "secretary_a":
        urls += [reverse("admin:index"), reverse("admin:members_member_changelist")]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_plain_http_is_sent_to_https(org, production):
    response = Client().get(reverse("account_login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_check_deploy_is_clean_behind_a_proxy_with_redis_and_accel_redirect(tmp_path):
    env = production_env(
        tmp_path,
        TRUSTED_PROXY_COUNT="1",
        CACHE_URL="redis://127.0.0.1:6379/15",
        CSRF_TRUSTED_ORIGINS="https://portal.example.com",
        MEDIA_ACCEL_REDIRECT="/protected-media/",
        EMAIL_URL="smtp://mail.example.com:25?from=portal@example.com",
    )
    result = run(["manage.py", "check", "--deploy"], env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
