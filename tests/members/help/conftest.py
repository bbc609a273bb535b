"""Fixtures of the help-request tests (连心桥): liaison officers, a second organiser, a request.

    committee ── branch_a: member_a files the request; liaison_a is its liaison officer;
             │             secretary_a its secretary (who must NOT see the request)
             └─ branch_b: liaison_b (a liaison officer, but of another branch)
    other_committee ── branch_c: other_organiser organises this committee only

They build on the shared `org` fixture of tests/conftest.py.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from members import help as services
from members.models import HelpRequest, Post

from ...conftest import make_member, make_user

TITLE = "HELP-7f3a 家中老人需要照顾"
TEXT = "父亲住院，想请组织帮忙协调值班。"
HELP_PERSONAS = (
    "anonymous",
    "staff",
    "member_a",
    "member_b",
    "secretary_a",
    "organiser",
    "superuser",
    "liaison_a",
    "liaison_b",
    "other_organiser",
)


@pytest.fixture
def help_org(org):
    start = datetime.date(2024, 1, 1)
    org.liaison_a = make_member(org.branch_a, "刘联络", user=make_user("liaison_a"))
    org.liaison_b = make_member(org.branch_b, "吴联络", user=make_user("liaison_b"))
    org.other_organiser = make_member(org.branch_c, "邻组织", user=make_user("other_organiser"))
    Post.objects.create(
        member=org.liaison_a, unit=org.branch_a, kind=Post.Kind.LIAISON, start_on=start
    )
    Post.objects.create(
        member=org.liaison_b, unit=org.branch_b, kind=Post.Kind.LIAISON, start_on=start
    )
    Post.objects.create(
        member=org.other_organiser,
        unit=org.other_committee,
        kind=Post.Kind.ORGANISER,
        start_on=start,
    )
    return org


@pytest.fixture
def help_request(help_org) -> HelpRequest:
    """member_a's request, filed in branch A."""
    return services.help_request_create(
        author=help_org.member_a,
        by=help_org.member_a.user,
        category=HelpRequest.Category.FAMILY,
        title=TITLE,
        text=TEXT,
    )


def user_of(org, persona: str):
    if persona in ("staff", "superuser"):
        return getattr(org, persona)
    return getattr(org, persona).user


@pytest.fixture
def help_client(help_org):
    """help_client("liaison_a") -> a test client logged in as that persona."""

    def make(persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(user_of(help_org, persona))
        return client

    return make


def age(help_request: HelpRequest, days: float) -> HelpRequest:
    """Make the request look as if nothing happened to it for `days` days."""
    then = timezone.now() - datetime.timedelta(days=days)
    HelpRequest.objects.filter(pk=help_request.pk).update(created_at=then, last_activity_at=then)
    help_request.refresh_from_db()
    return help_request
