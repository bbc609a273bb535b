"""Read receipts: a reading is recorded once; the author and the officers of the notice's
unit see "read by x of y" and who has not read it yet; everyone else gets a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices import services
from notices.models import NoticeRead
from tests.conftest import make_member, make_user


def test_opening_a_notice_records_one_read(org, client_for, make_notice):
    notice = make_notice(units=[org.committee])
    client = client_for("member_a")
    for _ in range(3):
        assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 200
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    assert NoticeRead.objects.get(notice=notice).person == org.member_a.user


def test_read_by_x_of_y_right_after_members_open_it(org, client_for, make_notice):
    # Audience: the committee's active members with a login (organiser, secretary_a,
    # member_a, member_b) plus one more in branch B; a member without a login is not counted.
    make_member(org.branch_b, "周新", user=make_user("member_b2"))
    make_member(org.branch_b, "无账号")
    notice = make_notice(units=[org.committee])
    assert services.notice_receipts(notice) == (0, 5)

    client_for("member_a").get(reverse("notices:detail", args=[notice.pk]))
    client_for("member_b").get(reverse("notices:detail", args=[notice.pk]))
    organiser = client_for("organiser")
    page = organiser.get(reverse("notices:reads", args=[notice.pk]))
    assert (page.context["read"], page.context["expected"]) == (2, 5)
    assert "Read by 2 of 5" in page.content.decode()
    not_read = [user.username for user in page.context["page"]]
    assert sorted(not_read) == ["member_b2", "organiser", "secretary_a"]
    # Opening it counts the organiser too, on the notice page itself.
    detail = organiser.get(reverse("notices:detail", args=[notice.pk]))
    assert "Read by 3 of 5" in detail.content.decode()


def test_all_staff_audience_counts_every_active_login(org, make_notice):
    notice = make_notice(audience_all=True)
    NoticeRead.objects.create(notice=notice, person=org.staff)
    # organiser, secretary_a, member_a, member_b, member_c, staff, root
    assert services.notice_receipts(notice) == (1, 7)


def test_reader_outside_audience_is_not_counted(org, make_notice):
    notice = make_notice(units=[org.branch_a], unit=org.branch_a)
    NoticeRead.objects.create(notice=notice, person=org.member_b.user)
    assert services.notice_receipts(notice) == (0, 3)


def test_notice_without_chosen_units_goes_to_its_unit(org):
    from notices.models import Notice

    notice = Notice.objects.create(
        title="支部通知", unit=org.branch_a, status=Notice.Status.PUBLISHED
    )
    services.notice_announce(notice=notice)
    assert services.notice_receipts(notice) == (0, 3)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("organiser", 200),  # organiser of the committee above the branch
        ("secretary_a", 200),  # the author
        ("member_a", 404),  # reads the notice, but not who else has
        ("member_b", 404),
        ("staff", 404),
        ("superuser", 200),
    ],
)
def test_who_sees_the_read_receipts(org, client_for, make_notice, persona, status):
    notice = make_notice(units=[org.branch_a], unit=org.branch_a, author=org.secretary_a.user)
    assert client_for(persona).get(reverse("notices:reads", args=[notice.pk])).status_code == status


def test_receipts_box_only_for_those_who_follow(org, client_for, make_notice):
    notice = make_notice(units=[org.committee])
    assert "Read by" in client_for("organiser").get(notice.get_absolute_url()).content.decode()
    assert "Read by" not in client_for("member_a").get(notice.get_absolute_url()).content.decode()


def test_home_panel_shows_unread_count_and_newest_three(org, client_for, make_notice):
    notices = [make_notice(f"通知{i}", audience_all=True) for i in range(5)]
    client = client_for("member_a")
    client.get(notices[0].get_absolute_url())
    panel = next(
        p
        for p in client.get(reverse("home")).context["panels"]
        if p["template"] == "notices/_home_notices.html"
    )
    assert panel["unread_count"] == 4
    assert len(panel["notices"]) == 3
    assert notices[0] not in panel["notices"]
