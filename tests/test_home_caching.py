"""The home page's per-person cards (notices, lessons, banners and stories, sharing) are served
from the cache, and every write that changes one of them shows on the next visit: a notice
published or read, a lesson published or learned, a story published, a post written or
hidden, a post (office) removed. The organiser's score-sheet to-do is summarised per kind of
campaign once there are many."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import home as campaigns_home
from campaigns.models import Campaign, Story
from lessons import services as lesson_services
from lessons.models import Lesson
from members.models import Post
from notices import services as notice_services
from notices.models import Notice
from sharing.models import Post as SharingPost

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _person_cache(settings):
    settings.PERSON_CACHE = True


def page(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client)
    return len(queries)


def notice(org, title, **extra) -> Notice:
    fields = {"unit": org.committee, "status": Notice.Status.PUBLISHED, "audience_all": True}
    fields.update(extra)
    return Notice.objects.create(title=title, **fields)


def test_a_second_visit_reads_the_cards_from_the_cache(org, client_for):
    client = client_for("member_a")
    first = count_queries(client)
    # The login and the member's own help requests; access, unread count and cards cached.
    assert count_queries(client) <= 3 < first


def test_a_published_notice_shows_at_once_and_leaves_when_read(org, client_for):
    client = client_for("member_a")
    page(client)
    news = notice(org, "停电检修通知")
    assert news.title in page(client)
    notice_services.notice_mark_read(user=org.member_a.user, notice=news)
    assert news.title not in page(client)


def test_a_notice_addressed_to_another_branch_is_not_shown(org, client_for):
    client = client_for("member_a")
    page(client)
    other = notice(org, "邻县通知", audience_all=False, unit=org.other_committee)
    other.audience_units.add(org.branch_c)
    assert other.title not in page(client)


def test_a_new_post_in_a_unit_brings_its_notices_at_once(org, client_for):
    # member B reads what is addressed to branch B; once secretary of branch A too, also A's.
    addressed = notice(org, "A支部通知", audience_all=False)
    addressed.audience_units.add(org.branch_a)
    client = client_for("member_b")
    assert addressed.title not in page(client)
    Post.objects.create(
        member=org.member_b,
        unit=org.branch_a,
        kind=Post.Kind.SECRETARY,
        start_on=datetime.date(2024, 1, 1),
    )
    assert addressed.title in page(client)


def test_a_removed_post_removes_the_admin_link_and_to_do_at_once(org, client_for):
    client = client_for("secretary_a")
    admin = reverse("admin:index")
    assert f'href="{admin}"' in page(client)
    Post.objects.get(member=org.secretary_a).delete()
    text = page(client)
    assert f'href="{admin}"' not in text
    assert 'id="todo-title"' not in text


def test_a_published_lesson_shows_at_once_and_is_marked_learned(org, client_for):
    client = client_for("member_a")
    page(client)
    new = Lesson.objects.create(
        title="新课", unit=org.committee, status=Lesson.Status.PUBLISHED, audience_all=True
    )
    assert new.title in page(client)
    assert "badge-ok" not in page(client)
    lesson_services.study_record_complete(user=org.member_a.user, lesson=new)
    assert "badge-ok" in page(client)


def test_a_published_story_shows_at_once(org, client_for):
    client = client_for("member_a")
    page(client)
    story = Story.objects.create(
        member=org.member_b,
        category=Story.Category.GOOD_DEED,
        title="深夜抢修",
        body="事迹",
        status=Story.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    assert story.title in page(client)
    story.status = Story.Status.NOMINATED
    story.save()
    assert story.title not in page(client)


def test_a_shared_post_shows_at_once_and_leaves_when_hidden(org, client_for):
    client = client_for("member_a")
    page(client)
    post = SharingPost.objects.create(
        author=org.member_b,
        audience=SharingPost.Audience.COMMITTEE,
        unit=org.committee,
        text="分享一下",
    )
    assert post.text in page(client)
    post.is_hidden = True
    post.save()
    assert post.text not in page(client)


def test_many_open_campaigns_are_summarised_per_kind(org):
    rows = [
        {
            "campaign_id": n,
            "campaign__title": f"评比{n}",
            "campaign__kind": Campaign.Kind.MEMBERS if n % 2 else Campaign.Kind.BRANCHES,
            "total": 10,
            "done": 4,
        }
        for n in range(campaigns_home.TODO_CAMPAIGNS + 3)
    ]
    details = campaigns_home._score_details(rows, "/admin/campaigns/scoresheet/")
    assert [d["label"] for d in details] == [
        Campaign.Kind.BRANCHES.label,
        Campaign.Kind.MEMBERS.label,
    ]
    assert details[0]["note"] == "4 campaigns: 16 of 40 sheets submitted"
    few = campaigns_home._score_details(rows[:2], "/admin/campaigns/scoresheet/")
    assert [d["label"] for d in few] == ["评比0", "评比1"]


def test_a_filed_help_request_shows_at_once_to_its_author_and_the_organiser(org, client_for):
    from members.help import help_request_create
    from members.models import HelpRequest

    member, organiser = client_for("member_a"), client_for("organiser")
    assert "My requests: 1 open" not in page(member)
    before = page(organiser)
    assert "Help requests waiting" not in before
    help_request_create(
        author=org.member_a,
        by=org.member_a.user,
        category=HelpRequest.Category.values[0],
        title="家里有困难",
        text="需要帮助",
    )
    assert "My requests: 1 open" in page(member)
    assert "Help requests waiting" in page(organiser)


def test_a_member_falling_due_for_full_membership_shows_at_once(org, client_for):
    client = client_for("secretary_a")
    assert "Probationary members due" not in page(client)
    org.member_a.stage = org.member_a.Stage.PROBATIONARY
    org.member_a.probationary_on = datetime.date(2024, 1, 1)
    org.member_a.save()
    assert org.member_a.name in page(client)


def test_a_second_visit_draws_no_card(org, client_for):
    client = client_for("member_a")
    first = client.get(reverse("home"))
    assert "lessons/_home_today.html" in [t.name for t in first.templates]
    second = client.get(reverse("home"))
    assert "lessons/_home_today.html" not in [t.name for t in second.templates]
    main = slice(first.text.index("<main"), first.text.index("</main>"))
    assert second.text[main] == first.text[main]


def test_the_drawn_cards_are_kept_per_language(org, client_for):
    client = client_for("member_a")
    english = client.get(reverse("home"), headers={"accept-language": "en"}).content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("home")).content.decode()
    assert "Shortcuts" in english
    assert "Shortcuts" not in chinese and "快捷入口" in chinese
