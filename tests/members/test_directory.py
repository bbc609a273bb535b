"""The member directory: search by name, filters by unit and stage, bad filters, paging."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from members.models import Member
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

URL = reverse("members:directory")


@pytest.fixture
def people(org):
    """Three people whose given name is 建国, and a candidate, in both branches."""
    return {
        "张建国": make_member(org.branch_a, "张建国"),
        "王建国": make_member(org.branch_b, "王建国"),
        "刘建国": make_member(org.branch_c, "刘建国"),  # outside the organiser's committee
        "陈立新": make_member(
            org.branch_b,
            "陈立新",
            stage=Member.Stage.CANDIDATE,
            applied_on=datetime.date(2024, 1, 1),
            candidate_on=datetime.date(2025, 9, 1),
            full_on=None,
        ),
    }


def names(response) -> set[str]:
    return {m.name for m in response.context["page"].object_list}


def test_search_by_a_two_character_chinese_name_fragment(client_for, people):
    response = client_for("organiser").get(URL, {"q": "建国"})
    assert response.status_code == 200
    assert names(response) == {"张建国", "王建国"}  # 刘建国 is outside the scope
    assert "刘建国" not in response.content.decode()


@pytest.mark.parametrize(
    "q, found",
    [
        ("李安", {"李安", "李安国", "张李安"}),  # two characters: at the start, whole, at the end
        ("安国", {"李安国"}),
        ("李安国", {"李安国"}),  # three: the trigram index on PostgreSQL
        ("党委", {"党委办"}),
        ("支部", {"王支部长"}),
        ("a", {"Anna Li"}),  # any case, one character
        ("NNA", {"Anna Li"}),
        ("%", set()),  # LIKE's wildcards are plain characters
        ("_", set()),
    ],
)
def test_search_finds_names_of_every_length(client_for, org, q, found):
    for name in ("李安国", "张李安", "党委办", "王支部长", "Anna Li"):
        make_member(org.branch_a, name)
    assert names(client_for("organiser").get(URL, {"q": q})) == found


def test_search_by_a_surname(client_for, people):
    assert names(client_for("organiser").get(URL, {"q": "陈"})) == {"陈立新"}


def test_search_ignores_surrounding_spaces(client_for, people):
    assert names(client_for("organiser").get(URL, {"q": " 建国 "})) == {"张建国", "王建国"}


def test_a_member_searches_only_their_own_branch(client_for, people):
    assert names(client_for("member_a").get(URL, {"q": "建国"})) == {"张建国"}


def test_filter_by_unit(client_for, org, people):
    response = client_for("organiser").get(URL, {"unit": org.branch_b.pk})
    assert names(response) == {"赵博", "王建国", "陈立新"}


def test_filter_by_a_parent_unit_includes_its_subtree(client_for, org, people):
    response = client_for("organiser").get(URL, {"unit": org.committee.pk, "q": "建国"})
    assert names(response) == {"张建国", "王建国"}


def test_filter_by_stage(client_for, people):
    response = client_for("organiser").get(URL, {"stage": Member.Stage.CANDIDATE})
    assert names(response) == {"陈立新"}


def test_filter_by_status_lists_those_off_the_roll(client_for, org, people):
    Member.objects.filter(pk=people["王建国"].pk).update(
        status=Member.Status.LEFT, status_changed_on=datetime.date(2026, 1, 1)
    )
    organiser = client_for("organiser")
    assert "王建国" not in names(organiser.get(URL, {"q": "建国"}))
    assert names(organiser.get(URL, {"status": Member.Status.LEFT})) == {"王建国"}


def test_unit_choices_list_only_units_in_scope(client_for, org):
    form = client_for("secretary_a").get(URL).context["form"]
    assert list(form.fields["unit"].queryset) == [org.branch_a]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"unit": "OTHER_COMMITTEE"}, "unit"),  # a real unit, outside the scope
        ({"unit": "999999"}, "unit"),  # no such unit
        ({"unit": "abc"}, "unit"),
        ({"stage": "emperor"}, "stage"),
        ({"status": "vanished"}, "status"),
    ],
)
def test_invalid_filters_give_a_form_error_and_never_leak(client_for, org, people, params, field):
    if params.get("unit") == "OTHER_COMMITTEE":
        params = {"unit": org.branch_c.pk}
    response = client_for("organiser").get(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    html = response.content.decode()
    assert 'class="error"' in html
    for hidden in ("刘建国", org.member_c.name, org.branch_c.name, org.other_committee.name):
        assert hidden not in html
    assert names(response) == set()  # a refused filter lists nobody rather than guessing


def test_secretary_cannot_filter_on_another_branch(client_for, org, people):
    response = client_for("secretary_a").get(URL, {"unit": org.branch_b.pk})
    assert "unit" in response.context["form"].errors
    html = response.content.decode()
    for hidden in ("王建国", "陈立新", org.member_b.name):
        assert hidden not in html


def test_staff_without_membership_finds_nobody(client_for, people):
    response = client_for("staff").get(URL, {"q": "建国"})
    assert names(response) == set()
    assert "not linked to a member record" in response.content.decode()


# --- Paging -------------------------------------------------------------------------------
@pytest.fixture
def crowd(org):
    Member.objects.bulk_create(
        Member(
            unit=org.branch_a,
            name=f"成员{n:03d}",
            gender=Member.Gender.MALE,
            stage=Member.Stage.FULL,
            applied_on=datetime.date(2010, 1, 1),
            full_on=datetime.date(2012, 1, 1),
        )
        for n in range(120)
    )
    return org


def follow(client, response, rel: str):
    """The page a link of `response` leads to, as a person clicking it would."""
    page = response.context["page"]
    links = {"next": "next_url", "prev": "previous_url", "first": "first_url", "last": "last_url"}
    url = getattr(page, links[rel])
    assert f'href="{url}"'.replace("&", "&amp;") in response.content.decode()
    return client.get(URL + url)


def test_directory_pages_by_fifty_forwards_and_back(client_for, crowd):
    client = client_for("secretary_a")
    first = client.get(URL)
    assert first.context["page"].count == 123  # the crowd and three personas
    assert len(first.context["page"].object_list) == 50
    assert 'rel="prev"' not in first.content.decode()
    second = follow(client, first, "next")
    third = follow(client, second, "next")
    assert len(third.context["page"].object_list) == 23
    assert 'rel="prev"' in third.content.decode()
    assert 'rel="next"' not in third.content.decode()
    seen = [m.pk for r in (first, second, third) for m in r.context["page"].object_list]
    assert len(set(seen)) == 123
    expected = list(
        Member.objects.filter(unit=crowd.branch_a, status=Member.Status.ACTIVE)
        .order_by("unit_path", "name", "pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    back = follow(client, third, "prev")
    assert [m.pk for m in back.context["page"].object_list] == seen[50:100]
    back = follow(client, back, "prev")
    assert [m.pk for m in back.context["page"].object_list] == seen[:50]
    assert 'rel="prev"' not in back.content.decode()


def test_the_last_page_link_reads_the_end_of_the_list(client_for, crowd):
    client = client_for("secretary_a")
    last = follow(client, client.get(URL), "last")
    assert len(last.context["page"].object_list) == 50
    assert 'rel="next"' not in last.content.decode()
    assert 'rel="prev"' in last.content.decode()
    in_order = Member.objects.filter(unit=crowd.branch_a).order_by("unit_path", "name", "pk")
    assert last.context["page"].object_list == list(in_order)[-50:]


def test_paging_keeps_the_search(client_for, crowd):
    client = client_for("secretary_a")
    first = client.get(URL, {"q": "成员"})
    assert first.context["page"].count == 120
    assert "q=%E6%88%90%E5%91%98&amp;after=" in first.content.decode()
    second = follow(client, first, "next")
    assert second.context["page"].count == 120
    assert {m.name[:2] for m in second.context["page"].object_list} == {"成员"}
    assert second.context["form"]["q"].value() == "成员"


@pytest.mark.parametrize(
    "params",
    [
        {"page": "99"},
        {"after": "abc"},
        {"after": "000001.|x|李"},
        {"before": "-1"},
        {"before": "999999.|999999|"},
        {"after": "999999.|999999|"},
        {"after": "|" * 500},
    ],
)
def test_a_bad_or_stale_cursor_is_not_an_error(client_for, crowd, params):
    response = client_for("secretary_a").get(URL, params)
    assert response.status_code == 200
    assert response.context["page"].object_list


def test_a_cursor_outside_the_scope_shows_only_the_scope(client_for, crowd, org):
    # A key from another committee's part of the tree only says where to start reading.
    other = f"{org.branch_c.path}|{org.member_c.pk}|{org.member_c.name}"
    for params in ({"after": other}, {"before": other}):
        html = client_for("secretary_a").get(URL, params).content.decode()
        assert org.member_c.name not in html
