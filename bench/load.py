"""Load test: simulated members browsing on their phones, each with their own logged-in session.

By default it starts the two-instance cluster of scripts/cluster.py (nginx on 127.0.0.1:8480
in front of two gunicorn instances sharing one PostgreSQL database, and with it the portal's
default cache, a table of that database), sends the load through nginx for the measured
period, reports, and stops the cluster:

    .venv/bin/python bench/load.py                                   # demo data, 200 users, 60 s
    .venv/bin/python bench/load.py --no-seed \\
        --database-url postgres://postgres@127.0.0.1:5432/scale_load  # a provincial data set
    .venv/bin/python bench/load.py --writer                          # read-only, then with writes
    .venv/bin/python bench/load.py --url http://127.0.0.1:8480       # a portal already running:
        # DATABASE_URL, CACHE_URL and SECRET_KEY in the environment must be the portal's own

Each simulated user browses like a member on a phone with 1-3 s of thinking between pages:
home, the lesson list, a lesson, "mark learned", plans, notices, the directory, results, the
banner wall; a share of them (--organisers) are committee organisers who also open their
dashboards. It reports requests, errors (any answer other than the one expected, a redirect to
the login page, a connection error or a time-out), throughput and median/p95 latency, and exits
non-zero on any error. All traffic goes to 127.0.0.1 only, and stops by itself.

With --writer [RATE] it measures twice, the same users for the same time: read-only, then with
bench/writer.py running beside (RATE ticks a second, one by default: a member record saved and a
lesson marked learned each), and reports the two side by side against the target of issue 13:
with the writes, at least 80 % of the read-only throughput and 0 errors. The writer's rows stay
(they are listed in its log): use a database you may write to.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from yarl import URL

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(BASE_DIR), str(BASE_DIR / "scripts")]

WRITER_LOG = Path(tempfile.gettempdir()) / "partyportal-load-writer.log"
MIN_WRITE_SHARE = 0.8  # issue 13: with one write a second, ≥ 80 % of read-only throughput

LESSON_LINK = re.compile(r'href="/lessons/(\d+)/"')
PLAN_LINK = re.compile(r'href="/lessons/plans/(\d+)/"')
CAMPAIGN_LINK = re.compile(r'href="/campaigns/(\d+)/"')
NOTICE_LINK = re.compile(r'href="/notices/(\d+)/"')
ASSET_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# What a member does next, with how often (weights). A phone user reads far more than writes.
MEMBER_STEPS = {
    "home": 4,
    "lesson_list": 3,
    "lesson": 4,
    "mark_learned": 1,
    "plans": 2,
    "notices": 2,
    "directory": 1,
    "results": 1,
    "banner_wall": 1,
}
# An organiser does the same and opens their dashboards now and then.
ORGANISER_STEPS = {
    **MEMBER_STEPS,
    "organisation": 1,
    "plan_progress": 1,
    "statistics": 1,
    "help_queue": 1,
}


# --- sessions -------------------------------------------------------------------------------
def create_sessions(users: int, organiser_share: float, seed: int) -> list[tuple[str, bool]]:
    """Log `users` people in by writing their sessions straight into the session store.

    Logging 200 people in through the login form from this one address would trip allauth's
    limits (30 logins a minute per address, 10 failed ones), which protect the real portal;
    the benchmark measures browsing, so each simulated phone gets a session the way the login
    view would have made it (same store, same auth hash), in the portal's own database and
    cache. Needs the portal's DATABASE_URL, CACHE_URL and SECRET_KEY in the environment.
    Returns (session key, is organiser) per simulated user; when there are fewer accounts than
    users, some people browse on two phones.
    """
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings")
    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    from members.models import Member, OrgUnit, Post

    rng = random.Random(seed)  # noqa: S311 - choosing test users, not secrets
    organiser_ids = list(
        Post.objects.current()
        .filter(
            kind__in=Post.MANAGING,
            unit__kind__in=[OrgUnit.Kind.COMMITTEE, OrgUnit.Kind.GENERAL_BRANCH],
            member__user__is_active=True,
        )
        .values_list("member__user_id", flat=True)
        .distinct()
    )
    # The members who read on phones: active logins of members on the roll, minus organisers.
    member_ids = list(
        get_user_model()
        .objects.filter(is_active=True, member__status=Member.Status.ACTIVE)
        .exclude(pk__in=organiser_ids)
        .order_by("?")
        .values_list("pk", flat=True)[:users]
    )
    if not member_ids:
        raise SystemExit("no active member has a login: load demo or scale data first")
    organisers = round(users * organiser_share) if organiser_ids else 0
    chosen = [(rng.choice(organiser_ids), True) for _ in range(organisers)]
    chosen += [(member_ids[i % len(member_ids)], False) for i in range(users - organisers)]

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    users_by_pk = get_user_model().objects.in_bulk([pk for pk, _ in chosen])
    sessions = []
    for pk, is_organiser in chosen:
        user = users_by_pk[pk]
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append((store.session_key, is_organiser))
    return sessions


def delete_sessions(keys: list[str]) -> None:
    """Log the simulated phones out again, so that runs do not pile sessions up."""
    from importlib import import_module

    from django.conf import settings

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store_class(session_key=key).delete()


# --- the simulated phones -------------------------------------------------------------------
@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    error_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.error_count.values())


class Phone:
    def __init__(self, base: str, session_key: str, organiser: bool, stats: Stats, rng) -> None:
        self.base = base
        self.stats = stats
        self.rng = rng
        self.organiser = organiser
        jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for an IP address host
        jar.update_cookies({"sessionid": session_key}, URL(base))
        self.http = aiohttp.ClientSession(
            base_url=base,
            cookie_jar=jar,
            timeout=aiohttp.ClientTimeout(total=30),
            # One phone keeps one or two connections, as a browser would.
            connector=aiohttp.TCPConnector(limit=2),
            headers={
                "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) load.py",
                "Accept-Language": "zh-CN,zh;q=0.9",
            },
        )
        self.lesson_ids: list[str] = []
        self.plan_ids: list[str] = []
        self.campaign_ids: list[str] = []
        self.csrf = ""

    async def fetch(
        self, name: str, method: str, path: str, *, expect: int = 200, data=None
    ) -> str:
        started = time.perf_counter()
        try:
            async with self.http.request(
                method, path, data=data, allow_redirects=False
            ) as response:
                body = await response.text()
                elapsed = time.perf_counter() - started
                location = response.headers.get("Location", "")
        except (aiohttp.ClientError, TimeoutError) as error:
            self._error(name, f"{method} {path}: {type(error).__name__} {error}")
            return ""
        if response.status != expect or "/accounts/login/" in location:
            self._error(name, f"{method} {path}: {response.status} {location}".rstrip())
            return ""
        self.stats.latencies[name].append(elapsed)
        match = CSRF_INPUT.search(body)
        if match:
            self.csrf = match.group(1)
        return body

    def _error(self, name: str, text: str) -> None:
        self.stats.error_count[name] += 1
        if len(self.stats.errors) < 20:
            self.stats.errors.append(text)

    async def browse(self, deadline: float, think: tuple[float, float]) -> None:
        try:
            # Arrivals spread over the first think time, not all in the same millisecond.
            await asyncio.sleep(self.rng.uniform(0, think[1]))
            home = await self.fetch("home", "GET", "/")
            # A phone loads the stylesheet and scripts once, then keeps them (hashed names).
            for asset in sorted(set(ASSET_LINK.findall(home))):
                await self.fetch("static", "GET", asset)
            steps = ORGANISER_STEPS if self.organiser else MEMBER_STEPS
            names, weights = list(steps), list(steps.values())
            while time.monotonic() < deadline:
                await asyncio.sleep(self.rng.uniform(*think))
                if time.monotonic() >= deadline:
                    break
                await getattr(self, self.rng.choices(names, weights)[0])()
        finally:
            await self.http.close()

    async def home(self) -> None:
        await self.fetch("home", "GET", "/")

    async def lesson_list(self) -> None:
        body = await self.fetch("lesson_list", "GET", "/lessons/")
        self.lesson_ids = LESSON_LINK.findall(body) or self.lesson_ids

    async def lesson(self) -> None:
        if not self.lesson_ids:
            await self.lesson_list()
        if self.lesson_ids:
            await self.fetch("lesson", "GET", f"/lessons/{self.rng.choice(self.lesson_ids)}/")

    async def mark_learned(self) -> None:
        if not self.lesson_ids:
            await self.lesson_list()
        if not self.lesson_ids:
            return
        pk = self.rng.choice(self.lesson_ids)
        await self.fetch("lesson", "GET", f"/lessons/{pk}/")
        if self.csrf:
            form = {"csrfmiddlewaretoken": self.csrf}
            await self.fetch(
                "mark_learned", "POST", f"/lessons/{pk}/learned/", expect=302, data=form
            )

    async def plans(self) -> None:
        body = await self.fetch("plans", "GET", "/lessons/plans/")
        self.plan_ids = PLAN_LINK.findall(body) or self.plan_ids

    async def notices(self) -> None:
        await self.fetch("notices", "GET", "/notices/")

    async def directory(self) -> None:
        await self.fetch("directory", "GET", "/org/members/")

    async def results(self) -> None:
        if not self.campaign_ids:
            body = await self.fetch("campaign_list", "GET", "/campaigns/")
            self.campaign_ids = CAMPAIGN_LINK.findall(body)
        if self.campaign_ids:
            await self.fetch("results", "GET", f"/campaigns/{self.rng.choice(self.campaign_ids)}/")

    async def banner_wall(self) -> None:
        await self.fetch("banner_wall", "GET", "/campaigns/wall/")

    async def organisation(self) -> None:
        await self.fetch("organisation", "GET", "/org/")

    async def plan_progress(self) -> None:
        if not self.plan_ids:
            await self.plans()
        if self.plan_ids:
            pk = self.rng.choice(self.plan_ids)
            await self.fetch("plan_progress", "GET", f"/lessons/plans/{pk}/progress/")

    async def statistics(self) -> None:
        await self.fetch("statistics", "GET", "/stats/")

    async def help_queue(self) -> None:
        await self.fetch("help_queue", "GET", "/org/help/queue/")


async def run_load(
    base: str, sessions, duration: float, think: tuple[float, float], seed: int
) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(seed)  # noqa: S311 - think times, not secrets
    phones = [
        Phone(base, key, organiser, stats, random.Random(rng.random()))  # noqa: S311
        for key, organiser in sessions
    ]
    started = time.monotonic()
    await asyncio.gather(*(phone.browse(started + duration, think) for phone in phones))
    return stats, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(stats: Stats, elapsed: float, users: int, label: str) -> dict:
    every = [v for values in stats.latencies.values() for v in values]
    errors = sum(stats.error_count.values())
    summary = {
        "label": label,
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": stats.requests,
        "errors": errors,
        "requests_per_second": round(stats.requests / elapsed, 1),
        "median_ms": round(statistics.median(every) * 1000, 1) if every else None,
        "p95_ms": round(percentile(every, 0.95) * 1000, 1),
        "max_ms": round(max(every, default=0) * 1000, 1),
        "pages": {},
    }
    print(f"\n{label}: {users} users for {elapsed:.0f} s")
    print(f"{'page':<15}{'requests':>9}{'errors':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for name in sorted(set(stats.latencies) | set(stats.error_count)):
        values = stats.latencies.get(name, [])
        row = {
            "requests": len(values) + stats.error_count.get(name, 0),
            "errors": stats.error_count.get(name, 0),
            "median_ms": round(statistics.median(values) * 1000, 1) if values else None,
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "max_ms": round(max(values, default=0) * 1000, 1),
        }
        summary["pages"][name] = row
        median = f"{row['median_ms']:.0f}" if values else "-"
        print(
            f"{name:<15}{row['requests']:>9}{row['errors']:>8}{median:>11}"
            f"{row['p95_ms']:>9.0f}{row['max_ms']:>9.0f}"
        )
    print(
        f"{'all':<15}{summary['requests']:>9}{errors:>8}{summary['median_ms'] or 0:>11.0f}"
        f"{summary['p95_ms']:>9.0f}{summary['max_ms']:>9.0f}"
    )
    print(f"throughput {summary['requests_per_second']} requests/s")
    for text in stats.errors:
        print(f"  error: {text}")
    verdict = "PASS" if errors == 0 and summary["requests"] else "FAIL"
    print(f"load {verdict}: {summary['requests']} requests, {errors} errors")
    return summary


def compare(read: dict, written: dict, records: list[dict], rate: float) -> dict:
    """Read-only and with-writes runs side by side, judged against the write-mix target."""
    from bench.writer import describe, summarise

    share = (
        written["requests_per_second"] / read["requests_per_second"]
        if read["requests_per_second"]
        else 0.0
    )
    print(f"\n{'':<22}{'read-only':>12}{'with writes':>13}")
    for key, name in (
        ("requests", "requests"),
        ("errors", "errors"),
        ("requests_per_second", "requests/s"),
        ("median_ms", "median ms"),
        ("p95_ms", "p95 ms"),
        ("max_ms", "max ms"),
    ):
        print(f"{name:<22}{read[key] or 0:>12}{written[key] or 0:>13}")
    print(f"writer ({rate:g} tick(s) a second): {describe(records)}; every write in {WRITER_LOG}")
    errors = read["errors"] + written["errors"]
    met = share >= MIN_WRITE_SHARE and errors == 0 and read["requests"] and written["requests"]
    print(
        f"write mix {'PASS' if met else 'FAIL'}: with writes {share:.0%} of the read-only "
        f"throughput (target ≥ {MIN_WRITE_SHARE:.0%}), {errors} errors (target 0)"
    )
    return {
        "read_only": read,
        "with_writes": written,
        "writer": {"rate": rate, **summarise(records), "log": str(WRITER_LOG)},
        "write_share": round(share, 3),
        "met": bool(met),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--organisers", type=float, default=0.05, help="share of organisers")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--url", help="a running portal instead of starting the cluster")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cluster")
    # The portal's default: failed logins counted in a table of the shared database, sessions
    # in the database. redis://… shares a Redis instead (and caches the sessions there).
    parser.add_argument("--cache-url", default="db://", help="the cluster's CACHE_URL")
    parser.add_argument(
        "--writer",
        type=float,
        nargs="?",
        const=1.0,
        metavar="RATE",
        help="measure read-only, then with bench/writer.py at RATE ticks a second (default 1)",
    )
    parser.add_argument("--no-seed", dest="seed_demo", action="store_false", help="no seed_demo")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=8480, help="nginx's; the instances' next")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's logs")
    parser.add_argument("--label", default="load")
    parser.add_argument("--json", type=Path, help="write the summary here")
    options = parser.parse_args(argv)
    if options.duration > 600:
        parser.error("--duration is at most 600 s")
    if options.url and URL(options.url).host not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("--url must be on this machine (127.0.0.1 or localhost)")
    if options.writer is not None and options.writer <= 0:
        parser.error("--writer RATE must be positive")

    def measure(base: str, label: str) -> dict:
        sessions = create_sessions(options.users, options.organisers, options.seed)
        print(
            f"{len(sessions)} sessions ({sum(o for _, o in sessions)} organisers); "
            f"browsing {base} for {options.duration:.0f} s ({label})",
            flush=True,
        )
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        stats, elapsed = asyncio.run(
            run_load(base, sessions, options.duration, tuple(options.think), options.seed)
        )
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        delete_sessions([key for key, _organiser in sessions])
        summary = report(stats, elapsed, len(sessions), label)
        # The generator shares the machine's cores with the servers: say what it took.
        own = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
        summary["generator_cpu_share"] = round(own / elapsed, 2)
        print(
            f"the load generator itself used {own:.1f} CPU seconds ({own / elapsed:.0%} of a core)"
        )
        # Other work on the machine takes cores from the servers: keep it next to the figures.
        load_after = os.getloadavg()[0]
        summary["load_average"] = [round(load_before, 1), round(load_after, 1)]
        print(
            f"load average {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} cores)"
        )
        return summary

    def measure_all(base: str, env: dict[str, str]) -> dict:
        if options.writer is None:
            return measure(base, options.label)
        from bench.writer import WriterProcess

        read = measure(base, f"{options.label}, read-only")
        with (
            WRITER_LOG.open("w", encoding="utf-8") as log,
            WriterProcess(env, options.writer, log, options.label) as writer,
        ):
            written = measure(base, f"{options.label}, with writes")
        return compare(read, written, writer.records, options.writer)

    if options.url:
        summary = measure_all(options.url.rstrip("/"), dict(os.environ))
    else:
        from cluster import Cluster

        cluster = Cluster(
            database_url=options.database_url,
            cache_url=options.cache_url,
            workers=options.workers,
            threads=options.threads,
            seed=options.seed_demo,
            keep=options.keep,
            port=options.port,
        )
        with cluster.running():
            os.environ.update(cluster.env())
            summary = measure_all(cluster.url, cluster.env())
            summary["cluster"] = {
                "instances": 2,
                "workers": options.workers,
                "threads": options.threads,
                "database": URL(options.database_url).path.lstrip("/"),
                "cache": options.cache_url,
            }
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    if options.writer is not None:
        return 0 if summary["met"] else 1
    return 0 if summary["errors"] == 0 and summary["requests"] else 1


if __name__ == "__main__":
    sys.exit(main())
