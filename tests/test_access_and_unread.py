"""Every page's layout reads the person's access (members.scoping.access_for) and unread count
(notices.context_processors), and every write that changes them takes effect on the very next
request: a removed or ended post removes its rights at once. Access costs one query, two for
someone holding a post."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member, OrgUnit, Post
from members.scoping import access_for
from notices import services
from notices.context_processors import unread_count
from notices.models import Kind, Notice, Notification

pytestmark = [pytest.mark.django_db]


def fresh_access(user):
    """The access of a new request: a user object loaded anew, as the session middleware does."""
    return access_for(get_user_model().objects.get(pk=user.pk))


def test_a_deleted_post_removes_the_rights_at_once(org):
    assert fresh_access(org.secretary_a.user).officer_units == [org.branch_a]
    Post.objects.get(member=org.secretary_a).delete()
    access = fresh_access(org.secretary_a.user)
    assert not access.is_officer and access.officer_units == []


def test_an_ended_post_removes_the_rights_at_once(org):
    assert fresh_access(org.organiser.user).is_organiser
    post = Post.objects.get(member=org.organiser)
    post.end_on = datetime.date(2025, 1, 1)
    post.save()
    assert not fresh_access(org.organiser.user).is_organiser


def test_a_new_post_grants_its_rights_at_once(org):
    assert not fresh_access(org.member_b.user).is_officer
    Post.objects.create(
        member=org.member_b,
        unit=org.branch_b,
        kind=Post.Kind.SECRETARY,
        start_on=datetime.date(2024, 1, 1),
    )
    assert fresh_access(org.member_b.user).officer_units == [org.branch_b]


def test_a_member_leaving_the_roll_loses_the_member_rights_at_once(org):
    assert fresh_access(org.secretary_a.user).is_officer
    org.secretary_a.status = Member.Status.LEFT
    org.secretary_a.status_changed_on = datetime.date(2026, 11, 1)
    org.secretary_a.save()
    access = fresh_access(org.secretary_a.user)
    assert not access.is_member and not access.is_officer


def test_a_moved_unit_is_seen_at_its_new_place_at_once(org):
    assert fresh_access(org.secretary_a.user).manages_unit(org.branch_a)
    org.branch_a.parent = org.other_committee
    org.branch_a.save()
    access = fresh_access(org.secretary_a.user)
    assert access.officer_units[0].path == OrgUnit.objects.get(pk=org.branch_a.pk).path
    assert access.officer_units[0].path.startswith(org.other_committee.path)


def test_a_bulk_write_of_posts_takes_effect_at_once(org):
    assert fresh_access(org.organiser.user).is_organiser
    Post.objects.filter(member=org.organiser).update(end_on=datetime.date(2025, 1, 1))
    assert not fresh_access(org.organiser.user).is_organiser


def test_access_costs_one_query_and_two_for_a_post_holder(org):
    for person, expected in ((org.member_a, 1), (org.secretary_a, 2), (org.organiser, 2)):
        user = get_user_model().objects.get(pk=person.user.pk)
        with CaptureQueriesContext(connection) as queries:
            access = access_for(user)
            access_for(user)  # kept on the user object for the rest of the request
        assert len(queries) == expected, person
        assert access.member == person and access.member.unit.pk == person.unit_id


def test_a_deleted_login_is_forgotten(org):
    fresh_access(org.member_b.user)
    pk = org.member_b.user.pk
    org.member_b.user.delete()
    assert Member.objects.get(pk=org.member_b.pk).user_id is None
    user = get_user_model().objects.create_user("reused", password="x", pk=pk)
    assert fresh_access(user).member is None


# --- the unread count in the header ---------------------------------------------------------
def test_unread_count_follows_every_write(org, django_capture_on_commit_callbacks):
    user = org.member_a.user
    assert unread_count(user) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[user, org.member_b.user], kind=Kind.NOTICE, text="x")
        services.notify(users=[user], kind=Kind.NOTICE, text="y")
    assert unread_count(user) == 2
    assert unread_count(org.member_b.user) == 1
    services.notification_open(
        user=user, notification=Notification.objects.filter(recipient=user).first()
    )
    assert unread_count(user) == 1
    services.notifications_mark_all_read(user=user)
    assert unread_count(user) == 0
    Notification.objects.create(recipient=user, kind=Kind.NOTICE, text="z")
    assert unread_count(user) == 1
    Notification.objects.filter(recipient=user).delete()
    assert unread_count(user) == 0


def test_reading_a_notice_clears_its_notification_from_the_count(org):
    user = org.member_a.user
    notice = Notice.objects.create(
        unit=org.committee, title="通知", status=Notice.Status.PUBLISHED, audience_all=True
    )
    services.notify(users=[user], kind=Kind.NOTICE, text="通知", url=notice.get_absolute_url())
    assert unread_count(user) == 1
    services.notice_mark_read(user=user, notice=notice)
    assert unread_count(user) == 0


def test_header_shows_the_new_count_on_the_next_page(org, client_for):
    client = client_for("member_a")
    assert "header-badge" not in client.get(reverse("home")).content.decode()
    services.notify(users=[org.member_a.user], kind=Kind.NOTICE, text="x")
    assert "header-badge" in client.get(reverse("home")).content.decode()
