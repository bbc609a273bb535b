"""Help requests (连心桥) on the site: filing, the queue, taking, notes, resolving; what the
author sees; refused input; the three-day flag on the queue and the home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members import help as services
from members.models import HelpRequest, HelpRequestNote
from members.signals import help_request_updated

from .conftest import TEXT, TITLE, age

pytestmark = pytest.mark.django_db


def detail(hr):
    return reverse("members:help_detail", args=[hr.pk])


@pytest.fixture
def signals():
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    help_request_updated.connect(receiver)
    yield sent
    help_request_updated.disconnect(receiver)


# --- filing ---------------------------------------------------------------------------------
def test_member_files_a_request_to_their_branch(help_client, help_org, signals):
    client = help_client("member_a")
    assert client.get(reverse("members:help_new")).status_code == 200
    response = client.post(
        reverse("members:help_new"), {"category": "health", "title": "需要请假", "text": "说明"}
    )
    hr = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(hr)
    assert (hr.author, hr.unit, hr.status) == (help_org.member_a, help_org.branch_a, "new")
    assert hr.history.get().history_user == help_org.member_a.user
    assert signals == [
        {
            "signal": help_request_updated,
            "help_request": hr,
            "by": help_org.member_a.user,
            "visible_to_author": False,
            "action": "created",
        }
    ]
    assert "需要请假" in client.get(reverse("members:help_mine")).content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"category": "health", "title": "", "text": "说明"}, "title"),
        ({"category": "health", "title": "   ", "text": "说明"}, "title"),
        ({"category": "health", "title": "标题", "text": ""}, "text"),
        ({"category": "money", "title": "标题", "text": "说明"}, "category"),
        ({"category": "health", "title": "长" * 101, "text": "说明"}, "title"),
        ({"category": "health", "title": "标题", "text": "长" * 4001}, "text"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(help_client, help_org, data, field):
    response = help_client("member_a").post(reverse("members:help_new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert "not sent" in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_staff_without_a_member_record_cannot_file(help_client, help_org):
    client = help_client("staff")
    page = client.get(reverse("members:help_new"))
    assert page.status_code == 200
    assert "not linked to a Party member" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert (
        "not linked to a Party member" in client.get(reverse("members:help_mine")).content.decode()
    )
    response = client.post(
        reverse("members:help_new"), {"category": "work", "title": "标题", "text": "说明"}
    )
    assert response.status_code == 403
    assert not HelpRequest.objects.exists()


def test_the_text_is_escaped_never_html(help_client, help_org):
    hr = services.help_request_create(
        author=help_org.member_a,
        by=help_org.member_a.user,
        category="other",
        title="<b>粗体</b>",
        text='<script>alert("x")</script>\n第二行',
    )
    for persona in ("member_a", "liaison_a"):
        html = help_client(persona).get(detail(hr)).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>第二行" in html
        assert "&lt;b&gt;粗体&lt;/b&gt;" in html


# --- handling ----------------------------------------------------------------------------------
def test_liaison_takes_notes_and_resolves(help_client, help_org, help_request, signals):
    client = help_client("liaison_a")
    liaison = help_org.liaison_a.user
    assert client.post(reverse("members:help_take", args=[help_request.pk])).status_code == 302
    client.post(
        reverse("members:help_note", args=[help_request.pk]),
        {"text": "内部：已了解其家庭情况"},
    )
    client.post(
        reverse("members:help_note", args=[help_request.pk]),
        {"text": "已和班组沟通，下周调整值班", "visible_to_member": "on"},
    )
    response = client.post(
        reverse("members:help_resolve", args=[help_request.pk]), {"summary": "值班已调整"}
    )
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED
    assert help_request.taken_by == liaison
    assert help_request.resolved_by == liaison
    assert help_request.resolution == "值班已调整"
    assert [(s["action"], s["visible_to_author"], s["by"]) for s in signals] == [
        ("taken", True, liaison),
        ("note", False, liaison),
        ("note", True, liaison),
        ("resolved", True, liaison),
    ]
    # who and when: every change is in the history, notes included
    assert {h.history_user for h in help_request.history.all()[:4]} == {liaison}
    assert help_request.history.count() == 5  # filed, taken, two notes, resolved
    assert all(n.history.get().history_user == liaison for n in HelpRequestNote.objects.all())


def test_the_author_sees_status_visible_notes_and_resolution_never_internal_notes(
    help_client, help_org, help_request
):
    liaison = help_org.liaison_a.user
    services.help_request_take(help_request=help_request, by=liaison)
    services.help_request_add_note(
        help_request=help_request,
        by=liaison,
        text="INTERNAL-NOTE 家属情况",
        visible_to_member=False,
    )
    services.help_request_add_note(
        help_request=help_request, by=liaison, text="VISIBLE-NOTE 正在协调", visible_to_member=True
    )
    html = help_client("member_a").get(detail(help_request)).content.decode()
    assert "Being handled" in html
    assert "VISIBLE-NOTE" in html
    assert "INTERNAL-NOTE" not in html
    assert "Take this request" not in html and "Add a note" not in html
    services.help_request_resolve(help_request=help_request, by=liaison, summary="RESOLUTION-X")
    html = help_client("member_a").get(detail(help_request)).content.decode()
    assert "Resolved" in html and "RESOLUTION-X" in html and "INTERNAL-NOTE" not in html
    # handlers see both, each marked
    html = help_client("organiser").get(detail(help_request)).content.decode()
    assert "INTERNAL-NOTE" in html and "VISIBLE-NOTE" in html and "internal" in html


def test_empty_note_is_refused_and_nothing_is_written(help_client, help_org, help_request):
    before = help_request.last_activity_at
    response = help_client("liaison_a").post(
        reverse("members:help_note", args=[help_request.pk]), {"text": "   "}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not HelpRequestNote.objects.exists()
    help_request.refresh_from_db()
    assert help_request.last_activity_at == before


def test_resolving_without_a_summary_is_refused(help_client, help_org, help_request):
    response = help_client("liaison_a").post(
        reverse("members:help_resolve", args=[help_request.pk]), {"summary": ""}
    )
    assert response.status_code == 400
    assert "not resolved" in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.NEW
    assert help_request.history.count() == 1


def test_a_resolved_request_cannot_be_taken_or_resolved_again(help_client, help_org, help_request):
    services.help_request_resolve(
        help_request=help_request, by=help_org.organiser.user, summary="好"
    )
    client = help_client("liaison_a")
    for name, data in (("help_take", {}), ("help_resolve", {"summary": "再次"})):
        response = client.post(reverse(f"members:{name}", args=[help_request.pk]), data)
        assert response.status_code == 400
        assert "resolved already" in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.resolution == "好"
    assert help_request.history.count() == 2


def test_taking_twice_is_refused_but_another_handler_may_take_over(
    help_client, help_org, help_request
):
    services.help_request_take(help_request=help_request, by=help_org.liaison_a.user)
    response = help_client("liaison_a").post(reverse("members:help_take", args=[help_request.pk]))
    assert response.status_code == 400
    assert "handling this request already" in response.content.decode()
    help_client("organiser").post(reverse("members:help_take", args=[help_request.pk]))
    help_request.refresh_from_db()
    assert help_request.taken_by == help_org.organiser.user


def test_services_refuse_someone_who_may_not_handle(help_org, help_request):
    from django.core.exceptions import PermissionDenied

    for user in (help_org.secretary_a.user, help_org.member_a.user, help_org.liaison_b.user):
        with pytest.raises(PermissionDenied):
            services.help_request_take(help_request=help_request, by=user)
    assert help_request.history.count() == 1


# --- the queue and the flag ------------------------------------------------------------------
def test_queue_lists_open_requests_oldest_first_and_flags_untouched_ones(
    help_client, help_org, help_request
):
    age(help_request, days=4)
    newer = services.help_request_create(
        author=help_org.member_a,
        by=help_org.member_a.user,
        category="work",
        title="NEWER",
        text="x",
    )
    html = help_client("liaison_a").get(reverse("members:help_queue")).content.decode()
    assert html.index(TITLE) < html.index("NEWER")
    assert html.count("help-flag") == 1  # the old one only
    assert "1 untouched for 3 days" in html
    # a note is activity: the flag goes
    services.help_request_add_note(
        help_request=help_request, by=help_org.liaison_a.user, text="跟进", visible_to_member=False
    )
    html = help_client("liaison_a").get(reverse("members:help_queue")).content.decode()
    assert "help-flag" not in html
    # filters
    services.help_request_resolve(help_request=newer, by=help_org.organiser.user, summary="好")
    queue = reverse("members:help_queue")
    resolved = help_client("liaison_a").get(queue + "?status=resolved").content.decode()
    assert "NEWER" in resolved and TITLE not in resolved
    open_ = help_client("liaison_a").get(queue).content.decode()
    assert "NEWER" not in open_ and TITLE in open_


def test_an_unknown_filter_lists_nothing_and_says_so(help_client, help_org, help_request):
    response = help_client("liaison_a").get(reverse("members:help_queue") + "?status=all")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown filter" in html and TITLE not in html


def test_home_todo_panel_counts_and_flags_for_handlers(help_client, help_org, help_request):
    age(help_request, days=3.5)
    for persona in ("liaison_a", "organiser"):
        html = help_client(persona).get(reverse("home")).content.decode()
        assert "Help requests waiting" in html, persona
        assert "Help requests untouched for 3 days" in html, persona
        assert "1 new, 0 being handled" in html, persona
        assert TITLE not in html  # counts and links only
    html = help_client("liaison_b").get(reverse("home")).content.decode()
    assert "Help requests waiting" not in html  # nothing waiting: no entry in the to-do
    for persona in ("secretary_a", "member_b", "staff"):
        assert (
            "Help requests waiting"
            not in help_client(persona).get(reverse("home")).content.decode()
        )


def test_home_shows_a_member_their_open_requests(help_client, help_org, help_request):
    html = help_client("member_a").get(reverse("home")).content.decode()
    assert "My requests: 1 open" in html
    html = help_client("member_b").get(reverse("home")).content.decode()
    assert "Ask for help" in html and "My requests" not in html
    assert "Ask for help" not in help_client("staff").get(reverse("home")).content.decode()
    assert TEXT not in html
