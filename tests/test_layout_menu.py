"""The layout's main menu and language buttons: each person sees the links of their own
roles, the current section marked, in their own language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from partyportal.templatetags import layout

pytestmark = pytest.mark.django_db


def menu(html: str) -> str:
    return html[html.index('<nav class="nav"') : html.index("</nav>")]


def current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', menu(html))


@pytest.mark.parametrize(
    "path, section",
    [
        ("/", "home"),
        ("/lessons/", "lessons"),
        ("/lessons/12/", "lessons"),
        ("/campaigns/wall/", "campaigns"),
        ("/org/", "overview"),
        ("/org/members/", "directory"),
        ("/org/members/5/", ""),
        ("/org/me/", "me"),
        ("/org/help/mine/", "help"),
        ("/stats/", "stats"),
        ("/search/", "search"),
        ("/notices/3/", "notices"),
        ("/sharing/", "sharing"),
        ("/admin/", ""),
    ],
)
def test_each_address_belongs_to_its_section(path, section):
    assert layout.section(path) == section


def test_the_menu_follows_each_persons_roles_in_turn(org, client_for):
    # Drawn alternately for different roles: what one was drawn with never leaks to another.
    for _ in range(2):
        member = client_for("member_a").get(reverse("home")).text
        organiser = client_for("organiser").get(reverse("home")).text
        secretary = client_for("secretary_a").get(reverse("home")).text
        assert reverse("stats") not in menu(member) and reverse("admin:index") not in menu(member)
        assert reverse("stats") in menu(organiser) and reverse("admin:index") in menu(organiser)
        assert reverse("stats") not in menu(secretary)
        assert reverse("admin:index") in menu(secretary)


def test_the_current_section_is_marked_on_each_page(org, client_for):
    client = client_for("member_a")
    assert current(client.get(reverse("home")).text) == [reverse("home")]
    assert current(client.get(reverse("lessons:list")).text) == [reverse("lessons:list")]
    assert current(client.get(reverse("members:me")).text) == [reverse("members:me")]


def test_menu_and_language_buttons_follow_the_language(org, client_for):
    client = client_for("member_a")
    english = client.get(reverse("home"), headers={"accept-language": "en"}).text
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("home")).text
    assert ">Lessons</a>" in menu(english) and ">课程</a>" not in menu(english)
    assert ">Lessons</a>" not in menu(chinese) and ">课程</a>" in menu(chinese)
    assert 'value="zh-hans"' in english and 'value="en"' not in english
    assert 'value="en"' in chinese and 'value="zh-hans"' not in chinese


def test_the_log_out_form_carries_a_fresh_csrf_token_every_time(org, client_for):
    client = client_for("member_a")
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', menu(client.get("/").text))[1]
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]  # masked anew per answer, not drawn once with the menu
