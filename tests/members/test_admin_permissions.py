"""Who may open which admin page: the table every admin change is checked against.

Out-of-scope objects are a 404 (never the admin's "doesn't exist" redirect); people who keep
no records are sent to the login (the admin's login then refuses them); features a person
may not use (import, deleting) are a 403.
"""

from __future__ import annotations

import pytest

from .conftest import admin_url

pytestmark = pytest.mark.django_db

LOGIN = 302  # not an admin user: redirected to the login

URLS = {
    "changelist": lambda org: admin_url("member_changelist"),
    "add": lambda org: admin_url("member_add"),
    "change own branch": lambda org: admin_url("member_change", org.member_a.pk),
    "change other branch": lambda org: admin_url("member_change", org.member_b.pk),
    "change other committee": lambda org: admin_url("member_change", org.member_c.pk),
    "history own branch": lambda org: admin_url("member_history", org.member_a.pk),
    "history other branch": lambda org: admin_url("member_history", org.member_b.pk),
    "past version other branch": lambda org: admin_url(
        "member_simple_history", org.member_b.pk, org.member_b.history.first().history_id
    ),
    "delete own branch": lambda org: admin_url("member_delete", org.member_a.pk),
    "delete other branch": lambda org: admin_url("member_delete", org.member_b.pk),
    "unit changelist": lambda org: admin_url("orgunit_changelist"),
    "unit add": lambda org: admin_url("orgunit_add"),
    "unit change own": lambda org: admin_url("orgunit_change", org.branch_a.pk),
    "unit change other": lambda org: admin_url("orgunit_change", org.branch_b.pk),
    "unit history other": lambda org: admin_url("orgunit_history", org.branch_b.pk),
    "post changelist": lambda org: admin_url("post_changelist"),
    "post add": lambda org: admin_url("post_add"),
    "transfer changelist": lambda org: admin_url("transfer_changelist"),
    "import": lambda org: admin_url("member_import"),
    "import template": lambda org: admin_url("member_import_template"),
    "export": lambda org: admin_url("member_export") + "?format=csv",
    "autocomplete": lambda org: (
        "/admin/autocomplete/?app_label=members&model_name=post&field_name=member&term="
    ),
}

EXPECTED = {
    #                          anon   staff  member secretary organiser superuser
    "changelist": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "add": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "change own branch": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "change other branch": (LOGIN, LOGIN, LOGIN, 404, 200, 200),
    "change other committee": (LOGIN, LOGIN, LOGIN, 404, 404, 200),
    "history own branch": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "history other branch": (LOGIN, LOGIN, LOGIN, 404, 200, 200),
    "past version other branch": (LOGIN, LOGIN, LOGIN, 404, 200, 200),
    # A full member has a history: even the superuser is sent back with a message.
    "delete own branch": (LOGIN, LOGIN, LOGIN, 403, 403, 302),
    "delete other branch": (LOGIN, LOGIN, LOGIN, 404, 403, 302),
    "unit changelist": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "unit add": (LOGIN, LOGIN, LOGIN, 403, 200, 200),
    "unit change own": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "unit change other": (LOGIN, LOGIN, LOGIN, 404, 200, 200),
    "unit history other": (LOGIN, LOGIN, LOGIN, 404, 200, 200),
    "post changelist": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "post add": (LOGIN, LOGIN, LOGIN, 403, 200, 200),
    "transfer changelist": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "import": (LOGIN, LOGIN, LOGIN, 403, 200, 200),
    "import template": (LOGIN, LOGIN, LOGIN, 403, 200, 200),
    "export": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
    "autocomplete": (LOGIN, LOGIN, LOGIN, 200, 200, 200),
}
PERSONAS = ("anonymous", "staff", "member_a", "secretary_a", "organiser", "superuser")
CASES = [
    (persona, page, statuses[i])
    for page, statuses in EXPECTED.items()
    for i, persona in enumerate(PERSONAS)
]


@pytest.mark.parametrize("persona, page, status", CASES)
def test_admin_permission_matrix(org, client_for, persona, page, status):
    response = client_for(persona).get(URLS[page](org))
    assert response.status_code == status, response.content[:500]
    if status == LOGIN and persona in ("anonymous", "staff", "member_a"):
        assert "login" in response["Location"]


@pytest.mark.parametrize("persona", ["member_a", "staff"])
def test_people_who_keep_no_records_are_refused_by_the_admin_login(org, client_for, persona):
    response = client_for(persona).get(admin_url("member_import"), follow=True)
    assert response.status_code == 403


def test_tampered_ids_are_404_not_a_redirect(org, client_for):
    client = client_for("secretary_a")
    for url in (
        admin_url("member_change", 999_999),
        admin_url("member_change", "not-a-number"),
        admin_url("member_history", 999_999),
        admin_url("orgunit_change", org.other_committee.pk),
    ):
        assert client.get(url).status_code == 404, url
