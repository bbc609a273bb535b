"""Two Party Portal instances behind nginx on this machine, sharing PostgreSQL and Redis.

Starts nginx (its own prefix, config, pid and logs under a temporary directory, listening on
127.0.0.1:8480) in front of two gunicorn instances (`-c gunicorn.conf.py` on 127.0.0.1:8481
and 8482) that share one PostgreSQL database and one Redis database, the way two application
machines would in production, and checks that they act as one portal:

- a login made on instance A holds on instance B, and a logout on B ends it on A;
- through nginx requests alternate between A and B (nginx's X-Upstream header, which only the
  test template in deploy/cluster/ adds) and the session holds on both;
- failed logins spread over A and B trip allauth's limit (LOGIN_FAILED_RATE_LIMIT) at the
  combined count, per account and per client address, and a client cannot dodge the per-address
  limit by sending its own X-Forwarded-For (nginx replaces it; TRUSTED_PROXY_COUNT=1);
- uploads are sent by nginx after Django checked that the person may see the object they
  belong to (MEDIA_ACCEL_REDIRECT), with Range requests answered; static files come hashed
  from whitenoise; DEBUG is off.

    .venv/bin/python scripts/cluster.py           # prepare, start, check, stop; exit 1 on failure
    .venv/bin/python scripts/cluster.py --serve   # prepare and start, serve until Ctrl-C

Exit status: 0 all checks passed, 1 a check failed, 3 nginx, PostgreSQL or Redis is not
available here (tests/test_cluster.py skips on 3 unless REQUIRE_CLUSTER=1).
bench/load.py imports `Cluster` to run its load against the same setup.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import grp
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = BASE_DIR / "deploy" / "cluster" / "nginx.conf.template"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cluster"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/6"
DEMO_LOGIN, DEMO_PASSWORD = "member", "demo-pass-2017"
UNAVAILABLE = 3


class Unavailable(Exception):
    """A service the cluster needs (nginx, PostgreSQL, Redis) is not there: not a failure."""


class StartFailed(Exception):
    """The cluster did not come up."""


def find_nginx() -> str | None:
    if os.environ.get("NGINX"):
        return _existing(os.environ["NGINX"])
    return shutil.which("nginx") or _existing("/usr/sbin/nginx")


def _existing(path: str) -> str | None:
    return path if os.access(path, os.X_OK) else None


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Cluster:
    """nginx on `port`, instance A on port+1, instance B on port+2."""

    database_url: str = DEFAULT_DATABASE_URL
    cache_url: str = DEFAULT_CACHE_URL
    port: int = 8480
    workers: int = 1
    threads: int = 4
    seed: bool = True
    keep: bool = False
    log: Callable[[str], None] = field(default=functools.partial(print, flush=True))
    # The caller's, so that bench/load.py --url can make sessions for a cluster run by --serve.
    secret_key: str = field(
        default_factory=lambda: os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
    )
    tmp: Path = field(init=False)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)

    @property
    def instances(self) -> dict[str, int]:
        return {"A": self.port + 1, "B": self.port + 2}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def media_root(self) -> Path:
        return self.tmp / "media"

    def env(self) -> dict[str, str]:
        """What both instances share; everything else is the default of partyportal.settings."""
        env = dict(os.environ)
        env.update(
            # Never the caller's (pytest sets tests.settings: another hasher, no Redis).
            DJANGO_SETTINGS_MODULE="partyportal.settings",
            DEBUG="false",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # Browsers send Origin on a POST; through nginx the Host is 127.0.0.1 without the
            # port, so name the origins the portal is reached at.
            CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{self.port},http://localhost:{self.port}",
            DATABASE_URL=self.database_url,
            CACHE_URL=self.cache_url,
            TRUSTED_PROXY_COUNT="1",
            # Plain http on localhost: nginx here does not terminate TLS, so a redirect to
            # https:// would lead nowhere, and clients do not send Secure cookies back over
            # http (the session would be lost after the login). Production keeps both on.
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            SECURE_HSTS_SECONDS="0",
            MEDIA_ROOT=str(self.media_root),
            MEDIA_ACCEL_REDIRECT="/protected-media/",
            STATIC_ROOT=str(self.tmp / "static"),
            GUNICORN_WORKERS=str(self.workers),
            GUNICORN_THREADS=str(self.threads),
            PYTHONUNBUFFERED="1",
        )
        return env

    # --- preparation ----------------------------------------------------------------------
    def check_available(self) -> str:
        nginx = find_nginx()
        if not nginx:
            raise Unavailable("nginx is not installed (apt-get install nginx-light)")
        try:
            import psycopg
            import redis
            from psycopg import sql
        except ImportError as error:
            raise Unavailable(f"{error.name} is not installed") from None
        parts = urlsplit(self.database_url)
        try:
            with psycopg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=parts.username or "postgres",
                password=parts.password,
                dbname="postgres",
                connect_timeout=3,
                autocommit=True,
            ) as connection:
                name = parts.path.lstrip("/")
                found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                exists = bool(found.fetchone())
                if exists and self.seed and self.database_url == DEFAULT_DATABASE_URL:
                    # The demo is seeded into the cluster's own database, made anew: its uploads
                    # live in this run's new media folder, and an earlier run's rows would point
                    # at files that are gone (seed_demo keeps rows that exist). A database named
                    # by the caller is never dropped.
                    connection.execute(
                        sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
                    )
                    exists = False
                if not exists:
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.log(f"created database {name}")
        except psycopg.OperationalError as error:
            raise Unavailable(f"PostgreSQL is not reachable at {parts.hostname}: {error}") from None
        # Only a Redis cache needs Redis; db:// is a table in the database checked above.
        try:
            if urlsplit(self.cache_url).scheme in {"redis", "rediss", "unix"}:
                redis.Redis.from_url(self.cache_url, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            raise Unavailable(f"Redis is not reachable at {self.cache_url}: {error}") from None
        busy = [p for p in (self.port, *self.instances.values()) if not port_is_free(p)]
        if busy:
            raise StartFailed(f"port(s) {busy} in use: is another cluster running?")
        return nginx

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise StartFailed(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def prepare(self) -> None:
        self.log("migrate" + (", seed_demo" if self.seed else "") + ", collectstatic")
        self.manage("migrate", "--noinput", "--verbosity", "0")
        if self.seed:
            self.manage("seed_demo")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")

    # --- processes ------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> None:
        logfile = (self.tmp / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - fixed argv built here
            argv,
            cwd=BASE_DIR,
            env=self.env(),
            stdout=logfile,
            stderr=subprocess.STDOUT,
            # Its own process group, so that stop() ends gunicorn's and nginx's workers too.
            start_new_session=True,
        )
        logfile.close()

    def nginx_conf(self) -> str:
        user = ""
        if os.geteuid() == 0:
            # A root master would otherwise try `nobody:nobody`, and Debian has no such group.
            nobody = pwd.getpwnam("nobody")
            user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
        text = TEMPLATE.read_text()
        for marker, value in {
            "@USER@": user,
            "@PREFIX@": str(self.tmp / "nginx"),
            "@LISTEN@": f"127.0.0.1:{self.port}",
            "@UPSTREAM_A@": f"127.0.0.1:{self.instances['A']}",
            "@UPSTREAM_B@": f"127.0.0.1:{self.instances['B']}",
            "@MEDIA_ROOT@": str(self.media_root),
        }.items():
            text = text.replace(marker, value)
        return text

    def start(self) -> None:
        nginx = self.check_available()
        self.tmp = Path(tempfile.mkdtemp(prefix="partyportal-cluster-"))
        # nginx's workers run as `nobody` under a root master: they must reach the media.
        self.tmp.chmod(0o755)
        self.media_root.mkdir(mode=0o755)
        (self.tmp / "nginx").mkdir()
        self.log(f"working directory {self.tmp}")
        self.prepare()
        for name, port in self.instances.items():
            self._spawn(
                f"gunicorn-{name}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    # gunicorn's default control socket is one per user ($HOME/.gunicorn/):
                    # two instances (or anyone else's gunicorn) would take it from each other.
                    "--control-socket",
                    str(self.tmp / f"gunicorn-{name}.ctl"),
                ],
            )
        conf = self.tmp / "nginx" / "nginx.conf"
        conf.write_text(self.nginx_conf())
        prefix = str(self.tmp / "nginx")
        self._spawn("nginx", [nginx, "-p", prefix, "-c", str(conf), "-e", f"{prefix}/error.log"])
        for name, port in {**self.instances, "nginx": self.port}.items():
            self._wait_ready(name, port)
        self.log(
            f"cluster up: nginx {self.url} -> A 127.0.0.1:{self.instances['A']}, "
            f"B 127.0.0.1:{self.instances['B']} ({self.workers} workers x {self.threads} threads "
            f"each; database {urlsplit(self.database_url).path.lstrip('/')}, cache {self.cache_url})"
        )

    def _wait_ready(self, name: str, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc_name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise StartFailed(f"{proc_name} exited with {proc.returncode}")
            with contextlib.suppress(OSError):
                status = request(port, "GET", "/accounts/login/").status
                if status == 200:
                    return
            time.sleep(0.2)
        raise StartFailed(f"{name} did not answer on port {port} within {timeout:.0f} s")

    def logs(self, lines: int = 30) -> str:
        out = []
        for path in [*sorted(self.tmp.glob("*.log")), self.tmp / "nginx" / "error.log"]:
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path.name} (last {len(tail)} lines)\n" + "\n".join(tail))
        return "\n".join(out)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()
        if getattr(self, "tmp", None) and not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @contextlib.contextmanager
    def running(self) -> Iterator[Cluster]:
        # A SIGTERM (e.g. from pytest's timeout or a CI runner) must still end our children.
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            try:
                self.start()
            except StartFailed as error:
                if getattr(self, "tmp", None):
                    raise StartFailed(f"{error}\n{self.logs()}") from None
                raise
            yield self
        finally:
            self.stop()
            signal.signal(signal.SIGTERM, previous)

    def clear_rate_limits(self) -> None:
        """Forget allauth's rate-limit counters (only those: the cache may be shared)."""
        import redis

        client = redis.Redis.from_url(self.cache_url)
        keys = list(client.scan_iter(match="*allauth:rl:*"))
        if keys:
            client.delete(*keys)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


