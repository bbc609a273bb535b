"""Whole admin pages kept per person (members.admin_pages), shown on the member changelist:
a second visit reads nothing from the database but the login, and still carries the
request's own CSRF token and every message; a POST, a redirect or another person is never
served what was kept; a post ended, a login's flags or today's date change what is served."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import person_cache, tokens
from members.models import Member, Post

pytestmark = [pytest.mark.django_db]

CHANGELIST = reverse("admin:members_member_changelist")


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def get(client, url: str = CHANGELIST) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html))


def tables(captured) -> set[str]:
    return {t for q in captured for t in re.findall(r'FROM "(\w+)"', q["sql"])}


def test_a_second_visit_reads_only_the_session_and_the_login(org, client_for):
    client = client_for("organiser")
    first = get(client)
    with CaptureQueriesContext(connection) as captured:
        second = get(client)
    assert tables(captured) <= {"django_session", "auth_user"}
    assert re.sub(r'value="[^"]{64}"', "", first) == re.sub(r'value="[^"]{64}"', "", second)
    assert org.member_a.name in second


def test_every_form_carries_the_requests_own_token_and_never_the_slot(org, django_user_model):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.organiser.user)
    get(client)  # drawn and kept
    html = get(client)  # served from the cache
    tokens = csrf_tokens(html)
    assert len(tokens) == 1 and person_cache.CSRF_SLOT not in html
    assert 'id="logout-form"' in html and 'id="changelist-form"' in html
    # The token works: an action posted from the kept page is accepted (the transfer form).
    response = client.post(
        CHANGELIST,
        {
            "csrfmiddlewaretoken": tokens.pop(),
            "action": "transfer_action",
            "_selected_action": [org.member_a.pk],
        },
    )
    assert response.status_code == 200 and "Transfer members" in response.text
    # Another browser of the same person gets its own token from the same entry.
    other = Client(enforce_csrf_checks=True)
    other.force_login(org.organiser.user)
    assert csrf_tokens(get(other)) and person_cache.CSRF_SLOT not in get(other)


def test_a_message_after_a_save_is_shown_once_and_never_kept(org, client_for):
    client = client_for("organiser")
    get(client)
    change = reverse("admin:members_member_change", args=[org.member_b.pk])
    form = client.get(change)
    assert form.status_code == 200
    member = Member.objects.get(pk=org.member_b.pk)
    data = {
        field: value
        for field, value in form.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update(
        {
            "name": "改过名字",
            "unit": member.unit_id,
            "posts-TOTAL_FORMS": 0,
            "posts-INITIAL_FORMS": 0,
            "posts-MIN_NUM_FORMS": 0,
            "posts-MAX_NUM_FORMS": 1000,
        }
    )
    data.pop("photo", None)
    saved = client.post(change, data, follow=True)
    assert saved.redirect_chain and saved.redirect_chain[-1][0].endswith(CHANGELIST)
    assert "改过名字" in saved.text and 'class="messagelist"' in saved.text
    again = get(client)
    assert "改过名字" in again and 'class="messagelist"' not in again


def test_a_post_is_never_served_from_the_cache(org, client_for):
    client = client_for("organiser")
    get(client)
    get(client)
    # An action with nothing selected: Django's warning, then back to the list, where the
    # message shows once (the page is drawn for it, not served nor kept).
    response = client.post(CHANGELIST, {"action": "leave_action", "index": "0"}, follow=True)
    assert response.redirect_chain and response.status_code == 200
    assert "Items must be selected" in response.text
    assert "Items must be selected" not in get(client)


def test_each_person_has_their_own_page(org, client_for):
    organiser, secretary = client_for("organiser"), client_for("secretary_a")
    assert org.member_b.name in get(organiser)
    page = get(secretary)
    assert org.member_b.name not in page and org.member_a.name in page
    assert org.member_b.name not in get(secretary)


def test_a_post_ended_shuts_the_admin_at_once(org, client_for):
    client = client_for("secretary_a")
    get(client)
    get(client)
    Post.objects.filter(member=org.secretary_a).update(
        end_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    # A bulk update sends no signal: the post's own save is what tells the cache.
    for post in Post.objects.filter(member=org.secretary_a):
        post.save()
    assert client.get(CHANGELIST).status_code in (302, 403)


def test_login_flags_and_the_date_are_in_the_key(org, client_for, monkeypatch):
    client = client_for("organiser")
    today = timezone.localdate()
    Member.objects.create(
        unit=org.branch_a,
        name="预备党员",
        stage=Member.Stage.PROBATIONARY,
        applied_on=today - datetime.timedelta(days=800),
        probationary_on=today,
    )
    assert "Overdue since" not in get(client)
    user = org.organiser.user
    user.is_superuser = True
    user.save()
    assert org.member_c.name in get(client)  # a superuser sees every committee
    # A year on, the probation is overdue: the page kept yesterday is not served.
    later = today + datetime.timedelta(days=400)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert "Overdue since" in get(client)


def test_query_strings_and_languages_have_their_own_entries(org, client_for):
    client = client_for("organiser")
    assert org.member_b.name in get(client, f"{CHANGELIST}?unit={org.branch_b.pk}")
    assert org.member_a.name not in get(client, f"{CHANGELIST}?unit={org.branch_b.pk}")
    assert org.member_a.name in get(client)
    client.cookies["django_language"] = "zh-hans"
    assert "选择" in get(client)
    client.cookies["django_language"] = "en"
    assert "Select" in get(client)


def test_without_a_shared_cache_every_visit_is_drawn(org, client_for, settings):
    settings.PERSON_CACHE = False
    client = client_for("organiser")
    get(client)
    with CaptureQueriesContext(connection) as captured:
        get(client)
    assert "members_member" in tables(captured)


@pytest.mark.parametrize(
    "query, kept",
    [
        ("", True),
        ("?stage__exact=full", True),
        ("?p=10", True),
        ("?p=11", False),  # far down a list: drawn each time
        ("?q=李", False),  # a search: drawn each time
        ("?p=x", False),
    ],
)
def test_searches_and_pages_far_down_are_not_kept(
    org, client_for, make_members, monkeypatch, query, kept
):
    make_members(org.branch_a, 600)  # 12 pages of 50
    stored = []
    keep = tokens.keep
    monkeypatch.setattr(tokens, "keep", lambda key, *a: stored.append(key) or keep(key, *a))
    client = client_for("organiser")
    assert client.get(CHANGELIST + query).status_code in (200, 302)
    assert any(":admin-member-changelist:" in key for key in stored) is kept
