"""Notices in the admin: organisers post for their scope, branch officers for their branch;
only organisers address all staff; out of scope is a 404; saving a live notice notifies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices.models import Kind, Notice, NoticeAudience, Notification


def _post(org, *, unit, units=(), audience_all=False, status=Notice.Status.PUBLISHED, **extra):
    data = {
        "title": "后台通知",
        "unit": unit.pk,
        "body": "<p>内容<script>x</script></p>",
        "status": status,
        "publish_at_0": "",
        "publish_at_1": "",
        "noticeaudience_set-TOTAL_FORMS": len(units),
        "noticeaudience_set-INITIAL_FORMS": 0,
        "attachments-TOTAL_FORMS": 0,
        "attachments-INITIAL_FORMS": 0,
    }
    if audience_all:
        data["audience_all"] = "on"
    for i, u in enumerate(units):
        data[f"noticeaudience_set-{i}-unit"] = u.pk
    data.update(extra)
    return data


def test_secretary_posts_a_notice_to_the_branch_and_it_notifies(org, client_for):
    response = client_for("secretary_a").post(
        reverse("admin:notices_notice_add"), _post(org, unit=org.branch_a)
    )
    assert response.status_code == 302, response.text[:2000]
    notice = Notice.objects.get(title="后台通知")
    assert notice.author == org.secretary_a.user
    assert "script" not in notice.body
    # No unit chosen: addressed to the publishing unit, whose members are told at once.
    assert list(NoticeAudience.objects.filter(notice=notice).values_list("unit", flat=True)) == [
        org.branch_a.pk
    ]
    told = set(
        Notification.objects.filter(kind=Kind.NOTICE).values_list("recipient__username", flat=True)
    )
    assert told == {"organiser", "member_a"}
    assert notice.history.count() == 1


def test_secretary_cannot_address_all_staff(org, client_for):
    response = client_for("secretary_a").post(
        reverse("admin:notices_notice_add"), _post(org, unit=org.branch_a, audience_all=True)
    )
    assert response.status_code == 200
    assert "Only a committee organiser may address all staff" in response.text
    assert not Notice.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [("unit", "committee"), ("noticeaudience_set-0-unit", "branch_b")],
)
def test_secretary_cannot_post_outside_the_branch(org, client_for, field, value):
    data = _post(org, unit=org.branch_a, units=[org.branch_a])
    data[field] = getattr(org, value).pk
    response = client_for("secretary_a").post(reverse("admin:notices_notice_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Notice.objects.exists()


def test_organiser_addresses_all_staff(org, client_for):
    response = client_for("organiser").post(
        reverse("admin:notices_notice_add"), _post(org, unit=org.committee, audience_all=True)
    )
    assert response.status_code == 302
    # Everyone active but the author: secretary_a, member_a, member_b, member_c, staff, root.
    assert Notification.objects.filter(kind=Kind.NOTICE).count() == 6


def test_scheduled_notice_is_not_announced_on_save(org, client_for):
    data = _post(
        org,
        unit=org.committee,
        units=[org.committee],
        status=Notice.Status.SCHEDULED,
        publish_at_0="2099-01-01",
        publish_at_1="08:00:00",
    )
    response = client_for("organiser").post(reverse("admin:notices_notice_add"), data)
    assert response.status_code == 302, response.text[:2000]
    assert not Notification.objects.exists()


def test_scheduled_without_time_is_refused(org, client_for):
    data = _post(org, unit=org.committee, status=Notice.Status.SCHEDULED)
    response = client_for("organiser").post(reverse("admin:notices_notice_add"), data)
    assert response.status_code == 200
    assert "Give the time a scheduled notice appears." in response.text
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    "persona, notice_unit, status",
    [
        ("secretary_a", "branch_a", 200),
        ("secretary_a", "committee", 404),  # the committee's notice is not the branch's
        ("secretary_a", "branch_b", 404),
        ("organiser", "branch_b", 200),
        ("organiser", "other_committee", 404),
        ("superuser", "other_committee", 200),
    ],
)
def test_admin_change_page_is_scoped(org, client_for, make_notice, persona, notice_unit, status):
    unit = getattr(org, notice_unit)
    notice = make_notice(units=[unit], unit=unit)
    url = reverse("admin:notices_notice_change", args=[notice.pk])
    assert client_for(persona).get(url).status_code == status
    history = reverse("admin:notices_notice_history", args=[notice.pk])
    assert client_for(persona).get(history).status_code == status


@pytest.mark.parametrize("persona", ["member_a", "staff"])
def test_members_and_staff_have_no_admin(org, client_for, persona):
    response = client_for(persona).get(reverse("admin:notices_notice_changelist"))
    assert response.status_code in (302, 403)


def test_changelist_lists_only_scope(org, client_for, make_notice):
    make_notice("本支部", units=[org.branch_a], unit=org.branch_a)
    make_notice("党委的", units=[org.committee])
    page = client_for("secretary_a").get(reverse("admin:notices_notice_changelist"))
    assert page.status_code == 200
    assert "本支部" in page.text and "党委的" not in page.text


def test_publish_now_action_notifies(org, client_for, make_notice):
    notice = make_notice(units=[org.branch_b], status=Notice.Status.DRAFT, publish_at=None)
    response = client_for("organiser").post(
        reverse("admin:notices_notice_changelist"),
        {"action": "publish_now", "_selected_action": [notice.pk]},
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.is_live and notice.notified_at is not None
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["member_b"]