# --- a tiny HTTP client: stdlib only, one connection per request, cookies by hand ------------
@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def upstream(self) -> str:
        return self.headers.get("X-Upstream", "")


def request(
    port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None
) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class Browser:
    """Cookies kept across requests to any port, as one phone would across instances."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def send(
        self,
        port: int,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        headers: dict | None = None,
    ) -> Response:
        sent = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        response = request(port, method, path, headers=sent, body=body)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def csrf(self, port: int, path: str = "/accounts/login/") -> str:
        page = self.send(port, "GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            raise AssertionError(f"no CSRF token on {path} (status {page.status})")
        return match.group(1)

    def login(
        self, port: int, login: str, password: str, *, token: str, headers: dict | None = None
    ) -> Response:
        form = {"login": login, "password": password, "csrfmiddlewaretoken": token}
        return self.send(port, "POST", "/accounts/login/", form=form, headers=headers)


WRONG = "are not correct"
TOO_MANY = "Too many failed login attempts"


def login_outcome(response: Response) -> str:
    if response.status == 302:
        return "logged in"
    if TOO_MANY in response.text:
        return "rate limited"
    if WRONG in response.text:
        return "wrong password"
    return f"unexpected {response.status}"


# --- the checks -----------------------------------------------------------------------------
class Checker:
    def __init__(self, cluster: Cluster, rates: str) -> None:
        self.cluster = cluster
        self.rates = rates
        self.results: list[tuple[bool, str]] = []
        self.a, self.b = cluster.instances["A"], cluster.instances["B"]
        self.names = {f"127.0.0.1:{port}": name for name, port in cluster.instances.items()}

    def record(self, ok: bool, text: str) -> None:
        self.results.append((ok, text))
        print(f"{'PASS' if ok else 'FAIL'}  {text}", flush=True)

    def served_by(self, responses: list[Response]) -> str:
        return "".join(self.names.get(r.upstream, "?") for r in responses)

    def run(self) -> bool:
        # A run stopped half-way may have left an account locked for five minutes.
        self.cluster.clear_rate_limits()
        for check in (
            self.check_session_across_instances,
            self.check_session_through_nginx,
            self.check_rate_limit_per_account,
            self.check_rate_limit_per_address,
            self.check_media,
            self.check_static_and_debug,
        ):
            try:
                check()
            except Exception as error:  # a crashed check is a failed check, with its reason
                self.record(False, f"{check.__name__}: {type(error).__name__}: {error}")
        return all(ok for ok, _text in self.results)

    def check_session_across_instances(self) -> None:
        phone = Browser()
        token = phone.csrf(self.a)
        outcome = login_outcome(phone.login(self.a, DEMO_LOGIN, DEMO_PASSWORD, token=token))
        home_b = phone.send(self.b, "GET", "/")
        self.record(
            outcome == "logged in" and home_b.status == 200 and "/accounts/logout/" in home_b.text,
            f"login on A (:{self.a}) holds on B (:{self.b}): login {outcome}, B's home page {home_b.status}",
        )
        token = phone.csrf(self.b, "/")
        # The browser forgets the cookie on logout; a second tab or a copied cookie does not.
        # Replaying it on A shows the session is gone from the shared store, not just cached
        # in B.
        stale = Browser()
        stale.cookies["sessionid"] = phone.cookies.get("sessionid", "")
        logout = phone.send(
            self.b, "POST", "/accounts/logout/", form={"csrfmiddlewaretoken": token}
        )
        home_a = stale.send(self.a, "GET", "/")
        self.record(
            logout.status == 302
            and home_a.status == 302
            and "/accounts/login/" in home_a.headers.get("Location", ""),
            f"logout on B ends the session on A: logout {logout.status}, the old session "
            f"cookie on A's home page {home_a.status} -> {home_a.headers.get('Location', '')}",
        )

    def check_session_through_nginx(self) -> None:
        phone = Browser()
        origin = {"Origin": self.cluster.url}
        token = phone.csrf(self.cluster.port)
        login = phone.login(
            self.cluster.port, DEMO_LOGIN, DEMO_PASSWORD, token=token, headers=origin
        )
        pages = [phone.send(self.cluster.port, "GET", "/") for _ in range(4)]
        served = self.served_by(pages)
        ok = login_outcome(login) == "logged in" and all(p.status == 200 for p in pages)
        self.record(
            ok and {"A", "B"} <= set(served),
            f"through nginx: login served by {self.served_by([login])}, then the home page "
            f"{[p.status for p in pages]} served by {served}",
        )

    def _rate(self, per: str) -> int | None:
        for rate in self.rates.split(","):
            parts = rate.strip().split("/")
            if len(parts) == 3 and parts[2] == per:
                return int(parts[0])
        return None

    def check_rate_limit_per_account(self) -> None:
        limit = self._rate("key")
        if not limit:
            self.record(True, f"no per-account limit in {self.rates!r}: nothing to check")
            return
        self.cluster.clear_rate_limits()
        phone = Browser()
        port, origin = self.cluster.port, {"Origin": self.cluster.url}
        token = phone.csrf(port)
        tries = [
            phone.login(port, DEMO_LOGIN, f"wrong-{i}", token=token, headers=origin)
            for i in range(limit + 1)
        ]
        right = phone.login(port, DEMO_LOGIN, DEMO_PASSWORD, token=token, headers=origin)
        outcomes = [login_outcome(r) for r in tries]
        ok = (
            outcomes == ["wrong password"] * limit + ["rate limited"]
            and {"A", "B"} <= set(self.served_by(tries[:limit]))
            and login_outcome(right) == "rate limited"
        )
        self.record(
            ok,
            f"per account ({limit} failed logins allowed): {limit + 1} wrong passwords for "
            f"'{DEMO_LOGIN}' served by {self.served_by(tries)} -> {_summary(outcomes)}; then the "
            f"right password -> {login_outcome(right)} (the account is locked on both)",
        )

    def check_rate_limit_per_address(self) -> None:
        limit = self._rate("ip")
        if not limit:
            self.record(True, f"no per-address limit in {self.rates!r}: nothing to check")
            return
        self.cluster.clear_rate_limits()
        phone = Browser()
        port = self.cluster.port
        token = phone.csrf(port)
        # Each try names another account (so the per-account limit stays out of it) and claims
        # another address in X-Forwarded-For: nginx must replace it with the real one.
        tries = [
            phone.login(
                port,
                f"nobody-{i}",
                "wrong",
                token=token,
                headers={"Origin": self.cluster.url, "X-Forwarded-For": f"198.51.100.{i + 1}"},
            )
            for i in range(limit + 1)
        ]
        outcomes = [login_outcome(r) for r in tries]
        ok = outcomes == ["wrong password"] * limit + ["rate limited"] and {"A", "B"} <= set(
            self.served_by(tries[:limit])
        )
        self.record(
            ok,
            f"per client address ({limit} failed logins allowed): {limit + 1} failed logins for "
            f"different accounts, each with a forged X-Forwarded-For, served by "
            f"{self.served_by(tries)} -> {_summary(outcomes)}",
        )
        self.cluster.clear_rate_limits()

    def check_media(self) -> None:
        # A demo lesson's cover the demo member reads, and one of a lesson addressed to a
        # branch they are not in: files are reached through the object they belong to.
        code = (
            "import json; from django.contrib.auth import get_user_model; "
            "from lessons.models import Lesson; from members.scoping import access_for; "
            f"access = access_for(get_user_model().objects.get(username={DEMO_LOGIN!r})); "
            "covers = Lesson.objects.exclude(cover='').order_by('pk'); "
            "mine = covers.filter(pk__in=Lesson.files_visible_to(access).values('pk')).first(); "
            "other = covers.exclude(pk__in=Lesson.files_visible_to(access).values('pk')).first(); "
            "print(json.dumps([mine.cover.url, mine.cover.name, other.cover.url]))"
        )
        output = self.cluster.manage("shell", "--no-imports", "-c", code)
        url, name, other = json.loads(output.strip().splitlines()[-1])
        stored = self.cluster.media_root / name
        # Uploads are 0640 (FILE_UPLOAD_PERMISSIONS); nginx's workers here run as `nobody`,
        # not in the portal's group as in production.
        stored.chmod(0o644)
        picture = stored.read_bytes()
        port = self.cluster.port

        anonymous = Browser().send(port, "GET", url)
        phone = Browser()
        token = phone.csrf(port)
        phone.login(
            port, DEMO_LOGIN, DEMO_PASSWORD, token=token, headers={"Origin": self.cluster.url}
        )
        whole = phone.send(port, "GET", url)
        part = phone.send(port, "GET", url, headers={"Range": "bytes=0-7"})
        old_link = phone.send(port, "GET", f"/media/{name}")
        outside = phone.send(port, "GET", other)
        direct = phone.send(port, "GET", f"/protected-media/{name}")
        ok = (
            anonymous.status == 302
            and whole.status == 200
            and whole.body == picture
            and whole.headers.get("X-Content-Type-Options") == "nosniff"
            and part.status == 206
            and part.body == picture[:8]
            and old_link.status == 200
            and outside.status == 404
            and direct.status == 404
        )
        self.record(
            ok,
            f"media through X-Accel-Redirect: anonymous {anonymous.status}, the member's lesson "
            f"cover {whole.status} ({len(whole.body)} bytes, nosniff), Range {part.status}, "
            f"its old /media/ link {old_link.status}, another branch's lesson cover "
            f"{outside.status}, /protected-media/ directly {direct.status}",
        )

    def check_static_and_debug(self) -> None:
        port = self.cluster.port
        login_page = request(port, "GET", "/accounts/login/")
        match = re.search(r'href="(/static/[^"]+\.css)"', login_page.text)
        stylesheet = request(port, "GET", match.group(1)) if match else None
        missing = request(port, "GET", "/no-such-page/")
        ok = (
            stylesheet is not None
            and stylesheet.status == 200
            and re.search(r"\.[0-9a-f]{12}\.css$", match.group(1))
            and missing.status in (302, 404)
            and "Traceback" not in missing.text
            and "URLconf" not in missing.text
        )
        self.record(
            bool(ok),
            f"static files from whitenoise: {match.group(1) if match else 'no stylesheet'} "
            f"{stylesheet.status if stylesheet else '-'}; DEBUG off: an unknown page is "
            f"{missing.status} without a debug page",
        )


def _summary(outcomes: list[str]) -> str:
    parts: list[str] = []
    for outcome in outcomes:
        if parts and parts[-1].endswith(outcome):
            count, _, text = parts[-1].partition(" x ")
            parts[-1] = f"{int(count) + 1} x {text}"
        else:
            parts.append(f"1 x {outcome}")
    return ", ".join(parts)


def effective_rates(cluster: Cluster) -> str:
    """LOGIN_FAILED_RATE_LIMIT as the instances read it (the settings' default unless set)."""
    code = "from django.conf import settings; print(settings.ACCOUNT_RATE_LIMITS['login_failed'])"
    return cluster.manage("shell", "--no-imports", "-c", code).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="start and serve until Ctrl-C")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--cache-url", default=DEFAULT_CACHE_URL)
    parser.add_argument("--port", type=int, default=8480, help="nginx; instances on +1, +2")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--no-seed", dest="seed", action="store_false", help="skip seed_demo")
    parser.add_argument("--keep", action="store_true", help="keep the working directory and logs")
    options = parser.parse_args(argv)
    cluster = Cluster(
        database_url=options.database_url,
        cache_url=options.cache_url,
        port=options.port,
        workers=options.workers,
        threads=options.threads,
        seed=options.seed,
        keep=options.keep,
    )
    started = time.monotonic()
    try:
        with cluster.running():
            if options.serve:
                print(f"serving {cluster.url} (Ctrl-C stops)", flush=True)
                while all(p.poll() is None for p in cluster.processes.values()):
                    time.sleep(1)
                print("a process of the cluster exited:\n" + cluster.logs(), file=sys.stderr)
                return 1
            checker = Checker(cluster, effective_rates(cluster))
            passed = checker.run()
            failed = [text for ok, text in checker.results if not ok]
            if not passed:
                print(cluster.logs(), file=sys.stderr)
    except Unavailable as error:
        print(f"SKIP  cluster check not run: {error}", flush=True)
        return UNAVAILABLE
    except StartFailed as error:
        print(f"FAIL  the cluster did not start: {error}", flush=True)
        return 1
    except KeyboardInterrupt:
        print("stopped", flush=True)
        return 0 if options.serve else 1
    took = time.monotonic() - started
    if failed:
        print(
            f"cluster check FAILED: {len(failed)} of {len(checker.results)} checks failed ({took:.0f} s)"
        )
        return 1
    print(f"cluster check passed: all {len(checker.results)} checks ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
