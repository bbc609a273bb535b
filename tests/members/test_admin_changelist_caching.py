"""The member changelist's rows and filters, the unit filter's choices and the admin's app
list are kept in the cache (members.admin.MemberChangeList, members.admin_scoping,
members.admin_site) and every write that changes what they show shows on the next visit:
a member added, changed, deleted or given a login, a unit renamed, a bulk write that calls
counts.invalidate(), Django permissions given or taken. Scope and language are in the keys;
the CSRF token never is in a cached part."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from members import counts
from members.models import Member

pytestmark = [pytest.mark.django_db]

CHANGELIST = reverse("admin:members_member_changelist")


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def page(client, url: str = CHANGELIST, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def queries(client, url: str = CHANGELIST) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, url)
    return len(captured)


def test_a_second_visit_draws_the_same_page_from_the_cache(org, client_for):
    client = client_for("organiser")
    first_html = page(client)
    first = queries(client)
    second_html = page(client)
    assert queries(client) <= first
    assert without_csrf(first_html) == without_csrf(second_html)
    # The rows come from the cache: the page's members are not read again.
    with CaptureQueriesContext(connection) as captured:
        page(client)
    assert not any('FROM "members_member"' in q["sql"] for q in captured)
    assert "csrfmiddlewaretoken" in second_html


def test_member_writes_show_at_once(org, client_for):
    client = client_for("organiser")
    assert "李四新名" not in page(client)
    org.member_a.name = "李四新名"
    org.member_a.save()
    assert "李四新名" in page(client)
    new = Member.objects.create(unit=org.branch_b, name="新来的党员")
    assert "新来的党员" in page(client)
    new.unit = org.branch_c  # out of the organiser's scope
    new.save()
    assert "新来的党员" not in page(client)
    Member.objects.filter(pk=org.member_b.pk).delete()  # post_delete for each row
    assert org.member_b.name not in page(client)


def test_a_login_given_shows_at_once(org, client_for, django_user_model):
    client = client_for("organiser")
    plain = Member.objects.create(unit=org.branch_a, name="没有账号")
    row = re.compile(r"没有账号.*?</tr>", re.S)
    assert "icon-no" in row.search(page(client)).group(0)
    plain.user = django_user_model.objects.create_user("newlogin", password="x-long-pass-1")
    plain.save()
    assert "icon-yes" in row.search(page(client)).group(0)


def test_a_unit_renamed_shows_in_rows_and_filter(org, client_for):
    client = client_for("organiser")
    page(client)
    org.branch_a.short_name = "改名支部"
    org.branch_a.save()
    html = page(client)
    assert html.count("改名支部") >= 2  # a row's unit and the filter's choice


def test_bulk_writes_show_after_invalidate(org, client_for):
    client = client_for("organiser")
    page(client)
    Member.objects.filter(pk=org.member_b.pk).update(name="批量改名")
    counts.invalidate()  # what code writing in bulk does (members.counts)
    assert "批量改名" in page(client)


def test_scope_and_language_are_in_the_keys(org, client_for):
    organiser, secretary = client_for("organiser"), client_for("secretary_a")
    assert org.member_b.name in page(organiser)  # branch B, the organiser's subtree
    html = page(secretary)
    assert org.member_b.name not in html and org.member_a.name in html
    with translation.override("en"):
        english = page(organiser, HTTP_ACCEPT_LANGUAGE="en")
    chinese = page(organiser, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english != chinese


def test_other_pages_and_filters_have_their_own_entries(org, client_for, make_members):
    make_members(org.branch_a, 60, prefix="批量")
    counts.invalidate()
    client = client_for("organiser")
    first, second = page(client), page(client, CHANGELIST + "?p=2")
    assert without_csrf(first) != without_csrf(second)
    filtered = page(client, CHANGELIST + f"?unit={org.branch_b.pk}")
    assert org.member_b.name in filtered and "批量0001" not in filtered


def test_django_permissions_given_and_taken_show_in_the_app_list(org, client_for):
    client = client_for("secretary_a")
    users = reverse("admin:auth_user_changelist")
    index = reverse("admin:index")
    assert users not in page(client, index)
    view_user = Permission.objects.get(codename="view_user")
    org.secretary_a.user.user_permissions.add(view_user)
    assert users in page(client, index)
    org.secretary_a.user.user_permissions.remove(view_user)
    assert users not in page(client, index)
    group = Group.objects.create(name="viewers")
    group.permissions.add(view_user)
    group.user_set.add(org.secretary_a.user)
    assert users in page(client, index)
    group.permissions.remove(view_user)
    assert users not in page(client, index)
    group.permissions.add(view_user)
    assert users in page(client, index)
    group.delete()
    assert users not in page(client, index)


def test_a_post_ended_leaves_the_app_list(org, client_for):
    client = client_for("organiser")
    assert reverse("admin:members_orgunit_changelist") in page(client, reverse("admin:index"))
    org.organiser.posts.all().delete()
    response = client.get(reverse("admin:index"))
    assert (
        response.status_code != 200
        or reverse("admin:members_orgunit_changelist") not in response.content.decode()
    )
