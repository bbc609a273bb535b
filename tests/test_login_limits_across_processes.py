"""Failed-login limits hold across worker processes with the default configuration.

allauth counts failed logins in the cache. By default the cache is a table of the portal's
own database (CACHE_URL unset: db://), which every gunicorn worker shares; a cache of one
process (locmem://) is warned about by `check --deploy` and refused by gunicorn.conf.py when
it would start several workers.

The two-process test starts two real gunicorn processes on one database (a new SQLite file,
or a new PostgreSQL database when the suite runs on PostgreSQL) and alternates failed logins
between them.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core import checks

from partyportal.checks import shared_cache

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PASSWORD = "pass-for-tests-2017"


@pytest.fixture
def process_database(tmp_path):
    """The DATABASE_URL of a new, empty database for processes started by a test."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'portal.sqlite3'}"
        return
    import psycopg

    name = f"limits_{uuid.uuid4().hex[:12]}"
    server = urllib.parse.urlsplit(suite_url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(suite_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def portal_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a portal process: the defaults, but for the database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="true",  # plain static files: no collectstatic needed for the login page
        SECRET_KEY="tests-only-secret-key-for-two-processes-0123456789",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 (our own manage.py, our own arguments)
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (a local test server)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


class Browser:
    """One person's cookies across both processes (they share the secret key and database).
    Every request names one host, as behind the reverse proxy of a real deployment: allauth
    counts failed logins per site domain and login, and the two ports would be two sites."""

    HOST = "localhost"

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.opener.addheaders = [("Accept-Language", "en")]

    def log_in(self, base: str, login: str, password: str) -> tuple[int, str]:
        headers = {"Host": self.HOST}
        url = f"{base}/accounts/login/"
        page = self.opener.open(urllib.request.Request(url, headers=headers)).read().decode()  # noqa: S310
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": login, "password": password}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (a local test server)
            url, data=data, headers={**headers, "Referer": f"http://{self.HOST}/accounts/login/"}
        )
        try:
            response = self.opener.open(request)
            return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_failed_logins_are_counted_across_two_worker_processes(process_database):
    env = portal_env(process_database)
    manage(env, "migrate", "--verbosity", "0")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('member_a', password='{PASSWORD}')",
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(  # noqa: S603 (our own gunicorn, our own arguments)
            [
                GUNICORN,
                "--config",
                "gunicorn.conf.py",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{p}",
            ],
            cwd=BASE_DIR,
            env={**env, "GUNICORN_THREADS": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, server in zip(bases, servers, strict=True):
            wait_for(f"{base}/accounts/login/", server)
        browser = Browser()
        # Five failed tries for one account, alternating: three on one process, two on the
        # other. Each process alone has seen fewer than the limit (5 in 5 minutes).
        for attempt in range(5):
            status, _page = browser.log_in(bases[attempt % 2], "member_a", "wrong")
            assert status == 200
        # The sixth, with the right password, is refused by whichever process gets it.
        status, page = browser.log_in(bases[1], "member_a", PASSWORD)
        assert status in (200, 429)
        assert 'name="password"' in page, "the sixth try was let in"
        assert "Too many failed login attempts" in page
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def test_gunicorn_refuses_several_workers_on_a_cache_of_one_process(tmp_path):
    env = portal_env(f"sqlite:///{tmp_path / 'unused.sqlite3'}", CACHE_URL="locmem://")
    result = subprocess.run(  # noqa: S603 (our own gunicorn, our own arguments)
        [
            GUNICORN,
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{free_port()}",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "failed logins" in result.stderr + result.stdout


@pytest.mark.parametrize(
    "backend, warned",
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("django.core.cache.backends.dummy.DummyCache", True),
        ("django.core.cache.backends.db.DatabaseCache", False),
        ("django.core.cache.backends.redis.RedisCache", False),
    ],
)
def test_check_deploy_warns_about_a_cache_of_one_process(settings, backend, warned):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "portal_cache"}}
    messages = shared_cache()
    assert bool(messages) is warned
    assert all(m.level == checks.WARNING and m.id == "partyportal.W001" for m in messages)


def test_the_default_cache_is_the_database():
    from partyportal.settings import cache_from_url

    assert cache_from_url("db://")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
