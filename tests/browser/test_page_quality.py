"""Every page type a person sees passes axe-core (in headless Chromium at 360 px) and the Nu
Html Checker, with every app's demo data, in Chinese (the portal's default language).

The page types come from the URLconfs: one URL per view that renders a page (not the POST-only
actions, not the downloads), as the person who normally sees it: the demo member for the
member's pages, the organiser for statistics, progress, read receipts, the help queue and the
admin. The tools come from npm (`npm ci --ignore-scripts`, see package.json); without
node_modules (or Java, for the checker) the tests skip and say why, unless REQUIRE_BROWSER is
set (CI), where that is a failure. Lighthouse is not run here (it takes about 15 s a page):
see scripts/lighthouse.py.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign, Result, ScoreSheet, Story
from lessons.models import Lesson, Session, StudyPlan
from members.models import HelpRequest, Member
from members.scoping import access_for
from notices.models import Notice
from sharing.models import Post

from .conftest import PHONE

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LOCALE = "zh-CN"

# Findings that are not ours to fix, each for one rule on one page, with the reason.
# (page type, axe rule id) -> why
TABULAR_INLINE = (
    "Django's own TabularInline template (admin/edit_inline/tabular.html) heads the object "
    "column and the delete column with an empty <th>; filling them means forking that "
    "template. Minor impact: the inlines on these pages are read-only."
)
AXE_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("admin member change form", "empty-table-header"): TABULAR_INLINE,  # posts held
    ("admin result change form", "empty-table-header"): TABULAR_INLINE,  # corrections
}
# (page type, start of the checker's message) -> why
VNU_EXCEPTIONS: dict[tuple[str, str], str] = {}

# Each finding's first nodes are enough to find it; a full list only makes the report long.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def require_tool(path: Path | None, what: str) -> None:
    """Skip when a page-quality tool is missing, saying how to get it; fail in CI."""
    if path is not None and path.exists():
        return
    message = f"{what} not found: run `npm ci --ignore-scripts` in {settings.BASE_DIR}"
    if what == "java":
        message = "java not found: the Nu Html Checker needs it (apt-get install default-jre)"
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set but {message}")
    pytest.skip(message)


def seed_everything() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    # The demo has no video; the lesson page shows one differently (the file need not exist:
    # the page only links it).
    member = get_user_model().objects.get(username="member")
    first = Lesson.objects.visible_to(access_for(member)).order_by("pk").first()
    Lesson.objects.filter(pk=first.pk).update(video="lessons/videos/demo.mp4")


def page_types() -> dict[str, tuple[str | None, str]]:
    """Page type -> (login, path): one of each page a person sees, with the demo data."""
    member_user = get_user_model().objects.get(username="member")
    organiser_user = get_user_model().objects.get(username="organiser")
    member = Member.objects.select_related("unit").get(user=member_user)
    colleague = (
        Member.objects.active()
        .filter(unit=member.unit)
        .exclude(pk=member.pk)
        .order_by("name", "pk")
        .first()
    )
    access = access_for(member_user)
    organiser_access = access_for(organiser_user)
    lessons = Lesson.objects.visible_to(access)
    lesson = lessons.filter(video="").order_by("-pk").first()
    with_check = lessons.filter(questions__isnull=False, video="").order_by("pk").first()
    with_video = lessons.exclude(video="").first()
    plan = StudyPlan.objects.for_member(member).order_by("pk").first()
    session = Session.objects.visible_to(access).order_by("pk").first()
    results = Campaign.objects.visible_to(access).published().order_by("-pk").first()
    story = Story.objects.published().order_by("pk").first()
    notice = Notice.objects.visible_to(access).order_by("pk").first()
    post = Post.objects.visible_to(access).order_by("pk").first()
    help_request = HelpRequest.objects.filter(unit=member.unit).order_by("pk").first()
    result = Result.objects.filter(campaign=results).order_by("pk").first()
    sheet = (
        ScoreSheet.objects.filter(
            campaign__status=Campaign.Status.SCORING, campaign__kind=Campaign.Kind.MEMBERS
        )
        .exclude(member=None)
        .order_by("unit__sort_order", "pk")
        .first()
    )
    needed = {
        "colleague": colleague,
        "lesson": lesson,
        "lesson with a check": with_check,
        "lesson with a video": with_video,
        "plan": plan,
        "session": session,
        "published campaign": results,
        "result": result,
        "story": story,
        "notice": notice,
        "shared post": post,
        "help request": help_request,
        "score sheet": sheet,
    }
    assert None not in needed.values(), (
        f"the demo data lacks: {[k for k, v in needed.items() if v is None]}"
    )
    assert organiser_access.is_organiser
    m, o = "member", "organiser"
    return {
        "login": (None, reverse("account_login")),
        "password reset": (None, reverse("account_reset_password")),
        "home": (m, reverse("home")),
        "lesson list": (m, reverse("lessons:list")),
        "lesson": (m, reverse("lessons:detail", args=[lesson.pk])),
        "lesson with a check": (m, reverse("lessons:detail", args=[with_check.pk])),
        "lesson with a video": (m, reverse("lessons:detail", args=[with_video.pk])),
        "my study": (m, reverse("lessons:my_study")),
        "my plans": (m, reverse("lessons:plans")),
        "plan": (m, reverse("lessons:plan", args=[plan.pk])),
        "sessions": (m, reverse("lessons:sessions")),
        "session": (m, reverse("lessons:session", args=[session.pk])),
        "organisation overview": (m, reverse("members:overview")),
        "unit": (m, reverse("members:unit", args=[member.unit_id])),
        "directory": (m, reverse("members:directory") + "?q=%E7%8E%8B"),
        "profile": (m, reverse("members:member", args=[colleague.pk])),
        "my profile": (m, reverse("members:me")),
        "campaigns": (m, reverse("campaigns:list")),
        "campaign results": (m, reverse("campaigns:results", args=[results.pk])),
        "banner wall": (m, reverse("campaigns:wall")),
        "stories": (m, reverse("campaigns:stories")),
        "story": (m, reverse("campaigns:story", args=[story.pk])),
        "nominate a story": (m, reverse("campaigns:nominate")),
        "notices": (m, reverse("notices:list")),
        "notice": (m, reverse("notices:detail", args=[notice.pk])),
        "notification inbox": (m, reverse("notices:inbox")),
        "notification preferences": (m, reverse("notices:preferences")),
        "my help requests": (m, reverse("members:help_mine")),
        "new help request": (m, reverse("members:help_new")),
        "sharing feed": (m, reverse("sharing:feed")),
        "shared post": (m, reverse("sharing:detail", args=[post.pk])),
        "new shared post": (m, reverse("sharing:new")),
        "search results": (m, reverse("search") + "?q=%E6%94%AF%E9%83%A8"),
        "password change": (m, reverse("account_change_password")),
        "organiser's home": (o, reverse("home")),
        "statistics": (o, reverse("stats")),
        "plan progress": (o, reverse("lessons:plan_progress", args=[plan.pk])),
        "notice reads": (o, reverse("notices:reads", args=[notice.pk])),
        "help queue": (o, reverse("members:help_queue")),
        "help request": (o, reverse("members:help_detail", args=[help_request.pk])),
        "printable results": (o, reverse("campaigns:print", args=[results.pk])),
        "admin index": (o, reverse("admin:index")),
        "admin member changelist": (o, reverse("admin:members_member_changelist")),
        "admin member change form": (o, reverse("admin:members_member_change", args=[member.pk])),
        "admin member history": (o, reverse("admin:members_member_history", args=[member.pk])),
        "admin member import": (o, reverse("admin:members_member_import")),
        "admin result change form": (o, reverse("admin:campaigns_result_change", args=[result.pk])),
        "admin result correction": (o, reverse("admin:campaigns_result_correct", args=[result.pk])),
        "admin score sheets": (o, reverse("admin:campaigns_scoresheet_changelist")),
        "admin score sheet": (o, reverse("admin:campaigns_scoresheet_change", args=[sheet.pk])),
        "admin score grid": (
            o,
            reverse("admin:campaigns_scoresheet_grid", args=[sheet.campaign_id, sheet.unit_id]),
        ),
    }


@pytest.fixture
def axe_script() -> Path:
    require_tool(AXE, "axe-core")
    return AXE


@pytest.fixture
def vnu_command() -> list[str]:
    require_tool(VNU, "vnu-jar")
    java = shutil.which("java")
    require_tool(Path(java) if java else None, "java")
    return [java, "-jar", str(VNU)]


@pytest.mark.browser
def test_no_page_type_has_an_axe_violation_on_a_phone(axe_script, make_phone, demo_org):
    seed_everything()
    pages = page_types()
    # The page's Content-Security-Policy forbids the injected axe script; the other browser
    # tests watch the policy.
    phones = {
        login: make_phone(locale=LOCALE, bypass_csp=True)
        for login in {login for login, _path in pages.values()}
    }
    for phone in phones.values():
        phone.page.context.add_init_script(path=str(axe_script))
    for login, phone in phones.items():
        if login is not None:
            phone.log_in(login)
    assert phones["member"].page.viewport_size == PHONE

    found: dict[str, list[dict]] = {}
    for name, (login, path) in pages.items():
        phone = phones[login]
        phone.open(path)
        assert login is None or "/accounts/login/" not in phone.page.url, f"{name}: logged out"
        violations = [
            v for v in phone.page.evaluate(AXE_RUN) if (name, v["id"]) not in AXE_EXCEPTIONS
        ]
        if violations:
            found[name] = violations
    # The not-found page is a page type too (it answers 404, so not through phone.open).
    phone = phones["member"]
    assert phone.page.goto(phone.base_url + "/org/members/999999999/").status == 404
    if violations := phone.page.evaluate(AXE_RUN):
        found["not found"] = violations

    report = [
        f"{name}: {v['id']} ({v['impact']}) {v['help']}\n    " + "\n    ".join(v["nodes"])
        for name, violations in found.items()
        for v in violations
    ]
    assert found == {}, "axe-core violations:\n" + "\n".join(report)


def test_no_page_type_has_a_nu_html_checker_error(vnu_command, db, tmp_path):
    seed_everything()
    pages = page_types()
    clients: dict[str | None, Client] = {}
    files: dict[str, str] = {}  # file name -> page type
    pages_dir = tmp_path / "pages"
    pages_dir.mkdir()
    for index, (name, (login, path)) in enumerate(pages.items()):
        if login not in clients:
            clients[login] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            if login is not None:
                clients[login].force_login(get_user_model().objects.get(username=login))
        response = clients[login].get(path)
        assert response.status_code == 200, f"{name} ({path}) answered {response.status_code}"
        (pages_dir / f"{index:02d}.html").write_bytes(response.content)
        files[f"{index:02d}.html"] = name
    response = clients["member"].get("/org/members/999999999/")
    assert response.status_code == 404
    (pages_dir / "404.html").write_bytes(response.content)
    files["404.html"] = "not found"

    # One Java start for all the files: the checker takes about a second a run to start.
    run = subprocess.run(  # noqa: S603 (our own command line, no shell)
        [*vnu_command, "--format", "json", "--errors-only", str(pages_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        messages = json.loads(run.stderr)["messages"]
    except ValueError:
        pytest.fail(f"the Nu Html Checker did not run (exit {run.returncode}):\n{run.stderr}")
    found: dict[str, list[str]] = {}
    for message in messages:
        url = message.get("url", "?")
        name = files.get(url.rsplit("/", 1)[-1], url)
        text = message["message"]
        if any(name == page and text.startswith(start) for page, start in VNU_EXCEPTIONS):
            continue
        where = f"line {message.get('lastLine', '?')}: " if "lastLine" in message else ""
        found.setdefault(name, []).append(f"{where}{text} {message.get('extract', '')!r}")
    assert found == {}, "Nu Html Checker errors:\n" + json.dumps(
        found, ensure_ascii=False, indent=1
    )
