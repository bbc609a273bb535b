"""Benchmark every page type of the portal against a bare baseline page, read-only and with a
write mix, and at two sizes of data, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench .venv/bin/python bench/run.py \\
        --compare-url postgres://postgres@127.0.0.1:5432/scale01

The portal runs in its default configuration, DEBUG off: no page or per-person cache;
CACHE_URL unset, so the cache is the database's table (failed logins only) and sessions are
database sessions (--cache-url names another). For each page, with the role that makes it
heaviest, it measures

- in process, through the whole WSGI handler and middleware stack: the queries of one request
  and the median and 95th percentile of N requests after a warm-up, first read-only, then with
  the writer (bench/writer.py, a process of its own on the same database: a member record saved
  and a lesson marked learned once a second) running;
- under gunicorn (gunicorn.conf.py) driven by wrk with a logged-in session cookie: requests a
  second, read-only and with the writer, in rounds, every page between two runs of the baseline;
- with --compare-url (a database of `seed_scale --scale 0.1`): the read-only in-process figures
  again on that database, in a subprocess (Django binds one database a process; --json is that
  subprocess's output), so that growth with the data shows;

beside the same figures of /bench/baseline/ (bench/urls.py) measured in the same pass, judges
every page against the targets of issue 13, and prints a markdown table (also written to
bench/results.md).

The logins default to the named logins of `seed_scale`. Rows written: what the pages write
themselves (a study record when a lesson is opened), the benchmark's own login sessions
(deleted at the end), and the writer's member saves and lessons learned, which stay and are
listed in its log: run it on a benchmark copy of the data.
"""

from __future__ import annotations

import argparse
import io
import json
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.writer import WriterProcess, describe

ROOT = Path(__file__).resolve().parent.parent

# The targets of issue 13 ("Fast from the data, not from a page cache").
MAX_RATIO = 10.0  # a page's median in process ÷ the baseline's, in the same pass
MAX_RATIO_READER_PAGES = 6.0  # … for the pages a member opens most
READER_PAGES = {"home", "lesson list", "lesson page"}
MAX_STATISTICS_MS = 150.0  # statistics for the whole province
MIN_WRITE_SHARE = 0.8  # throughput with the writer ÷ read-only
MAX_GROWTH = 1.5  # median at the full data ÷ median at a tenth of it
REFERENCES = {"baseline", "layout (reference)"}  # measured, not judged
READ, WRITES = "read-only", "with writes"
WRITER_LOG = Path(tempfile.gettempdir()) / "partyportal-bench-writer.log"


def configure_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment shared by this process, the writer and gunicorn: production-like
    settings, and the portal's default cache unless --cache-url names one."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["DEBUG"] = "false"
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    # Not an inherited CACHE_URL: a shell's redis:// would change what is measured unseen.
    env.pop("CACHE_URL", None)
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    env.setdefault("STATIC_ROOT", "/tmp/partyportal-bench-static")  # noqa: S108
    env.setdefault("LOG_LEVEL", "WARNING")
    if "DATABASE_URL" not in env:
        sys.exit("Set DATABASE_URL to the database to measure (PostgreSQL at provincial scale).")
    os.environ.pop("CACHE_URL", None)
    os.environ.update(env)
    return env


def database_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


@dataclass
class Figures:
    """One page in one pass (read-only, or with the writer)."""

    queries: int | None = None
    times_ms: list[float] = field(default_factory=list)
    base_ms: float | None = None  # in process: the baseline's median around this page
    rps: list[float] = field(default_factory=list)  # per wrk round
    ratios: list[float] = field(default_factory=list)  # per round: rps ÷ the baseline around
    errors: str = ""

    @property
    def times_baseline(self) -> float | None:
        """The in-process median over the baseline's around it."""
        median = self.median
        return median / self.base_ms if median is not None and self.base_ms else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None

    @property
    def p95(self) -> float | None:
        if not self.times_ms:
            return None
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def median_rps(self) -> float | None:
        return statistics.median(self.rps) if self.rps else None

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None


@dataclass
class Page:
    name: str
    role: str
    url: str
    error: str = ""  # the first request failed: not measured
    passes: dict[str, Figures] = field(default_factory=lambda: {READ: Figures(), WRITES: Figures()})
    small: dict | None = None  # the --compare-url subprocess's figures of this page

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.role


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
    pages += [
        Page("notice list", "member", "/notices/"),
        Page("notice list", "organiser", "/notices/"),
        Page("sharing feed", "member", "/sharing/"),
    ]
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


