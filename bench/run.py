"""Benchmark every page type of the portal against a bare baseline page, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale .venv/bin/python bench/run.py

For each page (with the role that makes it heaviest) it measures

- the number of queries of one request;
- the median and 95th-percentile server time of N requests (after a warm-up) through the
  whole WSGI handler and middleware stack, in this process, with DEBUG off;
- requests per second under gunicorn (gunicorn.conf.py, DEBUG off, Redis cache) driven by
  wrk with a logged-in session cookie for a few seconds;

beside the same figures for /bench/baseline/ (bench/urls.py), and prints a markdown table of
ratios (also written to bench/results.md). Targets: median under 50 ms, and at least a third
of the baseline's throughput.

The database is DATABASE_URL's; the logins default to the named logins of `seed_scale`.
The only rows it writes are what the pages themselves write (a study record when a lesson is
opened) and the benchmark's own login sessions, which it deletes at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MEDIAN_MS = 50.0
TARGET_THROUGHPUT_RATIO = 1 / 3


def configure_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment shared by this process and gunicorn: production-like settings."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["DEBUG"] = "false"
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env["CACHE_URL"] = args.cache_url
    env.setdefault("STATIC_ROOT", "/tmp/partyportal-bench-static")  # noqa: S108
    env.setdefault("LOG_LEVEL", "WARNING")
    if "DATABASE_URL" not in env:
        sys.exit("Set DATABASE_URL to the database to measure (PostgreSQL at provincial scale).")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    return env


@dataclass
class Page:
    name: str
    role: str
    url: str
    queries: int | None = None
    times_ms: list[float] = field(default_factory=list)
    rps: float | None = None  # the median over the rounds
    base_rps: float | None = None  # the baseline's around this page, median over the rounds
    ratios: list[float] = field(default_factory=list)  # per round: rps ÷ the baseline around
    errors: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None

    @property
    def p95(self) -> float | None:
        if not self.times_ms:
            return None
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- logins and pages --------------------------------------------------------------------
def session_cookie(username: str) -> tuple[str, object]:
    """A logged-in session for `username`, made directly in the session store (no login
    page, so no last-login write); returns the cookie value and the store to delete later."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        sys.exit(f"No login named {username!r} in this database (see --member, --organiser…).")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key, store


