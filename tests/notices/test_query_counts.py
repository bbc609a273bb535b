"""The notices pages ask the same number of queries with 10 rows as with 1,000: lists are
paginated and annotated in SQL, read receipts are counted by the database, and the audience
is notified with one bulk insert."""

from __future__ import annotations

import math

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from notices import services
from notices.models import Kind, Notice, NoticeRead, Notification


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_members(org, n: int) -> list[int]:
    """n members of branch A with logins, made in bulk; returns their user ids."""
    User = get_user_model()
    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(username=f"bulk{start + i}", password="!") for i in range(n)]
    )
    Member.objects.bulk_create(
        [
            Member(unit=org.branch_a, name=f"成员{i}", gender=Member.Gender.MALE, user=user)
            for i, user in enumerate(users)
        ]
    )
    return [u.pk for u in users]


@pytest.mark.parametrize("grow", [10, 1000])
def test_notice_list_is_flat(org, client_for, make_notice, grow):
    client = client_for("member_a")
    make_notice(units=[org.branch_a])
    base = queries(client, reverse("notices:list"))
    Notice.objects.bulk_create(
        [Notice(title=f"通知{i}", unit=org.committee, status=Notice.Status.PUBLISHED,
                publish_at=make_notice().publish_at, audience_all=True) for i in range(grow)]
    )  # fmt: skip
    assert queries(client, reverse("notices:list")) == base


@pytest.mark.parametrize("grow", [10, 1000])
def test_inbox_is_flat(org, client_for, grow):
    client = client_for("member_a")
    Notification.objects.create(recipient=org.member_a.user, kind=Kind.NOTICE, text="x")
    base = queries(client, reverse("notices:inbox"))
    Notification.objects.bulk_create(
        [Notification(recipient=org.member_a.user, kind=Kind.NOTICE, text=str(i)) for i in range(grow)]
    )  # fmt: skip
    assert queries(client, reverse("notices:inbox")) == base


@pytest.mark.parametrize("grow", [10, 1000])
def test_read_receipts_page_is_flat(org, client_for, make_notice, grow):
    notice = make_notice(units=[org.committee])
    client = client_for("organiser")
    url = reverse("notices:reads", args=[notice.pk])
    base = queries(client, url)
    ids = add_members(org, grow)
    NoticeRead.objects.bulk_create(
        [NoticeRead(notice=notice, person_id=pk) for pk in ids[: grow // 2]]
    )
    assert queries(client, url) == base
    page = client.get(url)
    assert (page.context["read"], page.context["expected"]) == (grow // 2, grow + 4)


def _split(captured) -> tuple[int, int]:
    """(other queries, INSERTs of notifications)."""
    inserts = [q for q in captured if q["sql"].startswith('INSERT INTO "notices_notification"')]
    return len(captured) - len(inserts), len(inserts)


@pytest.mark.parametrize("grow", [10, 1000])
def test_announcing_a_notice_is_flat(org, make_notice, grow, django_capture_on_commit_callbacks):
    small = make_notice("小", units=[org.branch_b])
    with CaptureQueriesContext(connection) as captured:
        services.notice_announce(notice=small)
    base, _inserts = _split(captured)
    add_members(org, grow)
    big = make_notice("大", units=[org.branch_a])
    with CaptureQueriesContext(connection) as captured:
        told = services.notice_announce(notice=big)
    others, inserts = _split(captured)
    assert told == grow + 2
    assert others == base
    # One bulk INSERT per batch the database allows (SQLite caps the parameters of a query).
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    batch = min(1000, connection.ops.bulk_batch_size(fields, [None] * told))
    assert inserts == math.ceil(told / batch)


def test_home_page_notices_panel_is_flat(org, client_for, make_notice):
    client = client_for("member_a")
    for i in range(4):  # more unread than the panel shows: the count query is made
        make_notice(f"首页{i}", audience_all=True)
    base = queries(client, reverse("home"))
    Notice.objects.bulk_create(
        [Notice(title=f"通知{i}", unit=org.committee, status=Notice.Status.PUBLISHED,
                publish_at=make_notice().publish_at, audience_all=True) for i in range(200)]
    )  # fmt: skip
    assert queries(client, reverse("home")) == base


@pytest.mark.parametrize("grow", [10, 1000])
def test_admin_changelist_is_flat(org, client_for, make_notice, grow):
    client = client_for("organiser")
    url = reverse("admin:notices_notice_changelist")
    make_notice()
    base = queries(client, url)
    Notice.objects.bulk_create(
        [Notice(title=f"通知{i}", unit=org.branch_b, status=Notice.Status.PUBLISHED,
                publish_at=make_notice().publish_at) for i in range(grow)]
    )  # fmt: skip
    assert queries(client, url) == base