# Every ratio divides by the baseline's median; the machine drifts during a pass (other
# work on it comes and goes), so the baseline is timed for this long before the first page
# and after every page, and a page is compared with the baseline right before and after it.
BASELINE_SPAN = 0.5


def measure_in_process(
    app, pages: list[Page], cookies: dict[str, str], args: argparse.Namespace, which: str
) -> None:
    """Time every page in this process. With the writer running, every page is timed for at
    least --writer-span seconds, so that it is timed across writes, not between two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    span = args.writer_span if which == WRITES else 0.0

    def prepare(page: Page) -> bool:
        """The first request (it must succeed), the warm-up, and the count of queries."""
        figures, cookie = page.passes[which], cookies[page.role]
        status, _ = wsgi_get(app, page.url, cookie)
        if status != 200:
            figures.errors = f"HTTP {status}"
            if which == READ:
                page.error = figures.errors
            print(f"  {page.name} ({page.role}) {page.url}: HTTP {status}, skipped")
            return False
        # A page of seconds is warm after one request: the warm-up keeps to the budget too.
        started = time.perf_counter()
        for _ in range(args.warmup - 1):
            if time.perf_counter() - started > args.budget:
                break
            wsgi_get(app, page.url, cookie)
        with CaptureQueriesContext(connection) as queries:
            wsgi_get(app, page.url, cookie)
        figures.queries = len(queries.captured_queries)
        return True

    def sample(page: Page, requests: int, span: float) -> list[float]:
        cookie, started, timed = cookies[page.role], time.perf_counter(), []
        while True:
            elapsed = time.perf_counter() - started
            if (len(timed) >= requests and elapsed >= span) or (
                len(timed) >= 5 and elapsed > args.budget
            ):
                return timed
            t0 = time.perf_counter()
            wsgi_get(app, page.url, cookie)
            timed.append((time.perf_counter() - t0) * 1000)

    baseline, *others = pages
    base = baseline.passes[which]
    if baseline.error or not prepare(baseline):
        return
    before = sample(baseline, 5, BASELINE_SPAN)
    base.times_ms += before
    for page in others:
        if page.error or not prepare(page):
            continue
        figures = page.passes[which]
        figures.times_ms = sample(page, args.requests, span)
        after = sample(baseline, 5, BASELINE_SPAN)
        base.times_ms += after
        figures.base_ms = (statistics.median(before) + statistics.median(after)) / 2
        before = after
        print(
            f"  {page.name:24} {page.role:10} {figures.queries:4} queries  "
            f"median {figures.median:7.1f} ms  p95 {figures.p95:7.1f} ms  "
            f"({len(figures.times_ms)} runs; baseline around it {figures.base_ms:.1f} ms)",
            flush=True,
        )
    base.base_ms = base.median
    print(
        f"  {baseline.name:24} {baseline.role:10} {base.queries:4} queries  "
        f"median {base.median:7.1f} ms  p95 {base.p95:7.1f} ms  "
        f"({len(base.times_ms)} runs, before the first page and after every page)",
        flush=True,
    )


def measure_small_data(args: argparse.Namespace, pages: list[Page]) -> str:
    """The read-only in-process pass again on --compare-url, in a subprocess of this script;
    its figures go to each page's `small`. Returns the database's name, or "" if skipped."""
    url = args.compare_url
    name = database_name(url)
    if urlsplit(url).scheme.startswith("postgres"):
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError as error:
            print(
                f"  {name} is not reachable ({str(error).strip().splitlines()[-1]}): growth "
                "skipped. Build it with createdb, then DATABASE_URL=… manage.py migrate and "
                "manage.py seed_scale --scale 0.1."
            )
            return ""
    with tempfile.NamedTemporaryFile(suffix=".json", prefix="partyportal-bench-") as out:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--json",
            out.name,
            *("--member", args.member, "--organiser", args.organiser),
            *("--secretary", args.secretary, "-n", str(args.requests)),
            *("--warmup", str(args.warmup), "--budget", str(args.budget)),
            *(("--only", args.only) if args.only else ()),
            *(("--cache-url", args.cache_url) if args.cache_url else ()),
        ]
        # The same environment but the database: the same SECRET_KEY, cache and static files.
        result = subprocess.run(  # noqa: S603 - this script with our own arguments
            command, env={**os.environ, "DATABASE_URL": url}, check=False
        )
        if result.returncode:
            print(f"  the pass on {name} failed (exit {result.returncode}): growth skipped")
            return ""
        small = json.loads(Path(out.name).read_text(encoding="utf-8"))
    by_key = {(p["name"], p["role"]): p for p in small["pages"]}
    for page in pages:
        page.small = by_key.get(page.key)
    return name


def write_json(pages: list[Page], path: str) -> None:
    """The --json output: the read-only in-process figures, for the parent's growth columns."""
    figures = [
        {
            "name": page.name,
            "role": page.role,
            "url": page.url,
            "error": page.error,
            "queries": page.passes[READ].queries,
            "median_ms": page.passes[READ].median,
            "times_baseline": page.passes[READ].times_baseline,
            "p95_ms": page.passes[READ].p95,
            "runs": len(page.passes[READ].times_ms),
        }
        for page in pages
    ]
    data = {"database": database_name(os.environ["DATABASE_URL"]), "pages": figures}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


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
    medians = [page.passes[which].median or 0 for which in (READ, WRITES)]
    return 1 if max(medians) > 500 else args.connections


