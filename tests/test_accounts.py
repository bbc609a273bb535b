"""Accounts through django-allauth: login, logout, passwords, no sign-up, rate limits."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
NEW_PASSWORD = "a-new-pass-for-2026"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """allauth keeps its rate limits in the cache: no test may inherit another's."""
    cache.clear()
    yield
    cache.clear()


def log_in(client: Client, login: str, password: str, **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_by_username(org):
    client = Client()
    response = log_in(client, "member_a", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == org.member_a.user.pk


def test_login_by_email(org):
    user = org.member_a.user
    user.email = "li.an@example.com"
    user.save()
    client = Client()
    response = log_in(client, "LI.AN@example.com", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_follows_next(org):
    client = Client()
    target = reverse("members:directory")
    response = client.get(target)
    assert response["Location"] == f"{LOGIN}?next={target}"
    response = client.post(LOGIN, {"login": "member_a", "password": PASSWORD, "next": target})
    assert response["Location"] == target


def test_wrong_password_is_refused(org):
    client = Client()
    response = log_in(client, "member_a", "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_logged_in(client)


def test_login_page_is_the_portals_own(org):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accounts are made by the Party committee" in html
    assert reverse("account_signup") not in html  # no invitation to sign up


@pytest.mark.parametrize("method", ["get", "post"])
def test_nobody_can_sign_up(org, method):
    users = get_user_model().objects.count()
    data = {
        "username": "intruder",
        "email": "intruder@example.com",
        "password1": "Sup3r-secret-pass",
        "password2": "Sup3r-secret-pass",
    }
    response = getattr(Client(), method)(reverse("account_signup"), data)
    assert response.status_code in (200, 302, 403, 404)
    assert get_user_model().objects.count() == users
    assert not get_user_model().objects.filter(username="intruder").exists()


def test_logout_by_post(client_for):
    client = client_for("member_a")
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not is_logged_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_only_asks(client_for):
    # A GET (a link, an <img>) must not log anyone out.
    client = client_for("member_a")
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert is_logged_in(client)


def test_password_change(client_for, org):
    client = client_for("member_a")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = org.member_a.user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_with_a_wrong_old_password_changes_nothing(client_for, org):
    client = client_for("member_a")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "oldpassword" in response.context["form"].errors
    user = org.member_a.user
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_sends_a_working_link(org):
    user = org.member_a.user
    user.email = "li.an@example.com"
    user.save()
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": "li.an@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li.an@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    response = client.get(link.group(1))
    if response.status_code == 302:  # allauth moves the key into the session first
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert "form" in response.context and not response.context.get("token_fail")
    response = client.post(
        response.request["PATH_INFO"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert log_in(Client(), "member_a", NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(org):
    response = Client().post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302  # same answer as for a known address
    assert all("nobody@example.com" not in m.to for m in mail.outbox if m.body and "key" in m.body)
    assert not get_user_model().objects.filter(email="nobody@example.com").exists()


# --- Rate limits ------------------------------------------------------------------------------
def test_failed_logins_for_one_account_lock_it_for_a_while(org):
    client = Client()
    for _ in range(5):
        assert log_in(client, "member_a", "wrong").status_code == 200
    response = log_in(client, "member_a", PASSWORD)
    assert response.status_code in (200, 429)
    assert not is_logged_in(client)
    assert b"Too many failed login attempts" in response.content
    # Another account from another client is not affected.
    assert log_in(Client(REMOTE_ADDR="10.0.0.9"), "member_b", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_window(org, monkeypatch):
    import allauth.core.internal.ratelimit as allauth_ratelimit

    client = Client()
    for _ in range(5):
        log_in(client, "member_a", "wrong")
    log_in(client, "member_a", PASSWORD)
    assert not is_logged_in(client)
    later = allauth_ratelimit.time.time() + 5 * 60 + 1  # the per-account window is 5 minutes
    monkeypatch.setattr(allauth_ratelimit.time, "time", lambda: later)
    assert log_in(client, "member_a", PASSWORD).status_code == 302


def test_failed_logins_are_counted_per_client_ip(org):
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(10):  # two tries on each of five names: under the per-account limit
        log_in(attacker, f"guess{n // 2}", "wrong")
    response = log_in(attacker, "member_a", PASSWORD)
    assert not is_logged_in(attacker)
    assert response.status_code in (200, 429)
    colleague = Client(REMOTE_ADDR="10.0.0.2")
    assert log_in(colleague, "member_a", PASSWORD).status_code == 302


def test_behind_a_proxy_clients_are_counted_by_forwarded_address(org, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "192.168.1.1"  # nginx: every request comes from here
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    for n in range(10):
        log_in(attacker, f"guess{n // 2}", "wrong")
    log_in(attacker, "member_a", PASSWORD)
    assert not is_logged_in(attacker)
    assert log_in(colleague, "member_a", PASSWORD).status_code == 302


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(org, settings):
    # Otherwise an attacker could dodge the limit by inventing X-Forwarded-For values.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        log_in(Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), f"guess{n // 2}", "wrong")
    client = Client(HTTP_X_FORWARDED_FOR="203.0.113.99")
    log_in(client, "member_a", PASSWORD)
    assert not is_logged_in(client)


def test_trusted_proxy_count_comes_from_the_environment():
    from django.conf import settings

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT


# --- The admin's login goes through allauth ----------------------------------------------------
def test_admin_login_redirects_to_the_portal_login(org):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "next=/admin/" in response["Location"].replace("%2F", "/")


def test_admin_login_form_cannot_be_posted_to_directly(org):
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not is_logged_in(client)


def test_admin_login_is_rate_limited_like_the_portal_login(org):
    client = Client()
    for _ in range(5):
        log_in(client, "root", "wrong")
    response = client.post(f"{LOGIN}?next=/admin/", {"login": "root", "password": PASSWORD})
    assert not is_logged_in(client)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert not is_logged_in(client)
    assert response["Location"].startswith(LOGIN)


def test_anonymous_admin_is_sent_to_the_portal_login(org):
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["secretary_a", "organiser", "superuser"])
def test_admin_login_sends_a_logged_in_officer_to_the_admin(client_for, persona):
    response = client_for(persona).get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("persona", ["member_a", "staff"])
def test_admin_login_refuses_a_logged_in_non_officer(client_for, persona):
    client = client_for(persona)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 403
    assert client.session["_auth_user_id"] != str(get_user_model().objects.get(username="root").pk)


# --- Every page needs a login, except the login itself ----------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/org/",
        "/org/members/",
        "/org/me/",
        "/org/units/1/",
        "/org/members/1/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/media/members/photos/x.png",
    ],
)
def test_pages_need_a_login(org, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "name", ["account_login", "account_reset_password", "account_reset_password_done"]
)
def test_login_and_password_reset_pages_are_open(org, name):
    assert Client().get(reverse(name)).status_code == 200


def test_admin_login_form_is_never_offered_to_a_staff_flag_without_a_post(org):
    # is_staff alone gives no admin access here; the admin's own form must not be reachable.
    org.staff.is_staff = True
    org.staff.save()
    client = Client()
    client.force_login(org.staff)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 403
