"""Notifications: the inbox, the unread count in the header, e-mail and its opt-out."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notices import services
from notices.context_processors import unread
from notices.models import Kind, Notification, NotificationPreference


@pytest.fixture
def emails(org):
    for persona in ("member_a", "member_b"):
        user = getattr(org, persona).user
        user.email = f"{persona}@example.cn"
        user.save()


def test_notify_stores_one_row_each_and_emails_those_with_an_address(
    org, emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        count = services.notify(
            users=[org.member_a.user, org.member_b.user, org.secretary_a.user],
            kind=Kind.NOTICE,
            text="New notice: 党委会",
            url="/notices/1/",
        )
    assert count == 3
    assert Notification.objects.filter(kind=Kind.NOTICE, read_at=None).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["member_a@example.cn", "member_b@example.cn"]
    message = mail.outbox[0]
    assert "党委会" in message.subject
    assert "/notices/1/" in message.body and "/notices/preferences/" in message.body
    assert message.content_subtype == "plain"


def test_links_in_emails_start_with_the_portal_url(
    org, emails, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_URL = "https://portal.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[org.member_a.user], kind=Kind.NOTICE, text="x", url="/notices/1/")
    lines = mail.outbox[0].body.splitlines()
    assert "https://portal.example.cn/notices/1/" in lines
    assert lines[-1].endswith("https://portal.example.cn/notices/preferences/")


def test_email_opt_out_per_kind(org, emails, django_capture_on_commit_callbacks):
    services.preferences_save(user=org.member_a.user, email_kinds=[Kind.PLAN_DUE])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[org.member_a.user, org.member_b.user], kind=Kind.NOTICE, text="x")
        services.notify(users=[org.member_a.user], kind=Kind.PLAN_DUE, text="y")
    assert [(m.to[0], m.body.splitlines()[0]) for m in mail.outbox] == [
        ("member_b@example.cn", "x"),
        ("member_a@example.cn", "y"),
    ]
    # The opted-out person still has the notification in the inbox.
    assert Notification.objects.filter(recipient=org.member_a.user, kind=Kind.NOTICE).exists()


def test_no_email_is_sent_when_the_transaction_rolls_back(
    org, emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(users=[org.member_a.user], kind=Kind.NOTICE, text="x")
    assert len(callbacks) == 1 and mail.outbox == []


def test_preferences_page_saves_and_shows(org, client_for):
    client = client_for("member_a")
    page = client.get(reverse("notices:preferences"))
    assert set(page.context["form"].initial["email_kinds"]) == set(Kind.values)
    response = client.post(reverse("notices:preferences"), {"email_kinds": [Kind.NOTICE]})
    assert response.status_code == 302
    assert services.email_kinds(org.member_a.user) == {Kind.NOTICE}
    assert NotificationPreference.objects.filter(user=org.member_a.user, email=False).count() == 7


def test_preferences_refuse_unknown_kind_and_write_nothing(org, client_for):
    response = client_for("member_a").post(
        reverse("notices:preferences"), {"email_kinds": ["bogus"]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email_kinds"]
    assert not NotificationPreference.objects.exists()


def test_inbox_lists_own_notifications_and_marks_read(org, client_for):
    mine = Notification.objects.create(
        recipient=org.member_a.user, kind=Kind.NOTICE, text="给我的", url="/notices/"
    )
    Notification.objects.create(recipient=org.member_b.user, kind=Kind.NOTICE, text="给别人的")
    client = client_for("member_a")
    page = client.get(reverse("notices:inbox")).content.decode()
    assert "给我的" in page and "给别人的" not in page
    response = client.get(reverse("notices:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/notices/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_cannot_open_someone_elses_notification(org, client_for):
    other = Notification.objects.create(recipient=org.member_b.user, kind=Kind.NOTICE, text="x")
    response = client_for("member_a").get(reverse("notices:open", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_open_never_redirects_off_site(org, client_for):
    n = Notification.objects.create(
        recipient=org.member_a.user, kind=Kind.NOTICE, text="x", url="https://evil.example/"
    )
    response = client_for("member_a").get(reverse("notices:open", args=[n.pk]))
    assert response["Location"] == reverse("notices:inbox")


def test_mark_all_read(org, client_for):
    Notification.objects.bulk_create(
        [Notification(recipient=org.member_a.user, kind=Kind.NOTICE, text=str(i)) for i in range(3)]
    )
    Notification.objects.create(recipient=org.member_b.user, kind=Kind.NOTICE, text="b")
    client_for("member_a").post(reverse("notices:read_all"))
    assert not Notification.objects.filter(recipient=org.member_a.user, read_at=None).exists()
    assert Notification.objects.filter(recipient=org.member_b.user, read_at=None).count() == 1


def test_header_shows_unread_count(org, client_for):
    Notification.objects.bulk_create(
        [Notification(recipient=org.member_a.user, kind=Kind.NOTICE, text=str(i)) for i in range(2)]
    )
    page = client_for("member_a").get(reverse("lessons:list")).content.decode()
    assert f'href="{reverse("notices:inbox")}" title="Unread notifications">2<span' in page
    assert 'title="Unread notifications"' not in client_for("member_b").get("/").content.decode()


def test_unread_count_costs_one_query_and_none_for_anonymous(org, rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert unread(request) == {}
    assert len(queries) == 0
    request.user = org.member_a.user
    with CaptureQueriesContext(connection) as queries:
        context = unread(request)
        assert not context["unread_notifications"]
        assert int(str(context["unread_notifications"])) == 0
    assert len(queries) == 1


def test_reading_a_notice_reads_its_notification(org, client_for, make_notice):
    notice = make_notice(units=[org.committee], author=org.organiser.user)
    services.notice_announce(notice=notice)
    n = Notification.objects.get(recipient=org.member_a.user, kind=Kind.NOTICE)
    client_for("member_a").get(notice.get_absolute_url())
    n.refresh_from_db()
    assert n.read_at is not None
