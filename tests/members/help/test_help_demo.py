"""The demo's help requests: three in branch 1 (new and flagged, taken with notes, resolved),
seen by the branch's liaison officer and the organiser, not by the branch secretary;
seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from members import demo
from members.models import HelpRequest, HelpRequestNote, Post
from members.scoping import access_for

pytestmark = pytest.mark.django_db


def test_demo_help_requests(db):
    seeded = demo.seed()
    branch = seeded["branches"][0]
    requests = {hr.status: hr for hr in HelpRequest.objects.all()}
    assert sorted(requests) == ["new", "resolved", "taken"]
    assert all(hr.unit == branch for hr in requests.values())
    assert requests["new"].is_untouched()
    assert requests["resolved"].resolution
    assert HelpRequestNote.objects.filter(request=requests["taken"]).count() == 2
    assert requests["new"].author.user.username == "member"

    liaison = Post.objects.current().get(unit=branch, kind=Post.Kind.LIAISON).member.user
    assert liaison.username == "liaison"  # a login to try the queue with
    assert requests["taken"].taken_by == liaison
    for username, sees in (("organiser", True), ("secretary", False), ("staff", False)):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username=username)
        assert access_for(user).help_requests().count() == (3 if sees else 0), username
    assert access_for(liaison).handled_help_requests().count() == 3

    client = Client()
    client.force_login(liaison)
    html = client.get(reverse("home")).content.decode()
    assert "Help requests untouched for 3 days" in html

    counts = (
        HelpRequest.objects.count(),
        HelpRequestNote.objects.count(),
        HelpRequest.history.count(),
    )
    demo.seed()
    assert (
        HelpRequest.objects.count(),
        HelpRequestNote.objects.count(),
        HelpRequest.history.count(),
    ) == counts
