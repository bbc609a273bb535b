"""Settings come from the environment, fail loudly on bad values, and pass `check --deploy`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from partyportal.settings import cache_from_url, email_from_url, envbool, envint, envlist

BASE_DIR = django_settings.BASE_DIR


def production_env(tmp_path, **extra) -> dict:
    """A clean environment with only the production variables (DEBUG unset)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "partyportal.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_production_variables_reports_nothing(tmp_path):
    result = run(["manage.py", "check", "--deploy"], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_warns_about_a_cache_of_one_process(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"], production_env(tmp_path, CACHE_URL="locmem://")
    )
    assert "partyportal.W001" in result.stdout + result.stderr


def test_missing_secret_key_without_debug_is_a_clear_startup_error(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path, SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_secret_key_is_fine_in_debug(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=None, DEBUG="true")
    result = run(["-c", PRINT_SETTINGS, "DEBUG"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"DEBUG": True}


PRINT_SETTINGS = (
    "import json, sys; from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}, default=str))"
)


def test_production_defaults_are_safe(tmp_path):
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "ALLOWED_HOSTS",
        "ALLAUTH_TRUSTED_PROXY_COUNT",
    ]
    result = run(["-c", PRINT_SETTINGS, *names], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["ALLOWED_HOSTS"] == ["portal.example.com"]
    assert values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0


def test_environment_reaches_the_settings(tmp_path):
    env = production_env(
        tmp_path,
        TRUSTED_PROXY_COUNT="1",
        CACHE_URL="redis://127.0.0.1:6379/2",
        EMAIL_URL="smtp+tls://mailer:s%40cret@mail.example.com:587?from=portal@example.com",
        DATABASE_URL="postgres://portal:pw@db.example.com:5432/portal",
        MEDIA_ROOT=str(tmp_path / "uploads"),
        PORTAL_URL="https://portal.example.com/",
    )
    names = [
        "PORTAL_URL",
        "ALLAUTH_TRUSTED_PROXY_COUNT",
        "SECURE_PROXY_SSL_HEADER",
        "CACHES",
        "EMAIL_HOST",
        "EMAIL_HOST_PASSWORD",
        "DEFAULT_FROM_EMAIL",
        "DATABASES",
        "MEDIA_ROOT",
    ]
    result = run(["-c", PRINT_SETTINGS, *names], env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    assert values["PORTAL_URL"] == "https://portal.example.com"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/2"
    assert values["EMAIL_HOST"] == "mail.example.com"
    assert values["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert values["DEFAULT_FROM_EMAIL"] == "portal@example.com"
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "db.example.com"
    assert database["CONN_MAX_AGE"] > 0  # persistent connections in production
    assert values["MEDIA_ROOT"] == str(tmp_path / "uploads")


@pytest.mark.parametrize("name, value", [("DEBUG", "maybe"), ("TRUSTED_PROXY_COUNT", "one")])
def test_a_malformed_variable_stops_the_start(tmp_path, name, value):
    result = run(["manage.py", "check"], production_env(tmp_path, **{name: value}))
    assert result.returncode != 0
    assert f"{name} must be" in result.stderr


# --- The typed helpers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_envbool_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("PP_FLAG", raw)
    assert envbool("PP_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y"])
def test_envbool_rejects_other_values(monkeypatch, raw):
    monkeypatch.setenv("PP_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="PP_FLAG must be a boolean"):
        envbool("PP_FLAG", False)


def test_envbool_and_envint_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("PP_FLAG", raising=False)
    monkeypatch.setenv("PP_NUMBER", "")
    assert envbool("PP_FLAG", True) is True
    assert envint("PP_NUMBER", 7) == 7


def test_envint_reads_integers(monkeypatch):
    monkeypatch.setenv("PP_NUMBER", "42")
    assert envint("PP_NUMBER", 0) == 42


@pytest.mark.parametrize("raw", ["forty", "4.2", "1e3", "0x10"])
def test_envint_rejects_other_values(monkeypatch, raw):
    monkeypatch.setenv("PP_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="PP_NUMBER must be an integer"):
        envint("PP_NUMBER", 0)


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("PP_LIST", " a.example.com, b.example.com ,,")
    assert envlist("PP_LIST", []) == ["a.example.com", "b.example.com"]


def test_cache_from_url_redis():
    config = cache_from_url("redis://127.0.0.1:6379/0")
    assert config == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }


def test_cache_from_url_locmem():
    config = cache_from_url("locmem://")
    assert config["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_cache_from_url_rejects_an_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url("memcached://127.0.0.1:11211")


def test_email_from_url_smtp_with_starttls():
    config = email_from_url("smtp+tls://user:pw@host:587?from=x")
    assert config == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "host",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "user",
        "EMAIL_HOST_PASSWORD": "pw",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "DEFAULT_FROM_EMAIL": "x",
    }


def test_email_from_url_smtps_defaults_to_port_465():
    config = email_from_url("smtps://mail.example.com")
    assert config["EMAIL_PORT"] == 465
    assert config["EMAIL_USE_SSL"] is True
    assert config["EMAIL_USE_TLS"] is False


def test_email_from_url_locmem_and_console():
    assert email_from_url("locmem://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"
    }
    assert email_from_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_email_from_url_rejects_an_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_from_url("sendmail://localhost")


def test_time_zone_and_languages():
    assert django_settings.TIME_ZONE == "Asia/Shanghai"
    assert django_settings.USE_TZ is True
    assert [code for code, _name in django_settings.LANGUAGES] == ["zh-hans", "en"]
