"""Who reads which notice: audience units and their subtree, all staff, scheduling, drafts;
a notice outside a person's audience is a 404, never a 403."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.scoping import access_for
from notices import search
from notices.models import Notice


def test_branch_notice_is_404_for_member_of_other_branch(org, client_for, make_notice):
    notice = make_notice("机关第一党支部主题党日安排", units=[org.branch_a], unit=org.branch_a)
    url = reverse("notices:detail", args=[notice.pk])
    assert client_for("member_a").get(url).status_code == 200
    assert client_for("member_b").get(url).status_code == 404
    assert client_for("staff").get(url).status_code == 404
    # The committee's organiser reads what is addressed below their committee.
    assert client_for("organiser").get(url).status_code == 200


def test_committee_notice_reaches_its_subtree_only(org, make_notice):
    notice = make_notice(units=[org.committee])
    visible = Notice.objects.visible_to
    assert visible(access_for(org.member_a.user)).filter(pk=notice.pk).exists()
    assert visible(access_for(org.member_b.user)).filter(pk=notice.pk).exists()
    assert not visible(access_for(org.member_c.user)).filter(pk=notice.pk).exists()
    assert not visible(access_for(org.staff)).filter(pk=notice.pk).exists()


def test_all_staff_notice_reaches_staff_without_membership(org, client_for, make_notice):
    notice = make_notice(audience_all=True)
    response = client_for("staff").get(reverse("notices:list"))
    assert notice.title in response.content.decode()


def test_member_who_left_no_longer_reads_branch_notices(org, make_notice):
    notice = make_notice(units=[org.branch_a])
    org.member_a.status = org.member_a.Status.TRANSFERRED_OUT
    org.member_a.save()
    org.member_a.user._party_access = None
    user = type(org.member_a.user).objects.get(pk=org.member_a.user.pk)
    assert not Notice.objects.visible_to(access_for(user)).filter(pk=notice.pk).exists()


@pytest.mark.parametrize(
    "status, delta, shown",
    [
        (Notice.Status.PUBLISHED, -1, True),
        (Notice.Status.SCHEDULED, -1, True),  # its time has come
        (Notice.Status.SCHEDULED, +1, False),  # not yet
        (Notice.Status.DRAFT, -1, False),
        (Notice.Status.ARCHIVED, -1, False),
    ],
)
def test_scheduling_and_status(org, client_for, make_notice, status, delta, shown):
    publish_at = timezone.now() + datetime.timedelta(hours=delta)
    notice = make_notice("定时通知", audience_all=True, status=status, publish_at=publish_at)
    client = client_for("member_a")
    listed = "定时通知" in client.get(reverse("notices:list")).content.decode()
    status_code = client.get(reverse("notices:detail", args=[notice.pk])).status_code
    assert listed is shown
    assert status_code == (200 if shown else 404)


def test_published_without_time_is_published_now(org):
    notice = Notice.objects.create(
        title="即时", unit=org.committee, status=Notice.Status.PUBLISHED, audience_all=True
    )
    assert notice.publish_at is not None and notice.is_live


def test_list_shows_pinned_first_then_newest_and_marks_unread(org, client_for, make_notice):
    now = timezone.now()
    make_notice(
        "旧的置顶", audience_all=True, pinned=True, publish_at=now - datetime.timedelta(days=9)
    )
    make_notice("最新", audience_all=True, publish_at=now - datetime.timedelta(minutes=5))
    read = make_notice("较早", audience_all=True, publish_at=now - datetime.timedelta(days=2))
    client = client_for("member_a")
    client.get(reverse("notices:detail", args=[read.pk]))
    page = client.get(reverse("notices:list"))
    titles = [n.title for n in page.context["page"]]
    assert titles == ["旧的置顶", "最新", "较早"]
    unread = {n.title: not n.is_read for n in page.context["page"]}
    assert unread == {"旧的置顶": True, "最新": True, "较早": False}


def test_body_is_sanitised_on_save(org, make_notice):
    notice = make_notice(body='<p onclick="x()">好</p><script>alert(1)</script>')
    assert "script" not in notice.body and "onclick" not in notice.body
    assert "<p>好</p>" in notice.body


def test_search_finds_two_character_chinese_words_in_visible_notices_only(org, make_notice):
    make_notice("关于党委会的安排", units=[org.committee], body="<p>各支部书记参加。</p>")
    make_notice("邻县通知", units=[org.other_committee], unit=org.other_committee,
                body="<p>邻县党委安排。</p>")  # fmt: skip
    found = search.search(access_for(org.member_a.user), "党委")
    assert [r["title"] for r in found] == ["关于党委会的安排"]
    assert found[0]["kind"] == "notice" and found[0]["url"].startswith("/notices/")
    assert search.search(access_for(org.member_a.user), "支部")[0]["snippet"].startswith("各支部")
    assert search.search(access_for(org.member_c.user), "党委")[0]["title"] == "邻县通知"
    assert search.search(access_for(org.member_a.user), "  ") == []
    assert len(search.search(access_for(org.superuser), "党委", limit=1)) == 1


def test_the_home_card_lists_notices_addressed_to_the_person_not_those_below(
    org, client_for, make_notice
):
    """An organiser may read a branch's notice (below their committee), but it is not
    addressed to them: their home card counts what is."""
    below = make_notice("机关第一党支部主题党日安排", units=[org.branch_a], unit=org.branch_a)
    theirs = make_notice("关于召开党委会的通知", units=[org.committee])
    organiser = access_for(org.organiser.user)
    assert set(Notice.objects.visible_to(organiser)) == {below, theirs}
    assert set(Notice.objects.addressed_to(organiser)) == {theirs, below}  # they are in branch A
    org.organiser.unit = org.branch_b  # an organiser whose own branch is not addressed
    org.organiser.save()
    user = type(org.organiser.user).objects.get(pk=org.organiser.user.pk)
    organiser = access_for(user)
    assert set(Notice.objects.visible_to(organiser)) == {below, theirs}
    assert set(Notice.objects.addressed_to(organiser)) == {theirs}
    home = client_for("organiser").get(reverse("home")).text
    assert theirs.title in home and below.title not in home


def test_addressed_notices_combine_all_staff_and_every_ancestor(org, make_notice):
    everyone = make_notice("全体职工", audience_all=True)
    committee = make_notice("党委", units=[org.committee])
    branch = make_notice("支部", units=[org.branch_a])
    other = make_notice("他支部", units=[org.branch_b])
    member = access_for(org.member_a.user)
    assert set(Notice.objects.addressed_to(member)) == {everyone, committee, branch}
    assert set(Notice.objects.visible_to(member)) == {everyone, committee, branch}
    staff = access_for(org.staff)
    assert set(Notice.objects.addressed_to(staff)) == {everyone}
    assert other not in Notice.objects.visible_to(member)
