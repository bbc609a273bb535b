"""Query counts of the help-request lists stay flat from 10 to 1,000 requests: each list is
one page of rows with their author, branch and handler joined in (select_related), and the
counts above it are one aggregate query."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import HelpRequest, HelpRequestNote

pytestmark = pytest.mark.django_db


def make_requests(org, count: int) -> None:
    now = timezone.now()
    start = HelpRequest.objects.count()
    rows = HelpRequest.objects.bulk_create(
        HelpRequest(
            author=org.member_a,
            unit=org.branch_a,
            category=HelpRequest.Category.WORK,
            title=f"求助{start + i:05d}",
            text="说明",
            status=HelpRequest.Status.TAKEN if i % 3 else HelpRequest.Status.NEW,
            taken_by=org.liaison_a.user if i % 3 else None,
            created_at=now - datetime.timedelta(days=5, minutes=i),
            last_activity_at=now - datetime.timedelta(days=i % 5),
        )
        for i in range(count)
    )
    HelpRequestNote.objects.bulk_create(
        HelpRequestNote(request=row, author=org.liaison_a.user, text="记录", visible_to_member=True)
        for row in rows[:50]
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "persona, url",
    [
        ("liaison_a", reverse("members:help_queue")),
        ("liaison_a", reverse("members:help_queue") + "?status=untouched"),
        ("organiser", reverse("members:help_queue") + "?status=taken"),
        ("member_a", reverse("members:help_mine")),
        ("liaison_a", reverse("home")),
        ("member_a", reverse("home")),
        ("organiser", reverse("admin:members_helprequest_changelist")),
    ],
)
def test_query_count_does_not_grow_with_requests(help_client, help_org, persona, url):
    client = help_client(persona)
    make_requests(help_org, 10)
    few = queries(client, url)
    make_requests(help_org, 990)
    assert queries(client, url) == few


def test_detail_query_count_does_not_grow_with_notes(help_client, help_org):
    make_requests(help_org, 1)
    hr = HelpRequest.objects.get()
    url = reverse("members:help_detail", args=[hr.pk])
    client = help_client("liaison_a")
    few = queries(client, url)
    HelpRequestNote.objects.bulk_create(
        HelpRequestNote(request=hr, author=help_org.organiser.user, text=f"记录{i}")
        for i in range(200)
    )
    assert queries(client, url) == few
