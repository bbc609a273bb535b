"""The organisation pages' cached fragments (the overview's tree, a unit's sub-units) and the
admin changelist's cached member count follow every change of units and members at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import OrgUnit
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def test_overview_shows_a_renamed_unit_at_once(org, client_for):
    client = client_for("organiser")
    url = reverse("members:overview")
    assert org.committee.name in client.get(url).text
    org.committee.name = "国网改名县供电公司党委"
    org.committee.save()
    text = client.get(url).text
    assert "国网改名县供电公司党委" in text and "国网测试县供电公司党委" not in text


def test_overview_tree_is_served_from_the_cache_without_a_unit_query(org, client_for):
    client = client_for("organiser")
    url = reverse("members:overview")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [q for q in queries if '"members_orgunit"."depth" <=' in q["sql"]]


def test_unit_page_lists_a_new_sub_unit_and_its_members_at_once(org, client_for):
    client = client_for("organiser")
    url = reverse("members:unit", args=[org.committee.pk])
    assert "新建党支部" not in client.get(url).text
    branch = OrgUnit.objects.create(
        name="新建党支部", kind=OrgUnit.Kind.BRANCH, parent=org.committee
    )
    assert "新建党支部" in client.get(url).text
    make_member(branch, "新党员甲")
    make_member(branch, "新党员乙")
    child = client.get(reverse("members:unit", args=[branch.pk])).text
    assert "2 members" in child
    assert "2 members" in client.get(url).text  # the committee's list of sub-units


def test_directory_unit_filter_renders_and_keeps_the_choice(org, client_for):
    client = client_for("organiser")
    text = client.get(reverse("members:directory"), {"unit": org.branch_a.pk}).text
    assert f'<option value="{org.branch_a.pk}" selected>机关第一党支部</option>' in text
    assert '<option value="">All units</option>' in text


def test_admin_changelist_count_follows_a_new_member(org, client_for):
    client = client_for("organiser")
    url = reverse("admin:members_member_changelist")
    before = client.get(url).context["cl"].result_count
    make_member(org.branch_b, "新党员丙")
    assert client.get(url).context["cl"].result_count == before + 1


def test_admin_changelist_count_is_per_filter(org, client_for):
    client = client_for("organiser")
    url = reverse("admin:members_member_changelist")
    everyone = client.get(url).context["cl"].result_count
    in_b = client.get(url, {"unit": org.branch_b.pk}).context["cl"].result_count
    assert in_b < everyone
    assert client.get(url).context["cl"].result_count == everyone


def test_admin_unit_filter_links_keep_other_filters(org, client_for):
    # The unit filter builds its links from one query string (members.admin_scoping).
    client = client_for("organiser")
    url = reverse("admin:members_member_changelist")
    response = client.get(url, {"status__exact": "active"})
    specs = response.context["cl"].filter_specs
    [spec] = [s for s in specs if getattr(s, "parameter_name", "") == "unit"]
    links = {c["display"]: c["query_string"] for c in spec.choices(response.context["cl"])}
    assert links["All"] == "?status__exact=active"
    assert any(q == f"?status__exact=active&unit={org.branch_a.pk}" for q in links.values())


def test_admin_changelist_checkboxes_carry_each_member(org, client_for):
    client = client_for("organiser")
    text = client.get(reverse("admin:members_member_changelist")).text
    assert f'name="_selected_action" value="{org.member_a.pk}" class="action-select"' in text