def wrk_pass(
    pages: list[Page], cookies: dict[str, str], base: str, args: argparse.Namespace, which: str
) -> list[float]:
    """One run of every page, each followed by a run of the baseline; a page's ratio is to
    the mean of the baseline runs before and after it. Returns the baseline's runs."""
    baseline = pages[0]
    cookie = cookies[baseline.role]

    def run_baseline() -> float:
        return wrk(base + baseline.url, cookie, args.seconds, args.connections)[0]

    baselines = [run_baseline()]
    print(f"  {which}: {baseline.name:24} {baselines[-1]:8.1f} req/s", flush=True)
    for page in pages[1:]:
        if page.error:
            continue
        url, page_cookie = base + page.url, cookies[page.role]
        rps, note = wrk(url, page_cookie, args.seconds, connections_for(page, args))
        drain(base + baseline.url, cookie)
        baselines.append(run_baseline())
        around = (baselines[-2] + baselines[-1]) / 2
        figures = page.passes[which]
        figures.rps.append(rps)
        figures.ratios.append(rps / around if around else 0.0)
        if note:
            figures.errors = f"{figures.errors} {note}".strip()
        print(
            f"  {which}: {page.name:24} {page.role:10} {rps:8.1f} req/s  "
            f"(baseline around it {around:.0f}) {note}",
            flush=True,
        )
    baseline.passes[which].rps += baselines
    baseline.passes[which].ratios = [1.0]
    return baselines


