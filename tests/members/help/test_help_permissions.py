"""Who may open or act on a help request (连心桥): every persona × every page, site and admin.

The rule (members.scoping): the author, the liaison officers of the branch it was filed in
and the organisers whose scope covers that branch; nobody else — not the branch's
secretary, not colleagues, not staff, not another branch's liaison, not another committee's
organiser. For them the request is a 404 and its title appears on no page they get.
Only handlers act (take, note, resolve); the author reads. The admin is a read-only view for
organisers; branch officers who are not organisers get 403 (list) and 404 (a request);
people who keep no records (liaisons included) are sent to the login.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import HelpRequest, HelpRequestNote

from .conftest import HELP_PERSONAS, TITLE

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the site's login (the anonymous, the admin included)
ADMIN_LOGIN = "admin-login"  # logged in but keeps no records: sent to the admin's login


def _admin(name, *args):
    return reverse(f"admin:members_helprequest_{name}", args=args)


# name: (method, url builder, POST data)
URLS = {
    "mine": ("get", lambda hr, org: reverse("members:help_mine"), None),
    "queue": ("get", lambda hr, org: reverse("members:help_queue"), None),
    "queue new": ("get", lambda hr, org: reverse("members:help_queue") + "?status=new", None),
    "detail": ("get", lambda hr, org: reverse("members:help_detail", args=[hr.pk]), None),
    "note": (
        "post",
        lambda hr, org: reverse("members:help_note", args=[hr.pk]),
        {"text": "已电话联系", "visible_to_member": ""},
    ),
    "take": ("post", lambda hr, org: reverse("members:help_take", args=[hr.pk]), {}),
    "resolve": (
        "post",
        lambda hr, org: reverse("members:help_resolve", args=[hr.pk]),
        {"summary": "已协调解决"},
    ),
    "admin changelist": ("get", lambda hr, org: _admin("changelist"), None),
    "admin changelist filtered": (
        "get",
        lambda hr, org: _admin("changelist") + f"?unit={org.branch_a.pk}&q=HELP",
        None,
    ),
    "admin change": ("get", lambda hr, org: _admin("change", hr.pk), None),
    "admin history": ("get", lambda hr, org: _admin("history", hr.pk), None),
    "admin past version": (
        "get",
        lambda hr, org: _admin("simple_history", hr.pk, hr.history.first().history_id),
        None,
    ),
    "admin delete": ("get", lambda hr, org: _admin("delete", hr.pk), None),
    "admin autocomplete": (
        "get",
        lambda hr, org: (
            "/admin/autocomplete/?app_label=members&model_name=helprequestnote"
            "&field_name=request&term=HELP"
        ),
        None,
    ),
}

L, A = LOGIN, ADMIN_LOGIN
# Personas in the order of HELP_PERSONAS:
#  anonymous staff  member_a member_b secretary_a organiser superuser liaison_a liaison_b other_org
EXPECTED = {
    "mine": (L, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "queue": (L, 403, 403, 403, 403, 200, 200, 200, 200, 200),
    "queue new": (L, 403, 403, 403, 403, 200, 200, 200, 200, 200),
    "detail": (L, 404, 200, 404, 404, 200, 200, 200, 404, 404),
    # The author reads but does not handle their own request.
    "note": (L, 404, 404, 404, 404, 302, 302, 302, 404, 404),
    "take": (L, 404, 404, 404, 404, 302, 302, 302, 404, 404),
    "resolve": (L, 404, 404, 404, 404, 302, 302, 302, 404, 404),
    "admin changelist": (L, A, A, A, 403, 200, 200, A, A, 200),
    "admin changelist filtered": (L, A, A, A, 403, 200, 200, A, A, 200),
    "admin change": (L, A, A, A, 404, 200, 200, A, A, 404),
    "admin history": (L, A, A, A, 404, 200, 200, A, A, 404),
    "admin past version": (L, A, A, A, 404, 200, 200, A, A, 404),
    "admin delete": (L, A, A, A, 404, 403, 200, A, A, 404),
    "admin autocomplete": (A, A, A, A, 403, 200, 200, A, A, 200),
}
# Who may see the request's title on a page of that kind.
SEES_TITLE = {"member_a", "organiser", "superuser", "liaison_a"}
TITLE_ON = {
    # the author's own list; the handlers' queue; the admin's list and search
    "mine": {"member_a"},
    "queue": {"organiser", "superuser", "liaison_a"},
    "queue new": {"organiser", "superuser", "liaison_a"},
    "detail": SEES_TITLE,
    "admin changelist": {"organiser", "superuser"},
    "admin changelist filtered": {"organiser", "superuser"},
    "admin change": {"organiser", "superuser"},
    "admin history": {"organiser", "superuser"},
    "admin past version": {"organiser", "superuser"},
    "admin delete": {"superuser"},
    "admin autocomplete": {"organiser", "superuser"},
}

CASES = [
    (persona, page, statuses[i])
    for page, statuses in EXPECTED.items()
    for i, persona in enumerate(HELP_PERSONAS)
]


@pytest.mark.parametrize("persona, page, expected", CASES)
def test_help_permission_matrix(help_client, help_org, help_request, persona, page, expected):
    method, url_for, data = URLS[page]
    url = url_for(help_request, help_org)
    client = help_client(persona)
    notes_before = HelpRequestNote.objects.count()
    status_before = help_request.status
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected

    html = response.content.decode()
    if persona not in TITLE_ON.get(page, set()):
        assert TITLE not in html
        assert "HELP-7f3a" not in html
    elif response.status_code == 200:
        assert "HELP-7f3a" in html  # (the autocomplete's JSON escapes the Chinese)

    if method == "post" and expected != 302:
        # Refused: nothing was written.
        help_request.refresh_from_db()
        assert help_request.status == status_before
        assert HelpRequestNote.objects.count() == notes_before
        assert help_request.history.count() == 1


def test_a_liaison_post_in_an_ancestor_unit_covers_the_branch(help_client, help_org, help_request):
    from members.models import Post

    Post.objects.create(
        member=help_org.member_b,
        unit=help_org.committee,
        kind=Post.Kind.LIAISON,
        start_on=help_org.member_b.full_on,
    )
    response = help_client("member_b").get(reverse("members:help_detail", args=[help_request.pk]))
    assert response.status_code == 200


def test_a_secretary_who_is_also_liaison_of_the_branch_sees_it(help_client, help_org, help_request):
    from members.models import Post

    Post.objects.create(
        member=help_org.secretary_a,
        unit=help_org.branch_a,
        kind=Post.Kind.LIAISON,
        start_on=help_org.member_b.full_on,
    )
    url = reverse("members:help_detail", args=[help_request.pk])
    assert help_client("secretary_a").get(url).status_code == 200
    # still not in the admin: the admin's view of help requests is for organisers
    admin = help_client("secretary_a").get(_admin("change", help_request.pk))
    assert admin.status_code == 404


def test_an_ended_liaison_post_gives_no_access(help_client, help_org, help_request):
    from members.models import Post

    Post.objects.filter(member=help_org.liaison_a).update(end_on=help_org.member_a.full_on)
    url = reverse("members:help_detail", args=[help_request.pk])
    assert help_client("liaison_a").get(url).status_code == 404
    assert help_client("liaison_a").get(reverse("members:help_queue")).status_code == 403


def test_a_transfer_does_not_show_old_requests_to_the_new_branch(
    help_client, help_org, help_request
):
    """The request stays with the branch it was filed in; the new branch's liaison does not
    learn about the member's past difficulties."""
    import datetime

    from members.services import member_transfer

    member_transfer(
        member=help_org.member_a,
        on=datetime.date(2026, 11, 1),
        by=help_org.organiser.user,
        to_unit=help_org.branch_b,
    )
    url = reverse("members:help_detail", args=[help_request.pk])
    assert help_client("liaison_b").get(url).status_code == 404
    assert help_client("liaison_a").get(url).status_code == 200
    assert help_client("member_a").get(url).status_code == 200


def test_a_handler_does_not_handle_their_own_request(help_client, help_org):
    from members import help as services

    own = services.help_request_create(
        author=help_org.organiser,
        by=help_org.organiser.user,
        category=HelpRequest.Category.WORK,
        title="组织员自己的求助",
        text="内容",
    )
    client = help_client("organiser")
    assert client.get(reverse("members:help_detail", args=[own.pk])).status_code == 200
    assert client.post(reverse("members:help_take", args=[own.pk])).status_code == 404
    assert "组织员自己的求助" not in client.get(reverse("members:help_queue")).content.decode()
    assert client.get(_admin("change", own.pk)).status_code == 404
    # ...while the liaison of the organiser's branch handles it
    assert (
        help_client("liaison_a").post(reverse("members:help_take", args=[own.pk])).status_code
        == 302
    )


def test_the_admin_index_lists_help_requests_only_for_organisers(help_client, help_org):
    url = reverse("admin:index")
    assert "helprequest" not in help_client("secretary_a").get(url).content.decode()
    assert "helprequest" in help_client("organiser").get(url).content.decode()
