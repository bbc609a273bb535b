"""The admin's changelists cost the same number of queries with 10 and with 1,000 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Post

from ..conftest import TODAY
from .conftest import admin_url

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["secretary_a", "organiser"])
@pytest.mark.parametrize("page", ["member_changelist", "orgunit_changelist"])
def test_changelist_query_count_does_not_grow_with_members(
    org, client_for, make_members, persona, page
):
    # unit, login and overdue columns come from the row itself (list_select_related)
    client = client_for(persona)
    url = admin_url(page)
    make_members(org.branch_a, 10)
    few = count_queries(client, url)
    make_members(org.branch_a, 990, prefix="更多")
    assert count_queries(client, url) == few


def test_post_changelist_query_count_does_not_grow(org, client_for, make_members):
    # member and unit of each post come with the row (list_select_related)
    client = client_for("secretary_a")
    url = admin_url("post_changelist")

    def give_posts(members):
        Post.objects.bulk_create(
            Post(member=m, unit=org.branch_a, kind=Post.Kind.PUBLICITY, start_on=TODAY)
            for m in members
        )

    give_posts(make_members(org.branch_a, 10))
    few = count_queries(client, url)
    give_posts(make_members(org.branch_a, 990, prefix="更多"))
    assert count_queries(client, url) == few


def test_member_export_query_count_does_not_grow(org, client_for, make_members):
    client = client_for("organiser")
    url = admin_url("member_export") + "?format=csv"
    make_members(org.branch_a, 10)
    few = count_queries(client, url)
    make_members(org.branch_b, 990, prefix="更多")
    assert count_queries(client, url) == few