def measure_throughput(
    pages: list[Page],
    cookies: dict[str, str],
    env: dict[str, str],
    args: argparse.Namespace,
    writes: dict[str, list[dict]],
) -> dict[str, list[float]]:
    """Requests a second of every page, read-only and with the writer, in `args.rounds`
    rounds; the two passes of a round alternate in order from round to round, so that a
    machine growing busier or quieter during the run favours neither. A page's figures are
    the medians over the rounds: one short run can fall on a busy moment of the machine."""
    if not shutil.which("wrk"):
        print("  wrk is not installed: throughput skipped (apt-get install wrk)")
        return {}
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
    baselines: dict[str, list[float]] = {READ: [], WRITES: []}
    try:
        wait_for_port(args.port, process, log_path)
        base = f"http://127.0.0.1:{args.port}"
        # Warm every worker on every page before counting (templates, connections).
        for page in pages:
            if not page.error:
                wrk(base + page.url, cookies[page.role], 1, connections_for(page, args))
                drain(base + pages[0].url, cookies["member"])
        order = [READ] if args.no_writer else [READ, WRITES]
        for round_number in range(1, args.rounds + 1):
            print(f"  round {round_number} of {args.rounds}", flush=True)
            for which in order if round_number % 2 else order[::-1]:
                if which == READ:
                    baselines[which] += wrk_pass(pages, cookies, base, args, which)
                    continue
                with WriterProcess(
                    env, args.writer_rate, writer_log(), f"wrk, round {round_number}"
                ) as writer:
                    baselines[which] += wrk_pass(pages, cookies, base, args, which)
                writes.setdefault("under wrk", []).extend(writer.records)
                print(f"  writer: {describe(writer.records)}", flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
    return baselines


# --- report ------------------------------------------------------------------------------
def limit_of(page: Page) -> float:
    return MAX_RATIO_READER_PAGES if page.name in READER_PAGES else MAX_RATIO


def target_of(page: Page) -> str:
    if page.name in REFERENCES:
        return "–"
    text = f"≤ {limit_of(page):g}×"
    if page.name == "statistics":
        text += f", ≤ {MAX_STATISTICS_MS:g} ms"
    return text


def write_share(page: Page) -> float | None:
    """The page's throughput with the writer as a share of its read-only throughput, each
    taken relative to the baseline runs around it (which cancels the machine's drift)."""
    read, writes = page.passes[READ].ratio, page.passes[WRITES].ratio
    return writes / read if read and writes is not None else None


def growth(page: Page) -> float | None:
    """The page's median over the baseline's at the full data, over the same at the small
    data: the plain ratio of the two medians on an equally busy machine."""
    here = page.passes[READ].times_baseline
    there = (page.small or {}).get("times_baseline")
    return here / there if here and there else None


def shortfalls(page: Page) -> list[str]:
    """What keeps a page from the targets; none: within them (as far as they were measured)."""
    if page.error:
        return [page.error]
    reasons = []
    for which in (READ, WRITES):
        figures = page.passes[which]
        suffix = "" if which == READ else " with writes"
        if figures.errors:
            reasons.append(f"{figures.errors}{suffix}")
        ratio = figures.times_baseline
        if page.name in REFERENCES or ratio is None:
            continue
        if ratio > limit_of(page):
            reasons.append(f"{ratio:.1f}× > {limit_of(page):g}×{suffix}")
        if page.name == "statistics" and figures.median > MAX_STATISTICS_MS:
            reasons.append(f"{figures.median:.0f} ms > {MAX_STATISTICS_MS:g} ms{suffix}")
    if page.name in REFERENCES:
        return reasons
    share = write_share(page)
    if share is not None and share < MIN_WRITE_SHARE:
        reasons.append(f"req/s with writes {share:.0%} < {MIN_WRITE_SHARE:.0%} of read-only")
    if page.small is not None:
        if page.small.get("error"):
            reasons.append(f"{page.small['error']} on the small data")
        elif page.small["queries"] != page.passes[READ].queries:
            reasons.append(f"queries {page.small['queries']} → {page.passes[READ].queries}")
        grown = growth(page)
        if grown is not None and grown > MAX_GROWTH:
            reasons.append(f"growth {grown:.1f}× > {MAX_GROWTH:g}×")
    return reasons


def _num(value: float | None, spec: str = ".1f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def _rps_ratio(figures: Figures) -> str:
    if figures.ratio is None:
        return "–"
    spread = (
        f" ({min(figures.ratios):.2f}–{max(figures.ratios):.2f})" if len(figures.ratios) > 1 else ""
    )
    return f"{figures.ratio:.2f}{spread}"


def _range(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.0f} req/s ({min(values):.0f}–{max(values):.0f} "
        f"over {len(values)} runs)"
    )


def table(
    pages: list[Page],
    baselines: dict[str, list[float]],
    writes: dict[str, list[dict]],
    small_name: str,
    args: argparse.Namespace,
    minutes: float,
) -> str:
    base = pages[0]
    bases = {which: base.passes[which].median for which in (READ, WRITES)}
    small_base = (base.small or {}).get("median_ms")
    label = args.compare_label
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cache = (
        f"CACHE_URL={args.cache_url}"
        if args.cache_url
        else "the portal's default cache (CACHE_URL unset: the database's table, which counts "
        "failed logins; database sessions)"
    )
    unmeasured = [
        what
        for what, missing in (
            ("throughput (--no-wrk, or no wrk)", not baselines.get(READ)),
            ("the write mix (--no-writer)", args.no_writer),
            ("growth (no --compare-url, or it failed)", not small_name),
        )
        if missing
    ]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"`{database_name(os.environ['DATABASE_URL'])}` in {minutes:.0f} min (load average "
        f"{load} on {os.cpu_count()} cores at the end), DEBUG off, {cache}; no page or "
        "per-person cache.",
        "",
        f"- **In process** (whole WSGI stack): {args.requests} requests a page after "
        f"{args.warmup} warm-up ({args.budget:g} s at most)"
        + (
            ""
            if args.no_writer
            else f"; with writes, at least {args.writer_span:g} s a page, so that each is "
            "timed across writes"
        )
        + ". × baseline: the page's median over the median of /bench/baseline/ timed "
        f"for {BASELINE_SPAN:g} s right before and right after it in the same pass (the "
        "machine drifts); the baseline's median over the whole pass: read-only "
        f"{_num(bases[READ])} ms, with writes {_num(bases[WRITES])} ms.",
    ]
    if baselines.get(READ):
        lines.append(
            f"- **wrk** against gunicorn.conf.py: {args.seconds} s a run, {args.connections} "
            "connections (1 for a page whose median is over 500 ms), "
            f"{'kept alive' if args.keep_alive else 'a new connection for each request'}, "
            f"{args.rounds} round(s) of a read-only pass"
            + ("" if args.no_writer else " and a pass with writes (in turn first)")
            + ", the workers drained between runs. req/s: the median over the rounds; "
            "÷ baseline: the median of its ratios to the baseline runs before and after it "
            "(range in brackets); writes ÷ read-only: the one ratio over the other. Baseline: "
            f"read-only {_range(baselines[READ])}"
            + (f", with writes {_range(baselines[WRITES])}." if baselines.get(WRITES) else ".")
        )
    if writes:
        done = "; ".join(f"{phase}: {describe(records)}" for phase, records in writes.items())
        lines.append(
            f"- **Writer** (bench/writer.py, its own process on the same database, "
            f"{'one tick' if args.writer_rate == 1 else f'{args.writer_rate:g} ticks'} a "
            "second: a random active member's job title and "
            "phone saved through `Member.save()`, a lesson marked learned for a random member "
            f"login through `study_record_complete`): {done}. Every write is listed in "
            f"{WRITER_LOG}."
        )
    if small_name:
        lines.append(
            f"- **Growth**: @{label} is `{small_name}` (`seed_scale --scale {label}`), the "
            "read-only in-process pass in a subprocess right after this database's "
            f"(baseline there {_num(small_base)} ms); growth = × baseline here over × "
            f"baseline there."
        )
    lines += [
        "",
        f"Targets (issue 13): every page's median in process ≤ {MAX_RATIO:g}× the baseline's, "
        f"home, lesson list and lesson page ≤ {MAX_RATIO_READER_PAGES:g}× (read-only and with "
        f"writes); statistics ≤ {MAX_STATISTICS_MS:g} ms; req/s with writes ≥ "
        f"{MIN_WRITE_SHARE:.0%} of read-only; the same queries at {label} and 1.0, medians "
        f"within {MAX_GROWTH:g}×. The load run's write mix (≥ {MIN_WRITE_SHARE:.0%} of its "
        "read-only throughput, 0 errors): `make load LOAD_ARGS=--writer`. A row is judged on "
        "what was measured in this run"
        + (f"; not measured: {', '.join(unmeasured)}." if unmeasured else "."),
        "",
        "| page | role | queries | median ms | × baseline | median ms, writes | "
        "× baseline, writes | req/s | ÷ baseline | req/s, writes | ÷ baseline, writes | "
        f"writes ÷ read-only | queries @{label} | median @{label} | growth | target | "
        "within target? |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    missed = []
    for page in pages:
        read, wrote = page.passes[READ], page.passes[WRITES]
        queries = _num(read.queries, "d")
        if wrote.queries is not None and wrote.queries != read.queries:
            queries += f" ({wrote.queries} with writes)"
        reasons = shortfalls(page)
        if page.name in REFERENCES:
            verdict = "reference" + (f" ({'; '.join(reasons)})" if reasons else "")
        else:
            verdict = "no (" + "; ".join(reasons) + ")" if reasons else "yes"
            if reasons:
                missed.append(f"{page.name} ({page.role})")
        small = page.small or {}
        cells = [
            page.name,
            page.role,
            queries,
            _num(read.median),
            _num(read.times_baseline, ".1f", "×"),
            _num(wrote.median),
            _num(wrote.times_baseline, ".1f", "×"),
            _num(read.median_rps, ".0f"),
            _rps_ratio(read),
            _num(wrote.median_rps, ".0f"),
            _rps_ratio(wrote),
            _num(write_share(page), ".2f"),
            _num(small.get("queries"), "d"),
            _num(small.get("median_ms")),
            _num(growth(page), ".2f", "×"),
            target_of(page),
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    judged = [p for p in pages if p.name not in REFERENCES]
    lines += [
        "",
        f"Within target: {len(judged) - len(missed)} of {len(judged)} pages"
        + (f"; not: {', '.join(missed)}." if missed else "."),
    ]
    return "\n".join(lines) + "\n"


# --- the run -----------------------------------------------------------------------------
_writer_log = None


def writer_log():
    """One log of every write of the run, opened (emptied) on first use."""
    global _writer_log
    if _writer_log is None:
        _writer_log = WRITER_LOG.open("w", encoding="utf-8")
    return _writer_log


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
    parser.add_argument(
        "--cache-url",
        default="",
        help="CACHE_URL for this run (default: unset, the portal's default: the database)",
    )
    parser.add_argument("--no-wrk", action="store_true", help="in-process timings only")
    parser.add_argument("--no-writer", action="store_true", help="read-only passes only")
    parser.add_argument(
        "--writer-rate", type=float, default=1.0, help="writer ticks a second (two writes each)"
    )
    parser.add_argument(
        "--writer-span",
        type=float,
        default=3.0,
        help="seconds each page is timed in process at least while the writer runs",
    )
    parser.add_argument(
        "--compare-url",
        default="",
        help="a database of seed_scale --scale 0.1: its read-only in-process figures beside",
    )
    parser.add_argument(
        "--compare-label", default="0.1", help="the scale of --compare-url, for the columns"
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="let wrk keep its connections open (see KEEP_ALIVE)",
    )
    parser.add_argument("--only", default="", help="comma-separated page names to measure")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument(
        "--json",
        default="",
        help="only the read-only in-process pass, its figures written here as JSON "
        "(what --compare-url runs)",
    )
    args = parser.parse_args()
    if args.writer_rate <= 0:
        parser.error("--writer-rate must be positive")

    env = configure_environment(args)
    global KEEP_ALIVE
    KEEP_ALIVE = args.keep_alive
    started = time.monotonic()
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    # Every run: a stylesheet added since the last run would otherwise miss the manifest.
    if not args.json:
        call_command("collectstatic", interactive=False, verbosity=0)

    logins = {"member": args.member, "organiser": args.organiser, "secretary": args.secretary}
    pages = discover_pages(logins)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        pages = [p for p in pages if p.name == "baseline" or p.name in wanted]
    sessions = {role: session_cookie(name) for role, name in logins.items()}
    cookies = {role: f"sessionid={key}" for role, (key, _store) in sessions.items()}
    app = get_wsgi_application()
    where = database_name(os.environ["DATABASE_URL"])
    writes: dict[str, list[dict]] = {}
    baselines: dict[str, list[float]] = {}
    small_name = ""
    try:
        print(f"In process on {where}, read-only (full WSGI stack, DEBUG off):", flush=True)
        measure_in_process(app, pages, cookies, args, READ)
        if args.json:
            write_json(pages, args.json)
            return
        if args.compare_url:
            print("Growth: the same in a subprocess on --compare-url", flush=True)
            small_name = measure_small_data(args, pages)
        if not args.no_writer:
            print(f"In process on {where}, with the writer:", flush=True)
            with WriterProcess(env, args.writer_rate, writer_log(), "in process") as writer:
                measure_in_process(app, pages, cookies, args, WRITES)
            writes["in process"] = writer.records
            print(f"  writer: {describe(writer.records)}", flush=True)
        if not args.no_wrk:
            print(f"Throughput (gunicorn on 127.0.0.1:{args.port}, wrk):", flush=True)
            baselines = measure_throughput(pages, cookies, env, args, writes)
    finally:
        for _key, store in sessions.values():
            store.delete()
        if _writer_log is not None:
            _writer_log.close()
    report = table(pages, baselines, writes, small_name, args, (time.monotonic() - started) / 60)
    print()
    print(report)
    Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
