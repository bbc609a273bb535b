"""Event-driven notifications: the owning apps send signals, notices turns them into
notifications for the right people (and nobody else)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign, ScoreSheet, Story
from lessons import services as lesson_services
from lessons.models import Lesson, Session
from members import signals as member_signals
from members.scoping import access_for
from notices.models import Kind, Notification
from tests.campaigns.conftest import open_campaign, score_all, sheet_of


def recipients(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_makeup_plan_notifies_the_absent_members(org):
    lesson = Lesson.objects.create(
        title="党章", unit=org.committee, status=Lesson.Status.PUBLISHED, audience_all=True
    )
    start = timezone.now() - datetime.timedelta(days=1)
    session = Session.objects.create(
        kind=Session.Kind.THEME_DAY, title="主题党日", unit=org.branch_a,
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), place="会议室",
    )  # fmt: skip
    session.lessons.add(lesson)
    lesson_services.session_assign_makeup(session=session, by=org.organiser.user)
    assert recipients(Kind.PLAN_ASSIGNED) == {"organiser", "secretary_a", "member_a"}
    # Run again: nobody new is absent, nobody is told twice.
    lesson_services.session_assign_makeup(session=session, by=org.organiser.user)
    assert Notification.objects.filter(kind=Kind.PLAN_ASSIGNED).count() == 3


def test_returned_sheet_notifies_the_branch_officers(org):
    campaign = open_campaign(org, kind=Campaign.Kind.BRANCHES)
    sheet = sheet_of(campaign, unit=org.branch_a)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status=ScoreSheet.Status.SUBMITTED)
    sheet.refresh_from_db()
    campaign_services.sheet_return(
        sheet=sheet, access=access_for(org.organiser.user), by=org.organiser.user,
        comment="请补充材料",
    )  # fmt: skip
    assert recipients(Kind.SHEET_RETURNED) == {"secretary_a"}
    assert "请补充材料" in Notification.objects.get(kind=Kind.SHEET_RETURNED).text


def test_published_results_notify_the_members_in_scope(org):
    campaign = open_campaign(org)
    score_all(
        campaign,
        org,
        {m: [8, 15, 9] for m in (org.organiser, org.secretary_a, org.member_a, org.member_b)},
    )
    campaign_services.campaign_close(campaign=campaign, by=org.organiser.user)
    campaign_services.campaign_publish(campaign=campaign, by=org.organiser.user)
    assert recipients(Kind.RESULTS_PUBLISHED) == {
        "organiser", "secretary_a", "member_a", "member_b"
    }  # fmt: skip  # member_c is in another committee


def test_approved_nomination_notifies_the_nominator(org):
    story = campaign_services.story_nominate(
        member=org.member_b, by=org.member_a.user, category=Story.Category.GOOD_DEED,
        title="雪夜抢修", body="连夜抢修线路。",
    )  # fmt: skip
    campaign_services.stories_set_status(
        stories=Story.objects.filter(pk=story.pk), status=Story.Status.PUBLISHED,
        by=org.organiser.user,
    )  # fmt: skip
    assert recipients(Kind.STORY_APPROVED) == {"member_a"}
    # Declining or publishing again tells nobody again.
    campaign_services.stories_set_status(
        stories=Story.objects.filter(pk=story.pk), status=Story.Status.PUBLISHED,
        by=org.organiser.user,
    )  # fmt: skip
    assert Notification.objects.filter(kind=Kind.STORY_APPROVED).count() == 1


class FakeHelpRequest:
    """Stands for the members app's help request: the receiver needs only its author."""

    def __init__(self, member, title="生活困难"):
        self.member = member
        self.title = title

    def get_absolute_url(self):
        return "/org/help/1/"


def test_help_request_update_notifies_its_author_but_not_for_own_changes(org):
    request = FakeHelpRequest(org.member_a)
    member_signals.help_request_updated.send(
        sender=FakeHelpRequest, help_request=request, by=org.secretary_a.user
    )
    member_signals.help_request_updated.send(
        sender=FakeHelpRequest, help_request=request, by=org.member_a.user
    )
    member_signals.help_request_updated.send(
        sender=FakeHelpRequest, help_request=request, by=org.secretary_a.user, visible=False
    )
    notification = Notification.objects.get(kind=Kind.HELP_REQUEST)
    assert notification.recipient == org.member_a.user
    assert notification.url == "/org/help/1/"


def test_publishing_a_notice_notifies_its_audience_once_in_bulk(
    org, make_notice, django_assert_max_num_queries
):
    notice = make_notice(units=[org.branch_a], unit=org.branch_a, author=org.secretary_a.user)
    from notices import services

    with django_assert_max_num_queries(12):  # savepoints included; flat: see test_query_counts
        told = services.notice_announce(notice=notice)
    assert told == 2  # the author is not told of their own notice
    assert recipients(Kind.NOTICE) == {"organiser", "member_a"}
    assert services.notice_announce(notice=notice) == 0
    assert Notification.objects.filter(kind=Kind.NOTICE).count() == 2


def test_help_request_lifecycle_tells_the_author_only_what_they_see(org):
    from members import help as help_services

    request = help_services.help_request_create(
        author=org.member_a, by=org.member_a.user, category="life", title="家中老人住院",
        text="需要调班照顾。",
    )  # fmt: skip
    assert not Notification.objects.exists()  # filing it tells the author nothing
    organiser = org.organiser.user
    help_services.help_request_take(help_request=request, by=organiser)
    help_services.help_request_add_note(
        help_request=request, by=organiser, text="内部备注", visible_to_member=False
    )
    help_services.help_request_add_note(
        help_request=request, by=organiser, text="已协调调班", visible_to_member=True
    )
    told = Notification.objects.filter(kind=Kind.HELP_REQUEST)
    assert told.count() == 2  # taken, and the visible note; not the internal note
    assert set(told.values_list("recipient__username", flat=True)) == {"member_a"}
    assert told.first().url == f"/org/help/{request.pk}/"
    assert "家中老人住院" in told.first().text
