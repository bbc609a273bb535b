"""No open redirects: every view that reads next= (or follows a stored link) stays on the portal.

Login, logout, the language switch, the admin's login, re-authentication, the sharing
actions and a notification's link are given addresses of another site in the forms browsers
and servers disagree about; each must land on a local page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from notices.models import Notification
from sharing import services as sharing_services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EVIL = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:/\\evil.example",
    "http:evil.example",
    " //evil.example",
    "\t//evil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://testserver@evil.example/",
    "https://evil.example#@testserver/",
]


def assert_local(response) -> None:
    assert response.status_code in (301, 302, 303), response.status_code
    location = response["Location"]
    # What a browser makes of it: backslashes are slashes, tabs and newlines vanish, leading
    # blanks are dropped (percent-escapes stay: "/%09/x" is a path here).
    seen = location.replace("\\", "/").replace("\t", "").replace("\n", "").strip()
    parts = urlsplit(seen)
    assert parts.scheme in ("", "http", "https"), location
    assert parts.netloc in ("", "testserver"), location
    assert not seen.startswith("//"), location


@pytest.mark.parametrize("target", EVIL)
def test_login_never_sends_to_another_site(org, target):
    client = Client()
    response = client.post(
        reverse("account_login") + "?next=" + target,
        {"login": "member_a", "password": PASSWORD, "next": target},
    )
    assert_local(response)


@pytest.mark.parametrize("target", EVIL)
def test_logout_never_sends_to_another_site(client_for, target):
    response = client_for("member_a").post(reverse("account_logout"), {"next": target})
    assert_local(response)


@pytest.mark.parametrize("target", EVIL)
def test_the_language_switch_never_sends_to_another_site(client_for, target):
    for client in (Client(), client_for("member_a")):
        response = client.post(reverse("set_language"), {"language": "en", "next": target})
        assert_local(response)
        response = client.post(
            reverse("set_language"), {"language": "en"}, headers={"referer": target}
        )
        assert_local(response)
        response = client.get(reverse("set_language") + "?next=" + target)
        assert_local(response)


@pytest.mark.parametrize("target", EVIL)
def test_the_admin_login_never_sends_to_another_site(client_for, target):
    # An officer already logged in is sent straight on; the anonymous go to allauth's login.
    response = client_for("secretary_a").get(reverse("admin:login"), {"next": target})
    assert_local(response)
    response = client_for("anonymous").get(reverse("admin:login"), {"next": target})
    assert_local(response)


@pytest.mark.parametrize("target", EVIL)
def test_sharing_actions_never_send_to_another_site(org, client_for, target):
    post = sharing_services.post_create(author=org.member_a, text="分享", audience="committee")
    response = client_for("member_b").post(
        reverse("sharing:like", args=[post.pk]), {"next": target}
    )
    assert_local(response)
    response = client_for("organiser").post(
        reverse("sharing:hide", args=[post.pk]), {"next": target}
    )
    assert_local(response)


@pytest.mark.parametrize("target", EVIL)
def test_a_notification_link_to_another_site_opens_the_inbox(org, client_for, target):
    notification = Notification.objects.create(
        recipient=org.member_a.user, kind=Notification.Kind.choices[0][0], text="x", url=target
    )
    response = client_for("member_a").get(reverse("notices:open", args=[notification.pk]))
    assert_local(response)
