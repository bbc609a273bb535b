"""Lighthouse on the pages a member reads on a phone: home, the lesson list and a lesson.

    .venv/bin/python scripts/lighthouse.py [--database-url URL] [--port 8201] [--reports DIR]

It makes a fresh database with the demo data (SQLite in a temporary folder unless
--database-url names an existing one, e.g. postgres://postgres@127.0.0.1:5432/quality, which
is migrated and seeded in place), collects the static files, starts gunicorn with DEBUG off as in
production (whitenoise's hashed, compressed static files), logs in as the demo member and
runs Lighthouse (npm, `npm ci --ignore-scripts`) in Debian's Chromium with its default mobile
settings (a mid-range phone, throttled to a slow 4G) and Chinese as the browser's language.

It writes a markdown table of the four category scores to stdout, the audits that cost points
to stderr, and exits 1 when a page is below the targets: performance 95, accessibility 100,
best practices 95 (SEO is shown, not required: the portal is an intranet behind a login).
A run takes about 20 s a page on two cores.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LIGHTHOUSE = BASE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags of the browser tests (tests/browser/conftest.py), headless and without the
# sandbox (which needs user namespaces that containers and CI runners often lack).
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CATEGORIES = {
    "performance": 95,
    "accessibility": 100,
    "best-practices": 95,
    "seo": None,
}
DEMO_LOGIN = "member"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a database to migrate and seed (default: SQLite)")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's JSON reports here")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} not found: run `npm ci --ignore-scripts` in {BASE_DIR}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")

    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    reports = args.reports or work / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    env = server_env(work, args.database_url)
    server = None
    try:
        prepare(env)
        server = start_gunicorn(env, args.port, work / "gunicorn.log")
        base = f"http://127.0.0.1:{args.port}"
        cookies, lesson_path = log_in(base, demo_password(env))
        pages = {"home": "/", "lesson list": "/lessons/", "lesson": lesson_path}
        scores = {}
        for name, path in pages.items():
            scores[name] = measure(base, path, cookies, work, reports / f"{slug(name)}.json")
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)

    print("| page | " + " | ".join(CATEGORIES) + " |")
    print("|---|" + "---:|" * len(CATEGORIES))
    below = []
    for name, page_scores in scores.items():
        print(f"| {name} | " + " | ".join(str(page_scores[c]) for c in CATEGORIES) + " |")
        below += [
            f"{name}: {category} {page_scores[category]} < {target}"
            for category, target in CATEGORIES.items()
            if target is not None and page_scores[category] < target
        ]
    for line in below:
        print(f"below target: {line}", file=sys.stderr)
    return 1 if below else 0


def measure(base: str, path: str, cookies, work: Path, report: Path) -> dict[str, int]:
    """Lighthouse in a fresh Chromium, once more if Lighthouse fails (it sometimes loses the
    trace of a page load on a busy machine: NO_NAVSTART)."""
    for attempt in (1, 2):
        browser, debug_port = start_chromium(work / f"chromium-{report.stem}-{attempt}")
        try:
            give_cookies(debug_port, base, cookies)
            if lighthouse(base + path, debug_port, report):
                return scores_of(base + path, report)
        finally:
            stop(browser)
    sys.exit(f"Lighthouse failed twice on {path}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def server_env(work: Path, database_url: str | None) -> dict[str, str]:
    """Production settings, but plain HTTP on localhost and everything in a scratch folder."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url or f"sqlite:///{work / 'quality.sqlite3'}",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "GUNICORN_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }


def prepare(env: dict[str, str]) -> None:
    manage = [PYTHON, str(BASE_DIR / "manage.py")]
    for command in (
        ["migrate", "--noinput", "--verbosity", "0"],
        ["seed_demo"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
    ):
        subprocess.run(  # noqa: S603 (our own command lines, no shell)
            [*manage, *command], env=env, cwd=BASE_DIR, check=True, stdout=subprocess.DEVNULL
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(process: subprocess.Popen, port: int, what: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} stopped:\n{log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    sys.exit(f"{what} did not answer on port {port} in 30 s")


def start_chromium(profile: Path) -> tuple[subprocess.Popen, int]:
    """A Chromium for Lighthouse to drive, started here so that it can be given the session.

    Lighthouse's --extra-headers would put the session cookie on the page's own request only:
    its images were then sent to the login page, and the score was of a page without them.
    """
    port = free_port()
    browser = subprocess.Popen(  # noqa: S603
        [
            CHROMIUM,
            *CHROME_FLAGS,
            # The portal's default language, as its members see it (headless Chromium takes
            # its Accept-Language from --accept-lang, not from --lang).
            "--lang=zh-CN",
            "--accept-lang=zh-CN,zh",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(browser, port, "Chromium", profile / "none.log")
    return browser, port


def give_cookies(debug_port: int, base: str, cookies: http.cookiejar.CookieJar) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{debug_port}")
        browser.contexts[0].add_cookies(
            [{"name": c.name, "value": c.value or "", "url": base} for c in cookies]
        )


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(PYTHON).parent / "gunicorn"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                # gunicorn's control socket is one path per user: another server's would clash.
                "--no-control-socket",
            ],
            env=env,
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )
    wait_for_port(server, port, "gunicorn", log)
    return server


def demo_password(env: dict[str, str]) -> str:
    code = "from members.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)"
    return subprocess.run(  # noqa: S603
        [PYTHON, str(BASE_DIR / "manage.py"), "shell", "-c", code],
        env=env,
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]  # the shell prints a line of its own first


def log_in(base: str, password: str) -> tuple[http.cookiejar.CookieJar, str]:
    """Log in through the real form; return the session's cookies and a lesson's path."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = base + "/accounts/login/"
    page = opener.open(login_url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"login": DEMO_LOGIN, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (an http:// URL we built)
        login_url, data=form, headers={"Referer": login_url}
    )
    landed = opener.open(request)
    if urllib.parse.urlparse(landed.geturl()).path != "/":
        sys.exit(f"the demo login failed: landed on {landed.geturl()}")
    lessons = opener.open(base + "/lessons/").read().decode()
    lesson = re.search(r'href="(/lessons/\d+/)"', lessons)
    if lesson is None:
        sys.exit("the lesson list shows no lesson: is the demo data there?")
    return jar, lesson.group(1)


def lighthouse(url: str, debug_port: int, report: Path) -> bool:
    run = subprocess.run(  # noqa: S603
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--only-categories=" + ",".join(CATEGORIES),
            f"--port={debug_port}",
        ],
        check=False,
    )
    return run.returncode == 0


def scores_of(url: str, report: Path) -> dict[str, int]:
    """The category scores out of 100; the audits that cost points go to stderr."""
    result = json.loads(report.read_text())
    scores = {}
    for key, category in result["categories"].items():
        scores[key] = round((category["score"] or 0) * 100)
        lost = [
            f"{ref['id']} ({result['audits'][ref['id']]['score']})"
            for ref in category["auditRefs"]
            if ref["weight"]
            and (result["audits"][ref["id"]]["score"] or 0) < 0.9
            and result["audits"][ref["id"]]["scoreDisplayMode"] in ("binary", "numeric")
        ]
        if lost:
            print(f"{url} {key}: {', '.join(lost)}", file=sys.stderr)
    return scores


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


if __name__ == "__main__":
    sys.exit(main())
