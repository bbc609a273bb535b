"""The organisation pages (directory, unit page, profile) show every write at once, and each
viewer only what their own scope and rights show them: a visit, a write, the next visit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Result, ScoreSheet, Story
from lessons.models import Lesson, StudyRecord
from members import services
from members.models import Member, OrgUnit, Post
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory")


def page(client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def unit_url(unit: OrgUnit) -> str:
    return reverse("members:unit", args=[unit.pk])


def profile_url(member: Member) -> str:
    return reverse("members:member", args=[member.pk])


# --- the member directory ---------------------------------------------------------------------
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


def test_directory_of_an_organiser_and_of_a_member(org, client_for):
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


def test_directory_filtered_pages_follow_writes(org, client_for):
    client = client_for("organiser")
    params = {"q": "", "unit": org.branch_b.pk, "stage": "", "status": ""}
    text = page(client, DIRECTORY, params)
    assert "赵博" in text and "李安" not in text
    assert f'<option value="{org.branch_b.pk}" selected>' in text
    make_member(org.branch_b, "新党员")
    assert "新党员" in page(client, DIRECTORY, params)


# --- a unit's page ----------------------------------------------------------------------------
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


def test_unit_page_rights_per_viewer(org, client_for):
    url = unit_url(org.branch_a)
    organiser = page(client_for("organiser"), url)
    assert "Keep records in the admin" in organiser and "李安" in organiser
    member = page(client_for("member_a"), url)
    assert "Keep records in the admin" not in member and "李安" in member
    outsider = page(client_for("member_b"), url)
    assert "Keep records in the admin" not in outsider
    assert "李安" not in outsider
    assert "The member list of this unit is open to its own members and officers." in outsider


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


def test_profile_seen_by_an_organiser_is_masked_for_a_secretary(org, client_for):
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


# --- the overview and sub-units ---------------------------------------------------------------
def test_overview_shows_a_renamed_unit_at_once(org, client_for):
    client = client_for("organiser")
    url = reverse("members:overview")
    assert org.committee.name in client.get(url).text
    org.committee.name = "国网改名县供电公司党委"
    org.committee.save()
    text = client.get(url).text
    assert "国网改名县供电公司党委" in text and "国网测试县供电公司党委" not in text


def test_unit_page_lists_a_new_sub_unit_and_its_members_at_once(org, client_for):
    client = client_for("organiser")
    url = reverse("members:unit", args=[org.committee.pk])
    assert "新建党支部" not in client.get(url).text
    branch = OrgUnit.objects.create(
        name="新建党支部", kind=OrgUnit.Kind.BRANCH, parent=org.committee
    )
    assert "新建党支部" in client.get(url).text
    make_member(branch, "新党员甲")
    make_member(branch, "新党员乙")
    child = client.get(reverse("members:unit", args=[branch.pk])).text
    assert "2 members" in child
    assert "2 members" in client.get(url).text  # the committee's list of sub-units


def test_directory_unit_filter_renders_and_keeps_the_choice(org, client_for):
    client = client_for("organiser")
    text = client.get(reverse("members:directory"), {"unit": org.branch_a.pk}).text
    assert f'<option value="{org.branch_a.pk}" selected>机关第一党支部</option>' in text
    assert '<option value="">All units</option>' in text