def discover_pages(logins: dict[str, str]) -> list[Page]:
    """The URLs to measure, found from what each role may see (read-only queries)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from campaigns.models import Campaign, ScoreSheet
    from lessons.models import Lesson
    from members.models import OrgUnit
    from members.scoping import access_for

    users = {role: get_user_model().objects.get(username=name) for role, name in logins.items()}
    access = {role: access_for(user) for role, user in users.items()}
    member, organiser, secretary = access["member"], access["organiser"], access["secretary"]
    if not organiser.organiser_units:
        sys.exit(f"{logins['organiser']!r} holds no organiser post.")
    if not secretary.officer_units:
        sys.exit(f"{logins['secretary']!r} holds no branch officer post.")
    if member.member is None:
        sys.exit(f"{logins['member']!r} is not a member.")

    pages = [
        Page("baseline", "member", "/bench/baseline/"),
        Page("layout (reference)", "member", "/bench/layout/"),
        Page("home", "member", "/"),
        Page("home", "organiser", "/"),
        Page("home", "secretary", "/"),
        Page("lesson list", "member", "/lessons/"),
    ]
    lesson = Lesson.objects.visible_to(member).order_by("-publish_at", "-pk").first()
    if lesson:
        pages.append(Page("lesson page", "member", f"/lessons/{lesson.pk}/"))
    top: OrgUnit = organiser.organiser_units[0]
    pages += [
        Page("member directory", "organiser", "/org/members/"),
        Page("organisation overview", "organiser", "/org/"),
        Page("unit page", "organiser", f"/org/units/{top.pk}/"),
        Page("member profile", "organiser", f"/org/members/{member.member.pk}/"),
    ]
    campaign = (
        Campaign.objects.visible_to(member)
        .published()
        .annotate(n=Count("results"))
        .order_by("-n", "-year", "-quarter")
        .first()
    )
    if campaign:
        pages.append(Page("campaign results", "member", f"/campaigns/{campaign.pk}/"))
    pages += [
        Page("banner wall", "member", "/campaigns/wall/"),
        Page("statistics", "organiser", "/stats/"),
        Page("admin member changelist", "organiser", "/admin/members/member/"),
    ]
    branch = secretary.officer_units[0]
    grid = (
        ScoreSheet.objects.filter(
            unit=branch,
            campaign__kind=Campaign.Kind.MEMBERS,
            campaign__status__in=[Campaign.Status.SCORING, Campaign.Status.REVIEW],
        )
        .order_by("-campaign__year", "-campaign__quarter")
        .values_list("campaign_id", flat=True)
        .first()
    )
    if grid:
        pages.append(
            Page(
                "admin score grid",
                "secretary",
                f"/admin/campaigns/scoresheet/grid/{grid}/{branch.pk}/",
            )
        )
    else:
        print(f"  (no members' campaign in scoring for {branch}: score grid skipped)")
    return pages


# --- in-process timing -------------------------------------------------------------------
def wsgi_get(app, url: str, cookie: str) -> tuple[int, bytes]:
    path, _, query = url.partition("?")
    status_holder: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "text/html",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }

    def start_response(status, headers, exc_info=None):
        status_holder.append(status)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(status_holder[0].split()[0]), body


def measure_in_process(
    pages: list[Page], cookies: dict[str, str], n: int, warmup: int, budget: float
) -> None:
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = get_wsgi_application()
    for page in pages:
        cookie = cookies[page.role]
        status, _ = wsgi_get(app, page.url, cookie)
        if status != 200:
            page.errors = f"HTTP {status}"
            print(f"  {page.name} ({page.role}) {page.url}: HTTP {status}, skipped")
            continue
        for _ in range(warmup - 1):
            wsgi_get(app, page.url, cookie)
        with CaptureQueriesContext(connection) as queries:
            wsgi_get(app, page.url, cookie)
        page.queries = len(queries.captured_queries)
        started = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            wsgi_get(app, page.url, cookie)
            page.times_ms.append((time.perf_counter() - t0) * 1000)
            if len(page.times_ms) >= 5 and time.perf_counter() - started > budget:
                break
        print(
            f"  {page.name:24} {page.role:10} {page.queries:4} queries  "
            f"median {page.median:7.1f} ms  p95 {page.p95:7.1f} ms  ({len(page.times_ms)} runs)",
            flush=True,
        )


# --- throughput under gunicorn -----------------------------------------------------------
def wait_for_port(
    port: int, process: subprocess.Popen, log_path: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped while starting: see {log_path}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"gunicorn did not listen on port {port} within {timeout:.0f} s.")


# Each request on a new connection unless --keep-alive: a kept-alive connection stays on the
# gunicorn worker that accepted it, and a run whose 8 connections landed mostly on one worker
# (one process, one core of two) measured half the throughput of the next run of the same
# page (seen: CPU ticks per worker 245, 37, 35, 25, 22 against 164, 136, 57, 55, 0). New
# connections spread over the workers as nginx's pool of upstream connections does.
KEEP_ALIVE = False


def wrk(url: str, cookie: str, seconds: int, connections: int) -> tuple[float, str]:
    # The benchmark's own fixed commands on its own loopback server: no outside input.
    close = [] if KEEP_ALIVE else ["-H", "Connection: close"]
    output = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept: text/html",
            *close,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    problems = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    note = ""
    if problems:
        note += f"{problems.group(1)} non-2xx "
    if errors and re.search(r"timeout [1-9]", errors.group(1)):
        note += errors.group(1)
    return rps, note.strip()


def drain(url: str, cookie: str, limit: float = 90) -> None:
    """Wait until the server answers the baseline promptly again: wrk stops sending, but the
    workers still finish the slow requests it left queued, which would count against the
    next page."""
    deadline = time.monotonic() + limit
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=limit) as response:  # noqa: S310
            response.read()
        if time.monotonic() - started < 0.1:
            return
        time.sleep(0.5)


def connections_for(page: Page, args: argparse.Namespace) -> int:
    # A page of seconds with many connections only queues requests past wrk's timeout.
    return 1 if page.median and page.median > 500 else args.connections


def measure_throughput(
    pages: list[Page], cookies: dict[str, str], env: dict[str, str], args: argparse.Namespace
) -> list[float]:
    """Requests per second of every page. The baseline is measured before the first page and
    after every page, and each page is compared with the mean of the two around it: the
    machine is shared, so the baseline drifts within a run. All pages are measured
    `args.rounds` times in turn, and a page's figures are the medians over the rounds: one
    short run of one page can fall on a busy moment of the machine."""
    if not shutil.which("wrk"):
        print("  wrk is not installed: throughput skipped (apt-get install wrk)")
        return []
    gunicorn_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{args.port}"}
    if args.workers:
        gunicorn_env["GUNICORN_WORKERS"] = str(args.workers)
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--access-logfile",
        "/dev/null",
    ]
    log_path = Path(tempfile.gettempdir()) / "partyportal-bench-gunicorn.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=gunicorn_env, start_new_session=True, stdout=log, stderr=log
    )
    baselines: list[float] = []
    try:
        wait_for_port(args.port, process, log_path)
        base = f"http://127.0.0.1:{args.port}"
        # Warm every worker on every page before counting (templates, connections, cache).
        baseline = pages[0]
        for page in pages:
            if not page.errors:
                wrk(base + page.url, cookies[page.role], 1, connections_for(page, args))
                drain(base + baseline.url, cookies["member"])
        baselines.append(
            wrk(base + baseline.url, cookies["member"], args.seconds, args.connections)[0]
        )
        print(f"  {baseline.name:24} {baseline.role:10} {baselines[-1]:8.1f} req/s", flush=True)
        measured: dict[int, list[tuple[float, float]]] = {}
        for round_number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"  round {round_number} of {args.rounds}", flush=True)
            for index, page in enumerate(pages[1:], start=1):
                if page.errors:
                    continue
                rps, note = wrk(
                    base + page.url, cookies[page.role], args.seconds, connections_for(page, args)
                )
                drain(base + baseline.url, cookies["member"])
                before = baselines[-1]
                baselines.append(
                    wrk(base + baseline.url, cookies["member"], args.seconds, args.connections)[0]
                )
                around = (before + baselines[-1]) / 2
                measured.setdefault(index, []).append((rps, around))
                page.errors = note
                print(
                    f"  {page.name:24} {page.role:10} {rps:8.1f} req/s  "
                    f"(baseline around it {around:.0f}) {note}",
                    flush=True,
                )
        for index, runs in measured.items():
            page = pages[index]
            page.rps = statistics.median(rps for rps, _ in runs)
            page.base_rps = statistics.median(around for _, around in runs)
            page.ratios = [rps / around for rps, around in runs if around]
        baseline.rps = baseline.base_rps = statistics.mean(baselines)
        baseline.ratios = [1.0]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
    return baselines


# --- report ------------------------------------------------------------------------------
def _spread(ratios: list[float]) -> str:
    return f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""


def table(pages: list[Page], baselines: list[float], args: argparse.Namespace) -> str:
    base = pages[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (load average {load} "
        f"on {os.cpu_count()} cores at the end) on "
        f"`{os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}`: {len(base.times_ms)} requests a page "
        f"in process after {args.warmup} warm-up; wrk {args.seconds} s, {args.connections} "
        f"connections (1 for a page whose median is over 500 ms), "
        f"{'kept alive' if args.keep_alive else 'a new connection for each request'}, "
        f"against gunicorn.conf.py "
        f"(DEBUG off, Redis cache), waiting for the workers to drain between runs. Baseline "
        f"/bench/baseline/: median {base.median:.1f} ms"
        + (
            f", {base.rps:.0f} req/s on average ({min(baselines):.0f}–{max(baselines):.0f} over "
            f"{len(baselines)} runs between the pages). Every page was measured in "
            f"{args.rounds} round(s); its req/s is the median over the rounds, and its ratio the "
            "median of its ratios to the two baseline runs around it in each round "
            "(the range of those ratios is in brackets)."
            if base.rps
            else "."
        ),
        "",
        "| page | role | queries | median ms | p95 ms | median ÷ baseline | req/s | "
        "req/s ÷ baseline | within target? |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for page in pages:
        if page.median is None:
            lines.append(
                f"| {page.name} | {page.role} | – | – | – | – | – | – | no: {page.errors} |"
            )
            continue
        time_ok = page.median < TARGET_MEDIAN_MS
        rps_ratio = statistics.median(page.ratios) if page.rps is not None and page.ratios else None
        rps_ok = rps_ratio is None or rps_ratio >= TARGET_THROUGHPUT_RATIO
        verdict = "yes" if time_ok and rps_ok else "no"
        reasons = []
        if not time_ok:
            reasons.append("median ≥ 50 ms")
        if not rps_ok:
            reasons.append("req/s < ⅓ baseline")
        if page.errors:
            reasons.append(page.errors)
        if reasons:
            verdict += " (" + "; ".join(reasons) + ")"
        lines.append(
            f"| {page.name} | {page.role} | {page.queries} | {page.median:.1f} | {page.p95:.1f} | "
            f"{page.median / base.median:.1f}× | "
            + (
                f"{page.rps:.0f} | {rps_ratio:.2f}{_spread(page.ratios)} | "
                if rps_ratio is not None
                else "– | – | "
            )
            + f"{verdict} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # The named logins of `manage.py seed_scale`; the demo's are member/organiser/secretary.
    parser.add_argument("--member", default="scale-member", help="an ordinary member's login")
    parser.add_argument("--organiser", default="scale-province", help="the provincial organiser")
    parser.add_argument("--secretary", default="scale-secretary", help="a branch secretary")
    parser.add_argument("-n", "--requests", type=int, default=50, help="timed requests a page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds of timed requests a page at most (at least 5 requests)",
    )
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration a page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=3, help="times every page is measured under gunicorn"
    )
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (its default)")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--no-wrk", action="store_true", help="in-process timings only")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="let wrk keep its connections open (see KEEP_ALIVE)",
    )
    parser.add_argument("--only", default="", help="comma-separated page names to measure")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()

    env = configure_environment(args)
    global KEEP_ALIVE
    KEEP_ALIVE = args.keep_alive
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    # Every run: a stylesheet added since the last run would otherwise miss the manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # the benchmark's own Redis database: start from a cold cache

    logins = {"member": args.member, "organiser": args.organiser, "secretary": args.secretary}
    pages = discover_pages(logins)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        pages = [p for p in pages if p.name == "baseline" or p.name in wanted]
    sessions = {role: session_cookie(name) for role, name in logins.items()}
    cookies = {role: f"sessionid={key}" for role, (key, _store) in sessions.items()}
    try:
        print("In process (full WSGI stack, DEBUG off):", flush=True)
        measure_in_process(pages, cookies, args.requests, args.warmup, args.budget)
        baselines: list[float] = []
        if not args.no_wrk:
            print(f"Throughput (gunicorn on 127.0.0.1:{args.port}, wrk):", flush=True)
            baselines = measure_throughput(pages, cookies, env, args)
    finally:
        for _key, store in sessions.values():
            store.delete()
    report = table(pages, baselines, args)
    print()
    print(report)
    Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
