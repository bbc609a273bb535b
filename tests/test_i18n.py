"""Chinese by default, English on request, China's time zone."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import partyportal.settings as portal_settings

pytestmark = pytest.mark.django_db

SETLANG = reverse("set_language")


@pytest.fixture
def chinese_default(settings):
    # Tests run in English (tests/settings.py); the portal itself defaults to Chinese.
    settings.LANGUAGE_CODE = portal_settings.LANGUAGE_CODE
    return settings


def test_the_portal_defaults_to_simplified_chinese():
    assert portal_settings.LANGUAGE_CODE == "zh-hans"
    assert "zh-hans" in dict(django_settings.LANGUAGES)
    assert "en" in dict(django_settings.LANGUAGES)


def test_pages_are_chinese_without_a_language_preference(chinese_default, client_for):
    for client, url in [(Client(), reverse("account_login")), (client_for("member_a"), "/")]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == "zh-hans"
        assert '<html lang="zh-hans">' in response.content.decode()


def test_language_switch_changes_to_english(chinese_default, client_for):
    client = client_for("member_a")
    response = client.post(SETLANG, {"language": "en", "next": reverse("members:directory")})
    assert response.status_code == 302
    assert response["Location"] == reverse("members:directory")
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get(reverse("members:directory"))
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Member directory" in html


def test_language_switch_back_to_chinese(chinese_default, client_for):
    client = client_for("member_a")
    client.post(SETLANG, {"language": "en", "next": "/"})
    client.post(SETLANG, {"language": "zh-hans", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_language_switch_works_on_the_login_page(chinese_default):
    # The footer's switch is on the login page too: a visitor must be able to use it.
    client = Client()
    login = reverse("account_login")
    response = client.post(SETLANG, {"language": "en", "next": login})
    assert response.status_code == 302
    assert response["Location"] == login
    response = client.get(login)
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


def test_language_switch_refuses_an_unknown_language(chinese_default, client_for):
    client = client_for("member_a")
    client.post(SETLANG, {"language": "xx", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_language_switch_does_not_redirect_off_site(client_for):
    response = client_for("member_a").post(
        SETLANG, {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]


def test_every_page_offers_the_switch(chinese_default, client_for):
    html = client_for("member_a").get("/").content.decode()
    assert f'action="{SETLANG}"' in html
    assert 'value="en"' in html


def test_time_zone_is_shanghai():
    assert django_settings.TIME_ZONE == "Asia/Shanghai"
    assert django_settings.USE_TZ
    moment = datetime.datetime(2026, 11, 24, 16, 30, tzinfo=datetime.UTC)
    assert timezone.localtime(moment).hour == 0  # UTC+8: already the next day
    assert timezone.localtime(moment).date() == datetime.date(2026, 11, 25)
