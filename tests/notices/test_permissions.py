"""Every URL of notices by persona: anonymous to the login page, the rest by scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices.models import Kind, Notification

BRANCH_A_NOTICE = "branch_a_notice"
COMMITTEE_NOTICE = "committee_notice"


@pytest.fixture
def things(org, make_notice):
    return {
        BRANCH_A_NOTICE: make_notice(
            "支部通知", units=[org.branch_a], unit=org.branch_a, author=org.secretary_a.user
        ),
        COMMITTEE_NOTICE: make_notice("党委通知", units=[org.committee]),
        "notification": Notification.objects.create(
            recipient=org.member_a.user, kind=Kind.NOTICE, text="x", url="/notices/"
        ),
    }


GET_MATRIX = [
    # (url name, object, {persona: status})
    ("notices:list", None, dict.fromkeys(["staff", "member_a", "member_b", "secretary_a", "organiser", "superuser"], 200)),
    ("notices:inbox", None, dict.fromkeys(["staff", "member_a", "member_b", "secretary_a", "organiser", "superuser"], 200)),
    ("notices:preferences", None, dict.fromkeys(["staff", "member_a", "member_b", "secretary_a", "organiser", "superuser"], 200)),
    ("notices:detail", BRANCH_A_NOTICE, {"staff": 404, "member_a": 200, "member_b": 404, "secretary_a": 200, "organiser": 200, "superuser": 200}),
    ("notices:detail", COMMITTEE_NOTICE, {"staff": 404, "member_a": 200, "member_b": 200, "secretary_a": 200, "organiser": 200, "superuser": 200}),
    ("notices:reads", BRANCH_A_NOTICE, {"staff": 404, "member_a": 404, "member_b": 404, "secretary_a": 200, "organiser": 200, "superuser": 200}),
    ("notices:reads", COMMITTEE_NOTICE, {"staff": 404, "member_a": 404, "member_b": 404, "secretary_a": 404, "organiser": 200, "superuser": 200}),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, obj, persona, status",
    [(n, o, p, s) for n, o, table in GET_MATRIX for p, s in table.items()],
)
def test_get_matrix(org, client_for, things, name, obj, persona, status):
    url = reverse(name, args=[things[obj].pk]) if obj else reverse(name)
    assert client_for(persona).get(url).status_code == status


@pytest.mark.parametrize(
    "name, obj",
    [
        ("notices:list", None),
        ("notices:inbox", None),
        ("notices:preferences", None),
        ("notices:detail", COMMITTEE_NOTICE),
        ("notices:reads", COMMITTEE_NOTICE),
    ],
)
def test_anonymous_is_sent_to_login(org, client_for, things, name, obj):
    url = reverse(name, args=[things[obj].pk]) if obj else reverse(name)
    response = client_for("anonymous").get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "persona, status",
    [("member_a", 302), ("member_b", 404), ("organiser", 404), ("superuser", 404)],
)
def test_open_notification_only_by_its_recipient(org, client_for, things, persona, status):
    url = reverse("notices:open", args=[things["notification"].pk])
    assert client_for(persona).get(url).status_code == status


def test_mark_all_read_needs_post(org, client_for, things):
    assert client_for("member_a").get(reverse("notices:read_all")).status_code == 405
    assert (
        client_for("member_a")
        .post(reverse("notices:open", args=[things["notification"].pk]))
        .status_code
        == 405
    )
