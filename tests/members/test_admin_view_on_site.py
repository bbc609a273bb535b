"""The admin's "view on site" shortcut answers only for records in the person's admin scope,
so it cannot tell another branch's officer that a private record exists."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from members.models import HelpRequest, Post

from ..conftest import TODAY


@pytest.fixture
def help_request(org):
    return HelpRequest.objects.create(
        author=org.member_a,
        unit=org.branch_a,
        category=HelpRequest.Category.choices[0][0],
        title="家里有困难",
        text="需要帮助",
    )


def shortcut(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_the_organiser_in_scope_is_sent_to_the_page(org, client_for, help_request):
    response = client_for("organiser").get(shortcut(help_request))
    assert response.status_code == 302
    assert response["Location"].endswith(help_request.get_absolute_url())


@pytest.mark.parametrize("persona", ["member_b", "member_c"])
def test_another_branchs_officer_gets_404_like_for_a_missing_record(
    org, client_for, help_request, persona
):
    # member_b becomes secretary of branch B; member_c of the other committee's branch C.
    officer = getattr(org, persona)
    Post.objects.create(member=officer, unit=officer.unit, kind=Post.Kind.SECRETARY, start_on=TODAY)
    client = client_for(persona)
    assert client.get(reverse("admin:index")).status_code == 200  # an officer, in the admin
    assert client.get(shortcut(help_request)).status_code == 404
    content_type = ContentType.objects.get_for_model(HelpRequest)
    missing = reverse("admin:view_on_site", args=[content_type.pk, help_request.pk + 1000])
    assert client.get(missing).status_code == 404


@pytest.mark.parametrize("content_type_id, object_id", [("abc", "1"), ("99999", "1"), ("²", "1")])
def test_garbage_is_404(org, client_for, content_type_id, object_id):
    url = f"/admin/r/{content_type_id}/{object_id}/"
    assert client_for("organiser").get(url).status_code == 404


def test_a_garbage_object_id_is_404(org, client_for, help_request):
    content_type = ContentType.objects.get_for_model(HelpRequest)
    assert client_for("organiser").get(f"/admin/r/{content_type.pk}/x%27/").status_code == 404
