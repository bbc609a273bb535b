"""Shared fixtures: a small organisation and the named personas every test talks about.

    committee  国网测试县供电公司党委
    ├── branch_a  (secretary: Sun; members: Ann (member_a), …)
    └── branch_b  (member_b)
    other_committee └── branch_c   (outside the organiser's scope)

Personas (each a logged-in test client via `client_for`):
    organiser    organiser of `committee` (sees both branches, sensitive fields included)
    secretary_a  secretary of branch A
    member_a     an ordinary member of branch A
    member_b     an ordinary member of branch B
    staff        a login that is not a Party member
    superuser    the site administrator
"""

from __future__ import annotations

import datetime
import os
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from members.models import Member, OrgUnit, Post

TODAY = datetime.date(2026, 11, 24)
PASSWORD = "pass-for-tests-2017"


@pytest.fixture(autouse=True)
def _empty_cache():
    # The local-memory cache lives as long as the process: no test may see another's
    # cached figures (statistics, member counts) or login attempts.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


def make_user(username: str, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    return user


def make_member(unit: OrgUnit, name: str, *, user=None, **extra) -> Member:
    defaults = {
        "gender": Member.Gender.MALE,
        "stage": Member.Stage.FULL,
        "applied_on": datetime.date(2010, 1, 1),
        "full_on": datetime.date(2012, 7, 1),
        "birth_date": datetime.date(1985, 5, 5),
    }
    defaults.update(extra)
    return Member.objects.create(unit=unit, name=name, user=user, **defaults)


@pytest.fixture
def org(db):
    """The organisation of the personas, as a namespace of units and people."""
    committee = OrgUnit.objects.create(name="国网测试县供电公司党委", kind=OrgUnit.Kind.COMMITTEE)
    branch_a = OrgUnit.objects.create(
        name="机关第一党支部", kind=OrgUnit.Kind.BRANCH, parent=committee
    )
    branch_b = OrgUnit.objects.create(
        name="运维检修党支部", kind=OrgUnit.Kind.BRANCH, parent=committee
    )
    other_committee = OrgUnit.objects.create(
        name="国网邻县供电公司党委", kind=OrgUnit.Kind.COMMITTEE
    )
    branch_c = OrgUnit.objects.create(
        name="邻县机关党支部", kind=OrgUnit.Kind.BRANCH, parent=other_committee
    )

    organiser = make_member(
        branch_a,
        "王组织",
        user=make_user("organiser"),
        id_number="130534198505050011",
        phone="13800000001",
    )
    secretary_a = make_member(
        branch_a,
        "孙书记",
        user=make_user("secretary_a"),
        id_number="130534198505050022",
        phone="13800000002",
    )
    member_a = make_member(
        branch_a,
        "李安",
        user=make_user("member_a"),
        id_number="130534198505050033",
        phone="13800000003",
    )
    member_b = make_member(
        branch_b,
        "赵博",
        user=make_user("member_b"),
        id_number="130534198505050044",
        phone="13800000004",
    )
    member_c = make_member(
        branch_c,
        "钱程",
        user=make_user("member_c"),
        id_number="130534198505050055",
        phone="13800000005",
    )
    start = datetime.date(2024, 1, 1)
    Post.objects.create(member=organiser, unit=committee, kind=Post.Kind.ORGANISER, start_on=start)
    Post.objects.create(member=secretary_a, unit=branch_a, kind=Post.Kind.SECRETARY, start_on=start)
    staff = make_user("staff")
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)

    class Org:
        pass

    ns = Org()
    ns.__dict__.update(
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
        other_committee=other_committee,
        branch_c=branch_c,
        organiser=organiser,
        secretary_a=secretary_a,
        member_a=member_a,
        member_b=member_b,
        member_c=member_c,
        staff=staff,
        superuser=superuser,
    )
    return ns


PERSONAS = ("anonymous", "staff", "member_a", "member_b", "secretary_a", "organiser", "superuser")


@pytest.fixture
def client_for(org):
    """client_for("secretary_a") -> a test client logged in as that persona."""

    def make(persona: str) -> Client:
        client = Client()
        if persona == "anonymous":
            return client
        if persona in ("staff", "superuser"):
            user = getattr(org, persona)
        else:
            user = getattr(org, persona).user
        client.force_login(user)
        return client

    return make


# How many browser tests were skipped for want of a Chromium, for the summary at the end.
BROWSER_TESTS_SKIPPED = pytest.StashKey[int]()


def chromium_path() -> str | None:
    """The Chromium to test with: $CHROMIUM when set (a path; anything else means none),
    otherwise Debian's."""
    if os.environ.get("CHROMIUM"):
        candidates = (os.environ["CHROMIUM"],)
    else:
        candidates = ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium"))
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium: skip them, saying so plainly, when none is installed,
    unless REQUIRE_BROWSER is set (CI), where a missing browser is a failure."""
    if chromium_path():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(
            "REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)."
        )
    skip = pytest.mark.skip(
        reason="no Chromium found: browser tests skipped (apt-get install chromium)"
    )
    skipped = 0
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
            skipped += 1
    config.stash[BROWSER_TESTS_SKIPPED] = skipped


def pytest_terminal_summary(terminalreporter, config):
    """Repeat it at the end, where a reader of `make test` looks: skipped is not passed."""
    skipped = config.stash.get(BROWSER_TESTS_SKIPPED, 0)
    if skipped:
        terminalreporter.write_line(
            f"BROWSER TESTS SKIPPED: {skipped} browser test(s) did not run because no Chromium "
            "was found (apt-get install chromium, or set CHROMIUM=/path/to/chromium).",
            yellow=True,
            bold=True,
        )


def pytest_report_header(config):
    path = chromium_path()
    return f"browser tests: {'Chromium at ' + path if path else 'SKIPPED (no Chromium found)'}"
