"""Every page's layout reads the person's access (members.scoping.access_for) and unread count
(notices.context_processors) from the cache, and every write that changes them takes effect on
the very next request: a removed or ended post removes its rights at once."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import counts
from members.models import Member, OrgUnit, Post
from members.scoping import ACCESS_VERSION_KEY, access_for
from notices import services
from notices.context_processors import unread_count
from notices.models import Kind, Notice, Notification

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def fresh_access(user):
    """The access of a new request: a user object loaded anew, as the session middleware does."""
    return access_for(get_user_model().objects.get(pk=user.pk))


def test_access_is_served_from_the_cache_without_a_query(org):
    fresh_access(org.organiser.user)
    user = get_user_model().objects.get(pk=org.organiser.user.pk)
    with CaptureQueriesContext(connection) as queries:
        access = access_for(user)
    assert len(queries) == 0
    assert access.is_organiser and access.organiser_units == [org.committee]
    assert access.member == org.organiser and access.member.unit == org.branch_a


def test_cached_access_belongs_to_its_own_login(org):
    assert fresh_access(org.organiser.user).is_organiser
    other = fresh_access(org.member_a.user)
    assert not other.is_officer and other.member == org.member_a


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


def test_a_bulk_write_that_replaces_the_member_counts_token_also_refreshes_access(org):
    assert fresh_access(org.organiser.user).is_organiser
    Post.objects.filter(member=org.organiser).update(end_on=datetime.date(2025, 1, 1))
    counts.invalidate()  # what code writing in bulk does (members.counts)
    assert not fresh_access(org.organiser.user).is_organiser


def test_the_token_is_replaced_again_when_the_transaction_commits(
    org, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    fresh_access(org.secretary_a.user)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Post.objects.get(member=org.secretary_a).delete()
        inside = cache.get(ACCESS_VERSION_KEY)
    # A request between the delete and the commit could have cached the old posts under
    # `inside`: the commit makes that entry unreachable.
    assert cache.get(ACCESS_VERSION_KEY) != inside
    assert not fresh_access(org.secretary_a.user).is_officer


def test_a_deleted_login_is_forgotten(org):
    fresh_access(org.member_b.user)
    pk = org.member_b.user.pk
    org.member_b.user.delete()
    assert Member.objects.get(pk=org.member_b.pk).user_id is None
    user = get_user_model().objects.create_user("reused", password="x", pk=pk)
    assert fresh_access(user).member is None


# --- the unread count in the header ---------------------------------------------------------
def test_unread_count_is_served_from_the_cache_without_a_query(org):
    services.notify(users=[org.member_a.user], kind=Kind.NOTICE, text="x")
    assert unread_count(org.member_a.user) == 1
    with CaptureQueriesContext(connection) as queries:
        assert unread_count(org.member_a.user) == 1
    assert len(queries) == 0


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


@pytest.mark.parametrize(
    "backend, enabled",
    [
        ("partyportal.cache.PortalRedisCache", True),
        ("django.core.cache.backends.redis.RedisCache", True),
        # Per-process memory: another gunicorn worker's copy could not be invalidated.
        ("django.core.cache.backends.locmem.LocMemCache", False),
        ("django.core.cache.backends.dummy.DummyCache", False),
    ],
)
def test_person_cache_is_on_by_default_only_with_a_shared_cache(settings, backend, enabled):
    from members.scoping import person_cache_enabled

    del settings.PERSON_CACHE
    settings.CACHES = {"default": {"BACKEND": backend}}
    assert person_cache_enabled() is enabled
