"""The organisation pages keep what they draw (members.views): a directory page shared by
everyone with the same scope, a unit's page by everyone (less what a viewer may not see), a
profile and other apps' sections per viewer. Each test turns the shared cache on, visits a
page so that it is kept, writes, and checks that the next visit shows the write; and that
nobody sees through another's copy what their own scope or rights would not show them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Result, ScoreSheet, Story
from lessons.models import Lesson, StudyRecord
from members import services
from members.models import Member, OrgUnit, Post, Transfer
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory")


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def page(client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def sql_of_visit(client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        page(client, url, params)
    return [q["sql"] for q in queries]


def touching(sql: list[str], table: str) -> list[str]:
    return [q for q in sql if f'"{table}"' in q]


def unit_url(unit: OrgUnit) -> str:
    return reverse("members:unit", args=[unit.pk])


def profile_url(member: Member) -> str:
    return reverse("members:member", args=[member.pk])


# --- the member directory ---------------------------------------------------------------------
def test_directory_second_visit_reads_no_member_or_unit_row(org, client_for):
    client = client_for("organiser")
    page(client, DIRECTORY)
    sql = sql_of_visit(client, DIRECTORY)
    assert not touching(sql, "members_member")
    assert not touching(sql, "members_orgunit")


def test_directory_shows_new_renamed_and_departed_members_at_once(org, client_for):
    client = client_for("organiser")
    assert "新党员" not in page(client, DIRECTORY)
    newcomer = make_member(org.branch_b, "新党员")
    assert "新党员" in page(client, DIRECTORY)
    newcomer.name = "改名党员"
    newcomer.save()
    text = page(client, DIRECTORY)
    assert "改名党员" in text and "新党员" not in text
    services.member_leave(
        member=newcomer, status=Member.Status.LEFT, on=datetime.date(2026, 11, 1), by=None
    )
    assert "改名党员" not in page(client, DIRECTORY)
    applicant = make_member(org.branch_b, "申请人", stage=Member.Stage.APPLICANT, full_on=None)
    assert "申请人" in page(client, DIRECTORY)
    applicant.delete()
    assert "申请人" not in page(client, DIRECTORY)


def test_directory_shows_a_renamed_unit_at_once(org, client_for):
    client = client_for("organiser")
    assert "运维检修党支部" in page(client, DIRECTORY)
    org.branch_b.name = "运维改名党支部"
    org.branch_b.save()
    text = page(client, DIRECTORY)
    assert "运维改名党支部" in text and "运维检修党支部" not in text


def test_directory_kept_for_an_organiser_is_not_shown_to_a_member(org, client_for):
    assert "赵博" in page(client_for("organiser"), DIRECTORY)  # branch B, in the committee
    text = page(client_for("member_a"), DIRECTORY)  # branch A only
    assert "李安" in text and "赵博" not in text
    staff = page(client_for("staff"), DIRECTORY)
    assert "your account is not linked to a member record" in staff
    assert "李安" not in staff and "No members found." in staff


def test_directory_follows_a_new_post_at_once(org, client_for):
    client = client_for("member_b")
    assert "李安" not in page(client, DIRECTORY)
    post = Post.objects.create(
        member=org.member_b,
        unit=org.branch_a,
        kind=Post.Kind.DEPUTY,
        start_on=datetime.date(2025, 1, 1),
    )
    assert "李安" in page(client, DIRECTORY)
    post.delete()
    assert "李安" not in page(client, DIRECTORY)


def test_directory_filtered_pages_are_kept_and_follow_writes(org, client_for):
    client = client_for("organiser")
    params = {"q": "", "unit": org.branch_b.pk, "stage": "", "status": ""}
    text = page(client, DIRECTORY, params)
    assert "赵博" in text and "李安" not in text
    assert f'<option value="{org.branch_b.pk}" selected>' in text
    assert not touching(sql_of_visit(client, DIRECTORY, params), "members_member")
    make_member(org.branch_b, "新党员")
    assert "新党员" in page(client, DIRECTORY, params)


def test_directory_name_searches_are_not_kept(org, client_for):
    client = client_for("organiser")
    page(client, DIRECTORY, {"q": "李"})
    assert touching(sql_of_visit(client, DIRECTORY, {"q": "李"}), "members_member")


def test_directory_refused_filter_and_page_past_the_end_are_not_kept(org, client_for):
    client = client_for("member_a")
    refused = {"unit": org.branch_c.pk}  # outside their scope: refused, lists nobody
    page(client, DIRECTORY, refused)
    assert touching(sql_of_visit(client, DIRECTORY, refused), "members_orgunit")
    page(client, DIRECTORY, {"page": "9"})  # shows the last page
    assert touching(sql_of_visit(client, DIRECTORY, {"page": "9"}), "members_member")


# --- a unit's page ----------------------------------------------------------------------------
def test_unit_page_second_visit_reads_no_unit_member_or_post_row(org, client_for):
    client = client_for("organiser")
    url = unit_url(org.branch_a)
    page(client, url)
    sql = sql_of_visit(client, url)
    for table in ("members_orgunit", "members_member", "members_post"):
        assert not touching(sql, table), table


def test_unit_page_shows_officers_appointed_renamed_and_ended_at_once(org, client_for):
    client = client_for("member_b")
    url = unit_url(org.branch_b)
    officer = '<span class="kind">Deputy secretary</span> 赵博'
    assert officer not in page(client, url)
    post = Post.objects.create(
        member=org.member_b,
        unit=org.branch_b,
        kind=Post.Kind.DEPUTY,
        start_on=datetime.date(2025, 1, 1),
    )
    assert officer in page(client, url)
    org.member_b.name = "赵博文"
    org.member_b.save()
    assert '<span class="kind">Deputy secretary</span> 赵博文' in page(client, url)
    post.end_on = datetime.date(2025, 6, 30)
    post.save()
    assert "Deputy secretary" not in page(client, url)


def test_unit_page_shows_new_members_and_sub_units_at_once(org, client_for):
    client = client_for("organiser")
    url = unit_url(org.committee)
    text = page(client, url)
    assert "新党员" not in text and "新建党支部" not in text
    branch = OrgUnit.objects.create(
        name="新建党支部", kind=OrgUnit.Kind.BRANCH, parent=org.committee
    )
    make_member(branch, "新党员")
    text = page(client, url)
    assert "新党员" in text and "新建党支部" in text


def test_unit_page_kept_for_an_organiser_keeps_rights_per_viewer(org, client_for):
    url = unit_url(org.branch_a)
    organiser = page(client_for("organiser"), url)
    assert "Keep records in the admin" in organiser and "李安" in organiser
    member = page(client_for("member_a"), url)
    assert "Keep records in the admin" not in member and "李安" in member
    outsider = page(client_for("member_b"), url)
    assert "Keep records in the admin" not in outsider
    assert "李安" not in outsider
    assert "The member list of this unit is open to its own members and officers." in outsider


def test_unit_page_past_the_end_is_not_kept(org, client_for):
    client = client_for("organiser")
    url = unit_url(org.branch_a)
    page(client, url, {"page": "7"})
    assert touching(sql_of_visit(client, url, {"page": "7"}), "members_member")


def test_unit_page_shows_a_new_banner_at_once(org, client_for):
    client = client_for("member_a")
    url = unit_url(org.branch_a)
    campaign = Campaign.objects.create(
        scope=org.committee,
        year=2026,
        quarter=3,
        kind=Campaign.Kind.BRANCHES,
        status=Campaign.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    sheet = ScoreSheet.objects.create(campaign=campaign, unit=org.branch_a)
    assert "<h2>Red banners</h2>" not in page(client, url)
    Result.objects.create(
        campaign=campaign,
        sheet=sheet,
        unit=org.branch_a,
        subject_name=org.branch_a.name,
        total=Decimal("90"),
        first_points=Decimal("10"),
        rank=1,
        branch_rank=1,
        is_banner_holder=True,
    )
    assert "<h2>Red banners</h2>" in page(client, url)


# --- a member's profile -----------------------------------------------------------------------
def test_profile_second_visit_reads_no_row_of_the_profile(org, client_for):
    client = client_for("organiser")
    url = profile_url(org.member_a)
    page(client, url)
    sql = sql_of_visit(client, url)
    for table in (
        "members_member",
        "members_post",
        "members_transfer",
        "lessons_studyrecord",
        "campaigns_story",
    ):
        assert not touching(sql, table), table


def test_profile_of_a_member_moved_out_of_scope_is_a_404_at_once(org, client_for):
    client = client_for("organiser")
    url = profile_url(org.member_a)
    page(client, url)
    services.member_transfer(
        member=org.member_a, on=datetime.date(2026, 3, 1), by=None, to_unit=org.branch_c
    )
    assert client.get(url).status_code == 404


def test_profile_of_a_deleted_member_is_a_404_at_once(org, client_for):
    client = client_for("organiser")
    applicant = make_member(org.branch_b, "申请人", stage=Member.Stage.APPLICANT, full_on=None)
    url = profile_url(applicant)
    page(client, url)
    applicant.delete()
    assert client.get(url).status_code == 404


def test_profile_kept_for_an_organiser_is_masked_for_a_secretary(org, client_for):
    url = profile_url(org.member_a)
    assert "130534198505050033" in page(client_for("organiser"), url)
    secretary = page(client_for("secretary_a"), url)
    assert "130534198505050033" not in secretary and "130••••33" in secretary
    assert "130534198505050033" in page(client_for("member_a"), url)  # their own record


def test_profile_stays_out_of_scope_after_others_visit(org, client_for):
    url = profile_url(org.member_a)
    page(client_for("organiser"), url)
    assert client_for("member_b").get(url).status_code == 404


def test_profile_follows_a_lost_post_at_once(org, client_for):
    client = client_for("secretary_a")
    url = profile_url(org.member_a)
    assert "Edit in the admin" in page(client, url)
    post = Post.objects.get(member=org.secretary_a)
    post.end_on = datetime.date(2025, 1, 1)
    post.save()
    assert "Edit in the admin" not in page(client, url)


def test_profile_shows_an_edited_member_and_a_new_post_at_once(org, client_for):
    client = client_for("organiser")
    url = profile_url(org.member_a)
    assert "线路班长" not in page(client, url)
    org.member_a.job_title = "线路班长"
    org.member_a.save()
    assert "线路班长" in page(client, url)
    Post.objects.create(
        member=org.member_a,
        unit=org.branch_a,
        kind=Post.Kind.PUBLICITY,
        start_on=datetime.date(2025, 1, 1),
    )
    assert "Publicity member" in page(client, url)


def test_profile_shows_a_transfer_and_its_edited_date_at_once(org, client_for):
    client = client_for("organiser")
    url = profile_url(org.member_a)
    page(client, url)
    transfer = services.member_transfer(
        member=org.member_a, on=datetime.date(2026, 3, 1), by=None, to_unit=org.branch_b
    )
    assert "<li>March 1, 2026: 机关第一党支部 → 运维检修党支部</li>" in page(client, url)
    transfer.transferred_on = datetime.date(2026, 2, 14)
    transfer.save()  # the admin edits a transfer's date on its own
    assert "<li>Feb. 14, 2026: 机关第一党支部 → 运维检修党支部</li>" in page(client, url)


def test_profile_shows_lessons_learned_at_once(org, client_for):
    client = client_for("organiser")
    url = profile_url(org.member_a)
    assert "<dt>Lessons learned</dt><dd>0</dd>" in page(client, url)
    lesson = Lesson.objects.create(
        title="党章学习", unit=org.committee, status=Lesson.Status.PUBLISHED, audience_all=True
    )
    StudyRecord.objects.create(user=org.member_a.user, lesson=lesson, completed_at=timezone.now())
    assert "<dt>Lessons learned</dt><dd>1</dd>" in page(client, url)


def test_profile_shows_a_published_story_at_once(org, client_for):
    client = client_for("organiser")
    url = profile_url(org.member_a)
    assert "深夜抢修" not in page(client, url)
    Story.objects.create(
        member=org.member_a,
        category=Story.Category.GOOD_DEED,
        title="深夜抢修",
        body="事迹",
        status=Story.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    assert "深夜抢修" in page(client, url)


def test_my_profile_and_my_page_in_the_directory_are_kept_apart(org, client_for):
    client = client_for("member_a")
    mine = page(client, reverse("members:me"))
    assert "(me)" in mine
    assert "(me)" not in page(client, profile_url(org.member_a))
    assert "(me)" in page(client, reverse("members:me"))


def test_transfer_model_is_covered_by_the_counts_token(org):
    # The profile's transfers are kept under members.counts' token.
    from members import counts

    before = counts.version()
    Transfer.objects.create(
        member=org.member_a,
        from_unit=org.branch_a,
        to_unit=org.branch_b,
        transferred_on=datetime.date(2026, 1, 1),
    )
    assert counts.version() != before


def test_kept_pages_hold_no_form_with_a_csrf_token(org, client_for):
    # The layout's forms (sign out, language) are drawn per request; a POST form inside the
    # kept content would carry one viewer's CSRF token to another.
    client = client_for("organiser")
    for url in (
        DIRECTORY,
        unit_url(org.branch_a),
        profile_url(org.member_a),
        reverse("members:me"),
    ):
        page(client, url)
        text = page(client, url)
        content = text[text.index("<main") : text.index("</main>")]
        assert "csrfmiddlewaretoken" not in content, url
