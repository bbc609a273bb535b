"""The red-banner appraisal end to end in headless Chromium: the demo secretary scores the
members of their branch in the admin (one sheet, then the rest in the grid), cannot open a
sheet of another branch, the organiser scores the secretary, closes and publishes; the
results page shows ranks, the chart and the banner holders, the banner wall the new holder,
all on a phone without sideways scrolling or CSP violations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import demo as campaigns_demo
from campaigns.models import Campaign, Result, ScoreSheet
from campaigns.results import RESULTS_PER_PAGE

from .conftest import PHONE, TIMEOUT_MS, Console

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def appraisal(demo_org):
    return campaigns_demo.seed()["current"]


@pytest.fixture
def open_browser(chromium, live_server):
    contexts = []

    def make(username: str, viewport=DESKTOP):
        context = chromium.new_context(viewport=viewport, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        console = Console()
        page.on("console", console.record)
        page.on("pageerror", console.page_error)
        page.goto(live_server.url + "/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(campaigns_demo_password())
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        return page, console

    yield make
    for context in contexts:
        context.close()


def admin_problems(console: Console) -> list[str]:
    """Console errors of admin pages, but for the favicon the admin's layout does not link
    (the browser asks /favicon.ico, which is not served)."""
    return [m for m in console.messages if "/favicon.ico" not in m]


def campaigns_demo_password() -> str:
    from members.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_secretary_scores_the_branch_and_organiser_publishes(appraisal, open_browser, live_server):
    base = live_server.url
    branch = ScoreSheet.objects.get(campaign=appraisal, member__user__username="secretary").unit
    criteria = list(appraisal.criteria.order_by("order"))
    sheets = ScoreSheet.objects.filter(campaign=appraisal, unit=branch).select_related("member")
    mine = sheets.exclude(member__user__username="secretary").order_by("member__name")
    first = mine.first()

    page, console = open_browser("secretary")
    # One member's own sheet: a score above the maximum is refused, naming the criterion.
    page.goto(base + reverse("admin:campaigns_scoresheet_change", args=[first.pk]))
    page.locator(f"input[name=c{criteria[0].pk}]").fill(str(criteria[0].max_points + 5))
    for criterion in criteria[1:]:
        page.locator(f"input[name=c{criterion.pk}]").fill("10")
    page.locator(f"input[name=n{criteria[1].pk}]").fill("主动承担迎峰度冬保供电任务")
    page.locator("input[name=_save]").click()
    assert f"{criteria[0].name}: at most {int(criteria[0].max_points)} points" in (
        page.locator("#content-main").inner_text()
    )
    assert not first.scores.exists()
    page.locator(f"input[name=c{criteria[0].pk}]").fill("18.5")
    page.locator("input[name=_save]").click()
    assert "The sheet was saved." in page.locator("ul.messagelist").inner_text()
    assert first.scores.count() == len(criteria)

    # Another branch's sheet and grid: 404.
    other = ScoreSheet.objects.filter(campaign=appraisal).exclude(unit=branch).first()
    response = page.goto(base + reverse("admin:campaigns_scoresheet_change", args=[other.pk]))
    assert response.status == 404
    response = page.goto(
        base + reverse("admin:campaigns_scoresheet_grid", args=[appraisal.pk, other.unit_id])
    )
    assert response.status == 404
    console.messages.clear()  # the two 404s above are logged as failed loads

    # The rest of the branch in the grid, saved and submitted in one post.
    page.goto(base + reverse("admin:campaigns_scoresheet_changelist"))
    page.get_by_role("link", name=f"{appraisal.title} · {branch.name}").click()
    # The demo's favourite (banner holder four quarters running) gets full marks again.
    favourite = Result.objects.filter(
        campaign__year=2026, campaign__quarter=3, campaign__kind="members", unit=branch
    ).get(is_banner_holder=True)
    for index, sheet in enumerate(mine):
        for criterion in criteria:
            cell = page.locator(f"input[name=s{sheet.pk}-c{criterion.pk}]")
            top = int(criterion.max_points)
            if sheet.member_id == favourite.member_id:
                cell.fill(str(top))
            elif not cell.input_value():
                cell.fill(str(top - 1 - (index + criterion.order) % 4))
    page.locator("input[name=_submit]").click()
    assert "sheets saved" in page.locator("ul.messagelist").inner_text()
    assert set(mine.values_list("status", flat=True)) == {ScoreSheet.Status.SUBMITTED}
    assert admin_problems(console) == []

    # The organiser scores the secretary, closes scoring and publishes.
    page, console = open_browser("organiser")
    own = sheets.get(member__user__username="secretary")
    page.goto(base + reverse("admin:campaigns_scoresheet_change", args=[own.pk]))
    for criterion in criteria:
        page.locator(f"input[name=c{criterion.pk}]").fill(str(int(criterion.max_points) - 1))
    page.locator("input[name=_submit]").click()
    assert "saved and submitted" in page.locator("ul.messagelist").inner_text()
    for action in ("close_action", "publish_action"):
        page.goto(base + reverse("admin:campaigns_campaign_changelist"))
        page.locator(f"input[name=_selected_action][value='{appraisal.pk}']").check()
        page.locator("select[name=action]").select_option(action)
        page.locator("button[name=index]").click()
        page.wait_for_load_state()
    appraisal.refresh_from_db()
    assert appraisal.status == Campaign.Status.PUBLISHED
    holders = list(Result.objects.filter(campaign=appraisal, is_banner_holder=True))
    assert holders

    # A member reads the results and the wall on a phone.
    page, console = open_browser("member", viewport=PHONE)
    page.goto(base + reverse("campaigns:results", args=[appraisal.pk]))
    assert page.locator("svg.bar-chart rect").count() == 20
    assert page.locator("svg.bar-chart").get_attribute("role") == "img"
    table = page.locator("table.results-table tbody tr")
    subjects = Result.objects.filter(campaign=appraisal).count()
    assert table.count() == min(subjects, RESULTS_PER_PAGE)  # the ranking is paged
    assert table.first.locator("td").first.inner_text() == "1"
    assert holders[0].subject_name in page.locator("section.banner-holders").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(base + reverse("campaigns:wall"))
    wall = page.locator("ol.wall").first.inner_text()
    assert "2026 Q4" not in wall  # the first list is the branches' banner
    members_wall = page.locator("ol.wall").nth(1)
    newest = members_wall.locator("li.wall-quarter").first.inner_text()
    assert "2026 Q4" in newest
    assert f"{favourite.subject_name} {branch.label} 5 quarters in a row" in newest
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console.messages == []
