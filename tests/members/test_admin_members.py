"""The member admin: editing in scope, pickers and filters that list only what is in scope,
sensitive fields, stage rules, history, deleting and the transfer and leave actions."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from members.models import Member, Post, Transfer
from members.scoping import mask
from tests.conftest import make_member

from .conftest import admin_url

pytestmark = pytest.mark.django_db


def form_data(member: Member, **changes) -> dict:
    """The change form as the browser would post it (sensitive fields only if given)."""
    data = {
        "name": member.name,
        "unit": member.unit_id,
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "native_place": member.native_place,
        "education": member.education,
        "department": member.department,
        "job_title": member.job_title,
        "stage": member.stage,
        "applied_on": member.applied_on or "",
        "activist_on": member.activist_on or "",
        "candidate_on": member.candidate_on or "",
        "probationary_on": member.probationary_on or "",
        "full_on": member.full_on or "",
        "status": member.status,
        "status_changed_on": member.status_changed_on or "",
        "status_note": member.status_note,
        "posts-TOTAL_FORMS": "0",
        "posts-INITIAL_FORMS": "0",
        "posts-MIN_NUM_FORMS": "0",
        "posts-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_secretary_edits_a_member_of_their_branch(org, client_for):
    member = org.member_a
    response = client_for("secretary_a").post(
        admin_url("member_change", member.pk), form_data(member, job_title="班长")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.job_title == "班长"
    latest = member.history.first()
    assert latest.history_user == org.secretary_a.user
    assert latest.id_number == "130534198505050033"  # untouched: not in the secretary's form


def test_secretary_cannot_move_a_member_to_another_branch(org, client_for):
    member = org.member_a
    response = client_for("secretary_a").post(
        admin_url("member_change", member.pk),
        form_data(member, unit=org.branch_b.pk, job_title="班长"),
    )
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.unit == org.branch_a and member.job_title != "班长"


def test_secretary_cannot_post_to_another_branchs_member(org, client_for):
    member = org.member_b
    response = client_for("secretary_a").post(
        admin_url("member_change", member.pk), form_data(member, job_title="班长")
    )
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.job_title != "班长"


def test_secretary_adds_members_to_their_branch_only(org, client_for):
    client = client_for("secretary_a")
    page = client.get(admin_url("member_add"))
    choices = [str(u) for u in page.context["adminform"].form.fields["unit"].queryset]
    assert choices == ["机关第一党支部"]
    base = form_data(org.member_a, name="新党员", id_number="130534199901010099")
    client.post(admin_url("member_add"), {**base, "unit": org.branch_b.pk})
    assert not Member.objects.filter(name="新党员").exists()
    response = client.post(admin_url("member_add"), base)
    assert response.status_code == 302
    created = Member.objects.get(name="新党员")
    assert created.unit == org.branch_a
    assert created.id_number is None  # a secretary does not enter sensitive data


def test_sensitive_fields_are_masked_for_the_secretary(org, client_for):
    response = client_for("secretary_a").get(admin_url("member_change", org.member_a.pk))
    content = response.content.decode()
    form = response.context["adminform"].form
    assert not set(Member.SENSITIVE_FIELDS) & set(form.fields)
    assert "130534198505050033" not in content and "13800000003" not in content
    assert mask("130534198505050033") in content


def test_secretary_cannot_write_sensitive_fields_by_posting_them(org, client_for):
    member = org.member_a
    client_for("secretary_a").post(
        admin_url("member_change", member.pk), form_data(member, phone="13999999999")
    )
    member.refresh_from_db()
    assert member.phone == "13800000003"


def test_organiser_sees_and_edits_sensitive_fields(org, client_for):
    client = client_for("organiser")
    member = org.member_b
    response = client.get(admin_url("member_change", member.pk))
    assert "130534198505050044" in response.content.decode()
    data = form_data(
        member,
        id_number=member.id_number,
        phone="13900000004",
        birth_date="1985-05-05",
        home_address="清河县",
    )
    assert client.post(admin_url("member_change", member.pk), data).status_code == 302
    member.refresh_from_db()
    assert member.phone == "13900000004" and member.home_address == "清河县"


def test_stage_date_errors_are_shown_next_to_the_field(org, client_for):
    member = org.member_a
    response = client_for("secretary_a").post(
        admin_url("member_change", member.pk),
        form_data(member, stage=Member.Stage.FULL, activist_on="2009-01-01"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Must not be before applied on" in errors["activist_on"][0]


def test_history_masks_sensitive_changes_for_the_secretary(org, client_for):
    member = org.member_a
    member.phone = "13912345678"
    member.save()
    url = admin_url("member_history", member.pk)
    secretary_page = client_for("secretary_a").get(url).content.decode()
    assert "13912345678" not in secretary_page and "13800000003" not in secretary_page
    assert mask("13912345678") in secretary_page
    assert "13912345678" in client_for("organiser").get(url).content.decode()


def test_past_versions_are_read_only(org, client_for):
    member = org.member_a
    version = member.history.first()
    url = admin_url("member_simple_history", member.pk, version.history_id)
    client = client_for("organiser")
    assert client.get(url).status_code == 200
    assert client.post(url, form_data(member, name="改回")).status_code == 403
    member.refresh_from_db()
    assert member.name == "李安"


def test_past_version_of_another_member_cannot_be_reached_through_an_own_member(org, client_for):
    other_version = org.member_b.history.first()
    url = admin_url("member_simple_history", org.member_a.pk, other_version.history_id)
    assert client_for("secretary_a").get(url).status_code == 404


def autocomplete(client, term: str) -> list[str]:
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "members", "model_name": "post", "field_name": "member", "term": term},
    )
    assert response.status_code == 200
    return [r["text"] for r in response.json()["results"]]


def test_autocomplete_lists_only_members_in_scope(org, client_for):
    assert autocomplete(client_for("secretary_a"), "赵") == []
    assert autocomplete(client_for("secretary_a"), "李") == ["李安"]
    assert autocomplete(client_for("organiser"), "赵") == ["赵博"]
    assert autocomplete(client_for("organiser"), "钱") == []  # another committee


def test_id_number_search_is_for_organisers_only(org, client_for):
    url = admin_url("member_changelist") + "?q=130534198505050033"
    organiser = client_for("organiser").get(url)
    assert [m.name for m in organiser.context["cl"].result_list] == ["李安"]
    secretary = client_for("secretary_a").get(url)
    assert list(secretary.context["cl"].result_list) == []


def test_unit_filter_lists_only_units_in_scope(org, client_for):
    content = client_for("secretary_a").get(admin_url("member_changelist")).content.decode()
    assert "机关第一党支部" in content
    assert "运维检修党支部" not in content and "国网测试县供电公司党委" not in content


def test_changelist_filters_and_columns(org, client_for):
    client = client_for("organiser")
    org.member_b.stage = Member.Stage.PROBATIONARY
    org.member_b.probationary_on = datetime.date(2020, 1, 1)
    org.member_b.full_on = None
    org.member_b.save()
    response = client.get(admin_url("member_changelist") + "?overdue=yes")
    assert [m.name for m in response.context["cl"].result_list] == ["赵博"]
    response = client.get(admin_url("member_changelist") + f"?unit={org.branch_a.pk}")
    assert {m.name for m in response.context["cl"].result_list} == {"王组织", "孙书记", "李安"}
    response = client.get(admin_url("member_changelist") + f"?unit={org.branch_c.pk}")
    assert list(response.context["cl"].result_list) == []


def test_member_with_history_is_never_deleted(org, client_for):
    client = client_for("superuser")
    response = client.post(admin_url("member_delete", org.member_a.pk), {"post": "yes"})
    assert response.status_code == 302
    assert Member.objects.filter(pk=org.member_a.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "cannot be deleted" in page


def test_superuser_deletes_a_member_without_history(org, client_for):
    applicant = Member.objects.create(
        unit=org.branch_a,
        name="申请人",
        gender=Member.Gender.MALE,
        stage=Member.Stage.APPLICANT,
        applied_on=datetime.date(2025, 1, 1),
    )
    response = client_for("superuser").post(
        admin_url("member_delete", applicant.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Member.objects.filter(pk=applicant.pk).exists()


def test_bulk_delete_is_not_offered(org, client_for):
    response = client_for("superuser").get(admin_url("member_changelist"))
    assert "delete_selected" not in response.content.decode()


def run_action(client, action: str, members, **fields):
    return client.post(
        admin_url("member_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [m.pk for m in members], **fields},
    )


def test_transfer_action_asks_then_moves_the_member_and_records_it(org, client_for):
    client = client_for("organiser")
    page = run_action(client, "transfer_action", [org.member_a])
    assert page.status_code == 200 and "李安" in page.content.decode()
    response = run_action(
        client,
        "transfer_action",
        [org.member_a],
        apply="1",
        to_unit=org.branch_b.pk,
        on="2026-11-01",
        note="工作调动",
    )
    assert response.status_code == 302
    org.member_a.refresh_from_db()
    assert org.member_a.unit == org.branch_b
    transfer = Transfer.objects.get(member=org.member_a)
    assert transfer.from_unit == org.branch_a and transfer.created_by == org.organiser.user


def test_secretary_transfer_choices_stay_in_scope(org, client_for):
    client = client_for("secretary_a")
    response = run_action(
        client,
        "transfer_action",
        [org.member_a],
        apply="1",
        to_unit=org.branch_b.pk,
        on="2026-11-01",
    )
    assert response.status_code == 200  # the form again, with an error
    assert "to_unit" in response.context["form"].errors
    org.member_a.refresh_from_db()
    assert org.member_a.unit == org.branch_a


def test_leave_action_keeps_the_record_and_ends_posts(org, client_for):
    client = client_for("organiser")
    response = run_action(
        client,
        "leave_action",
        [org.secretary_a],
        apply="1",
        status=Member.Status.DECEASED,
        on="2026-11-01",
    )
    assert response.status_code == 302
    org.secretary_a.refresh_from_db()
    assert org.secretary_a.status == Member.Status.DECEASED
    assert not Post.objects.current().filter(member=org.secretary_a).exists()


def test_action_on_another_branchs_member_does_nothing(org, client_for):
    run_action(
        client_for("secretary_a"),
        "leave_action",
        [org.member_b],
        apply="1",
        status=Member.Status.LEFT,
        on="2026-11-01",
    )
    org.member_b.refresh_from_db()
    assert org.member_b.status == Member.Status.ACTIVE


def test_past_version_is_masked_for_the_secretary(org, client_for):
    member = org.member_a
    version = member.history.first()
    url = admin_url("member_simple_history", member.pk, version.history_id)
    content = client_for("secretary_a").get(url).content.decode()
    assert "李安" in content
    assert "130534198505050033" not in content and "13800000003" not in content


def test_status_is_changed_by_the_actions_not_the_form(org, client_for):
    member = org.member_a
    client_for("organiser").post(
        admin_url("member_change", member.pk),
        form_data(member, status=Member.Status.LEFT, status_changed_on="2026-11-01"),
    )
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


# --- the changelist's count and filters ------------------------------------------------------
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


@pytest.mark.parametrize(
    "q, found",
    [("李安", {"李安"}), ("安", {"李安"}), ('"李 安"', set()), ('"', set()), ("李 安", {"李安"})],
)
def test_admin_search_by_name_of_any_length(org, client_for, q, found):
    response = client_for("organiser").get(reverse("admin:members_member_changelist"), {"q": q})
    assert response.status_code == 200
    assert {m.name for m in response.context["cl"].result_list} == found


def test_admin_search_by_id_number_is_for_organisers(org, client_for):
    org.member_a.id_number = "130534198505050033"
    org.member_a.save()
    url = reverse("admin:members_member_changelist")
    found = client_for("organiser").get(url, {"q": "130534198505050033"}).context["cl"]
    assert [m.name for m in found.result_list] == ["李安"]
    found = client_for("secretary_a").get(url, {"q": "130534198505050033"}).context["cl"]
    assert list(found.result_list) == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "active"},
        {"status__exact": "active", "stage__exact": "full"},
        {"status__exact": "left"},
        {"stage__exact": "full"},
        {"unit": "BRANCH_A"},
        {"unit": "BRANCH_A", "status__exact": "active", "stage__exact": "probationary"},
        {"gender__exact": "female"},
        {"unit": "999999"},
        {"q": "李"},
        {"o": "1", "p": "1"},
    ],
)
@pytest.mark.parametrize("persona", ["organiser", "secretary_a"])
def test_changelist_count_from_the_kept_figures_equals_the_rows(org, client_for, params, persona):
    make_member(org.branch_a, "离开者", status="left", status_changed_on=datetime.date(2026, 1, 1))
    make_member(
        org.branch_a, "预备", stage="probationary", probationary_on=datetime.date(2026, 1, 1)
    )
    params = {k: str(org.branch_a.pk) if v == "BRANCH_A" else v for k, v in params.items()}
    response = client_for(persona).get(reverse("admin:members_member_changelist"), params)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_count == cl.queryset.count()


@pytest.mark.parametrize("facets", [False, True])
def test_the_unit_filter_lists_the_units_in_scope_as_links(org, client_for, facets):
    params = {"_facets": "True"} if facets else {}
    text = client_for("organiser").get(reverse("admin:members_member_changelist"), params).text
    assert f'unit={org.branch_a.pk}">· 机关第一党支部' in text
    assert org.branch_c.name not in text
