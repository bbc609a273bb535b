"""Every URL pattern of the project, walked as every kind of person, against an explicit table.

The resolver is iterated (the admin included), each pattern's arguments are filled with real
objects of the demo organisation, and the answer to a GET is compared with `EXPECTED`: who
may open which page is decided here, once, for every page. A pattern the table does not name
fails the walk, so nobody adds a page without deciding who may see it.

Scoped objects are chosen in 机关第一党支部 (branch 1): its secretary, liaison officer and
members are inside; the secretary of 机关第二党支部 is outside; a member of another branch whose
post as branch 1's secretary has ended has no more than any member of that branch; a
deactivated login is nobody. Every HTML answer is also checked for the Content-Security-Policy
header and for inline script the policy would block.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from campaigns.models import Campaign, Result, ScoreSheet, Story
from lessons.models import Lesson, Reading, Reflection, Series, Session, StudyPlan, Tag
from members.models import HelpRequest, Member, OrgUnit, Post, Transfer
from notices.models import Notice, Notification
from sharing.models import Comment
from sharing.models import Post as SharingPost

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "organiser",  # committee organiser: the whole committee
    "secretary",  # secretary of branch 1
    "other_secretary",  # secretary of branch 2
    "liaison",  # liaison officer of branch 1
    "member",  # an ordinary member of branch 1
    "former_officer",  # a member of branch 3 whose post as branch 1's secretary has ended
    "staff",  # a login that is not a Party member
    "inactive",  # a deactivated login of a member of branch 1: treated as nobody
)

# A redirect to a login page: the site's (allauth), or the admin's, which sends the anonymous
# on to allauth's and refuses (403) a logged-in person who keeps no records.
L = "LOGIN"
# 302: any other redirect (already logged in, a disabled allauth feature, a short link).
# 405: a GET to an action that only takes POST.

# fmt: off
EXPECTED: dict[str, tuple] = {
    # pattern                   anon  organiser sec  other_sec liaison member former staff inactive
    "home": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "account_login": (200, 302, 302, 302, 302, 302, 302, 302, 200),
    "account_logout": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "account_inactive": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_signup": (200, 302, 302, 302, 302, 302, 302, 302, 200),
    "account_reauthenticate": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "account_email": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "account_email_verification_sent": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_change_password": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "account_set_password": (L, 302, 302, 302, 302, 302, 302, 302, L),
    "account_reset_password": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_confirm_login_code": (L, 302, 302, 302, 302, 302, 302, 302, L),
    "account_confirm_email": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_from_key_done": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_from_key": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "account_reset_password_done": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "set_language": (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "members:overview": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "members:unit": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "members:directory": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "members:member": (L, 200, 200, 404, 200, 200, 404, 404, L),
    "members:me": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "members:help_mine": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "members:help_new": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "members:help_queue": (L, 200, 403, 403, 200, 403, 403, 403, L),
    "members:help_detail": (L, 200, 404, 404, 200, 200, 404, 404, L),
    "members:help_take": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "members:help_note": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "members:help_resolve": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:list": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "lessons:detail": (L, 200, 200, 404, 200, 200, 404, 404, L),
    "lessons:learned": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:check": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:like": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:reflect": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:reflection_like": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:reflection_hide": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:my_study": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "lessons:plans": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "lessons:plan": (L, 200, 200, 404, 200, 200, 200, 404, L),
    "lessons:plan_progress": (L, 200, 200, 404, 404, 404, 404, 404, L),
    "lessons:plan_export": (L, 200, 404, 404, 404, 404, 404, 404, L),
    "lessons:sessions": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "lessons:session": (L, 200, 200, 200, 200, 200, 200, 404, L),
    "lessons:session_sign_in": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "lessons:session_makeup": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "campaigns:list": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:wall": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:results": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:print": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:xlsx": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:stories": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:nominate": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:story": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "campaigns:like": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "notices:list": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "notices:detail": (L, 200, 200, 404, 200, 200, 404, 404, L),
    "notices:reads": (L, 200, 200, 404, 404, 404, 404, 404, L),
    "notices:inbox": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "notices:open": (L, 404, 404, 404, 404, 302, 404, 404, L),
    "notices:read_all": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "notices:preferences": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "sharing:feed": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "sharing:new": (L, 200, 200, 200, 200, 200, 200, 302, L),
    "sharing:detail": (L, 200, 200, 404, 200, 200, 404, 404, L),
    "sharing:like": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "sharing:comment": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "sharing:hide": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "sharing:hide_comment": (L, 405, 405, 405, 405, 405, 405, 405, L),
    "search": (L, 200, 200, 200, 200, 200, 200, 200, L),
    "stats": (L, 200, 404, 404, 404, 404, 404, 404, L),
    "stats_export": (L, 200, 404, 404, 404, 404, 404, 404, L),
    # A file of the branch-1 lesson: its readers, as lessons:detail (the old /media/ link too).
    "file": (L, 200, 200, 404, 200, 200, 404, 404, L),
    "file_rendition": (L, 200, 200, 404, 200, 200, 404, 404, L),
    "media": (L, 200, 200, 404, 200, 200, 404, 404, L),
    # --- the admin site: officers (organisers, branch officers) only ---
    "admin:index": (L, 200, 200, 200, L, L, L, L, L),
    "admin:login": (L, 302, 302, 302, 403, 403, 403, 403, L),
    "admin:logout": (L, 405, 405, 405, 302, 302, 302, 302, L),
    "admin:password_change": (L, 200, 200, 200, L, L, L, L, L),
    "admin:password_change_done": (L, 200, 200, 200, L, L, L, L, L),
    "admin:autocomplete": (L, 403, 403, 403, L, L, L, L, L),
    "admin:jsi18n": (L, 200, 200, 200, L, L, L, L, L),
    "admin:view_on_site": (L, 404, 404, 404, L, L, L, L, L),
    "admin:app_list": (L, 200, 200, 200, L, L, L, L, L),
    "admin/(?P<url>.*)$": (L, 404, 404, 404, L, L, L, L, L),
    # members.orgunit
    "admin:members_orgunit_simple_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_orgunit_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:members_orgunit_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:members_orgunit_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_orgunit_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:members_orgunit_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/members/orgunit/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # members.member
    "admin:members_member_import": (L, 200, 403, 403, L, L, L, L, L),
    "admin:members_member_import_template": (L, 200, 403, 403, L, L, L, L, L),
    "admin:members_member_import_bad_rows": (L, 302, 403, 403, L, L, L, L, L),
    "admin:members_member_export": (L, 200, 200, 200, L, L, L, L, L),
    "admin:members_member_simple_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_member_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:members_member_add": (L, 200, 200, 200, L, L, L, L, L),
    "admin:members_member_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_member_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:members_member_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/members/member/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # members.post
    "admin:members_post_simple_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_post_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:members_post_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:members_post_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_post_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:members_post_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/members/post/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # members.transfer
    "admin:members_transfer_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:members_transfer_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:members_transfer_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:members_transfer_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:members_transfer_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/members/transfer/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # members.helprequest
    "admin:members_helprequest_simple_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:members_helprequest_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:members_helprequest_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:members_helprequest_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:members_helprequest_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:members_helprequest_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/members/helprequest/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.series
    "admin:lessons_series_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_series_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_series_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_series_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:lessons_series_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/lessons/series/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.tag
    "admin:lessons_tag_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_tag_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_tag_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_tag_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:lessons_tag_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/lessons/tag/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.reading
    "admin:lessons_reading_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_reading_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_reading_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_reading_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:lessons_reading_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/lessons/reading/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.lesson
    "admin:lessons_lesson_simple_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_lesson_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_lesson_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_lesson_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_lesson_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:lessons_lesson_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/lessons/lesson/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.reflection
    "admin:lessons_reflection_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_reflection_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:lessons_reflection_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_reflection_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:lessons_reflection_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/lessons/reflection/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.studyplan
    "admin:lessons_studyplan_simple_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:lessons_studyplan_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:lessons_studyplan_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_studyplan_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:lessons_studyplan_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:lessons_studyplan_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/lessons/studyplan/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # lessons.session
    "admin:lessons_session_simple_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_session_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:lessons_session_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:lessons_session_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:lessons_session_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:lessons_session_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/lessons/session/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # campaigns.campaign
    "admin:campaigns_campaign_simple_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_campaign_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:campaigns_campaign_add": (L, 200, 403, 403, L, L, L, L, L),
    "admin:campaigns_campaign_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_campaign_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:campaigns_campaign_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/campaigns/campaign/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # campaigns.scoresheet
    "admin:campaigns_scoresheet_grid": (L, 200, 200, 404, L, L, L, L, L),
    "admin:campaigns_scoresheet_simple_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:campaigns_scoresheet_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:campaigns_scoresheet_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:campaigns_scoresheet_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:campaigns_scoresheet_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:campaigns_scoresheet_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/campaigns/scoresheet/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # campaigns.result
    "admin:campaigns_result_award": (L, 404, 404, 404, L, L, L, L, L),
    "admin:campaigns_result_correct": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_result_simple_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_result_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:campaigns_result_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:campaigns_result_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_result_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:campaigns_result_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/campaigns/result/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # campaigns.story
    "admin:campaigns_story_simple_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_story_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:campaigns_story_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:campaigns_story_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:campaigns_story_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:campaigns_story_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/campaigns/story/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # notices.notice
    "admin:notices_notice_simple_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:notices_notice_changelist": (L, 200, 200, 200, L, L, L, L, L),
    "admin:notices_notice_add": (L, 200, 200, 200, L, L, L, L, L),
    "admin:notices_notice_history": (L, 200, 200, 404, L, L, L, L, L),
    "admin:notices_notice_delete": (L, 403, 403, 404, L, L, L, L, L),
    "admin:notices_notice_change": (L, 200, 200, 404, L, L, L, L, L),
    "admin/notices/notice/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # sharing.post
    "admin:sharing_post_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:sharing_post_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:sharing_post_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:sharing_post_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:sharing_post_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/sharing/post/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # sharing.comment
    "admin:sharing_comment_changelist": (L, 200, 403, 403, L, L, L, L, L),
    "admin:sharing_comment_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:sharing_comment_history": (L, 200, 404, 404, L, L, L, L, L),
    "admin:sharing_comment_delete": (L, 403, 404, 404, L, L, L, L, L),
    "admin:sharing_comment_change": (L, 200, 404, 404, L, L, L, L, L),
    "admin/sharing/comment/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # auth.group
    "admin:auth_group_changelist": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_group_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_group_history": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_group_delete": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_group_change": (L, 403, 403, 403, L, L, L, L, L),
    "admin/auth/group/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # auth.user
    "admin:auth_user_password_change": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_user_changelist": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_user_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_user_history": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_user_delete": (L, 403, 403, 403, L, L, L, L, L),
    "admin:auth_user_change": (L, 403, 403, 403, L, L, L, L, L),
    "admin/auth/user/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
    # account.emailaddress
    "admin:account_emailaddress_changelist": (L, 403, 403, 403, L, L, L, L, L),
    "admin:account_emailaddress_add": (L, 403, 403, 403, L, L, L, L, L),
    "admin:account_emailaddress_history": (L, 403, 403, 403, L, L, L, L, L),
    "admin:account_emailaddress_delete": (L, 403, 403, 403, L, L, L, L, L),
    "admin:account_emailaddress_change": (L, 403, 403, 403, L, L, L, L, L),
    "admin/account/emailaddress/<path:object_id>/": (L, 302, 302, 302, L, L, L, L, L),
}
# fmt: on


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    media_root: object = None


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            assert isinstance(pattern, URLPattern)
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, route


def all_patterns() -> list[tuple[str, str]]:
    """(key, route) of every pattern: the URL name, or the route of an unnamed pattern."""
    return list(_walk(get_resolver().url_patterns))


# --- the world ------------------------------------------------------------------------------
def _login(username: str):
    return get_user_model().objects.get(username=username)


def build_world(media_root) -> World:
    """The demo organisation plus the few rows the demo does not make (a transfer, a group,
    an e-mail address, people for the extra roles)."""
    with override_settings(MEDIA_ROOT=media_root):
        call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    committee = OrgUnit.objects.get(parent=None, name="国网清河县供电公司党委")
    branches = list(committee.children.order_by("sort_order"))
    branch1, branch2, branch3 = branches[:3]
    member = Member.objects.get(user__username="member")

    other_secretary = Post.objects.current().get(unit=branch2, kind=Post.Kind.SECRETARY).member.user
    former = Member.objects.filter(unit=branch3, user__isnull=False).exclude(posts__isnull=False)
    former = former.order_by("pk").first()
    Post.objects.create(
        member=former,
        unit=branch1,
        kind=Post.Kind.SECRETARY,
        start_on=today - timedelta(days=2000),
        end_on=today - timedelta(days=400),
    )
    inactive = (
        Member.objects.filter(unit=branch1, user__isnull=False, posts__isnull=True)
        .exclude(user__username="member")
        .order_by("pk")
        .first()
        .user
    )
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    users = {
        "organiser": _login("organiser"),
        "secretary": _login("secretary"),
        "other_secretary": other_secretary,
        "liaison": _login("liaison"),
        "member": member.user,
        "former_officer": former.user,
        "staff": _login("staff"),
        "inactive": inactive,
    }

    lesson = Lesson.objects.filter(audience_all=False, audience_units=branch1).first()
    reflection = Reflection.objects.filter(lesson=lesson).first() or Reflection.objects.create(
        lesson=lesson, author=member.user, text="学习党章，受益匪浅。"
    )
    sharing_post = SharingPost.objects.filter(
        author__unit=branch1, audience=SharingPost.Audience.BRANCH, hidden_at__isnull=True
    ).first()
    comment = Comment.objects.filter(post=sharing_post).first() or Comment.objects.create(
        post=sharing_post, author=member, text="说得好"
    )
    transfer = Transfer.objects.create(
        member=Member.objects.filter(unit=branch1).order_by("-pk").first(),
        from_unit=branch3,
        to_unit=branch1,
        transferred_on=today - timedelta(days=30),
    )
    open_campaign = Campaign.objects.get(status=Campaign.Status.SCORING)
    published = Campaign.objects.filter(
        status=Campaign.Status.PUBLISHED, kind=Campaign.Kind.MEMBERS
    ).first()
    objects = {
        "unit": branch1,
        "branch2": branch2,
        "member": member,
        "post": Post.objects.get(unit=branch1, kind=Post.Kind.SECRETARY, end_on__isnull=True),
        "transfer": transfer,
        "help": HelpRequest.objects.get(unit=branch1, status=HelpRequest.Status.NEW),
        "series": Series.objects.order_by("pk").first(),
        "tag": Tag.objects.order_by("pk").first(),
        "reading": Reading.objects.order_by("pk").first(),
        "lesson": lesson,
        "reflection": reflection,
        "plan": StudyPlan.objects.filter(units=branch1).exclude(units=committee).first(),
        "session": Session.objects.order_by("pk").first(),
        "campaign": published,
        "open_campaign": open_campaign,
        "scoresheet": ScoreSheet.objects.get(campaign=open_campaign, member=member),
        "result": Result.objects.filter(campaign=published, member__unit=branch1).first(),
        "story": Story.objects.filter(status=Story.Status.PUBLISHED).order_by("pk").first(),
        "notice": Notice.objects.filter(audience_all=False, audience_units=branch1).first(),
        "notification": Notification.objects.filter(recipient=member.user).first(),
        "sharing_post": sharing_post,
        "comment": comment,
        "group": Group.objects.create(name="编辑"),
        "user": member.user,
        "emailaddress": EmailAddress.objects.get_or_create(
            user=member.user, email=member.user.email or "member@example.com"
        )[0],
    }
    return World(users=users, objects=objects, media_root=media_root)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back at its end."""
    media_root = tmp_path_factory.mktemp("walk-media")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(media_root)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- filling in the URLs ----------------------------------------------------------------------
# Pattern -> the object (a key of World.objects) whose pk fills its argument.
PK_OF = {
    "members:unit": "unit",
    "members:member": "member",
    "members:help_detail": "help",
    "members:help_take": "help",
    "members:help_note": "help",
    "members:help_resolve": "help",
    "lessons:detail": "lesson",
    "lessons:learned": "lesson",
    "lessons:check": "lesson",
    "lessons:like": "lesson",
    "lessons:reflect": "lesson",
    "lessons:reflection_like": "reflection",
    "lessons:reflection_hide": "reflection",
    "lessons:plan": "plan",
    "lessons:plan_progress": "plan",
    "lessons:plan_export": "plan",
    "lessons:session": "session",
    "lessons:session_sign_in": "session",
    "lessons:session_makeup": "session",
    "campaigns:results": "campaign",
    "campaigns:print": "campaign",
    "campaigns:xlsx": "campaign",
    "campaigns:story": "story",
    "campaigns:like": "story",
    "notices:detail": "notice",
    "notices:reads": "notice",
    "notices:open": "notification",
    "sharing:detail": "sharing_post",
    "sharing:like": "sharing_post",
    "sharing:comment": "sharing_post",
    "sharing:hide": "sharing_post",
    "sharing:hide_comment": "comment",
    "admin:campaigns_result_award": "result",
    "admin:campaigns_result_correct": "result",
}
# ModelAdmin URL name prefix (admin:<app>_<model>_) -> the object its pages are opened on.
ADMIN_OBJECT = {
    "members_orgunit": "unit",
    "members_member": "member",
    "members_post": "post",
    "members_transfer": "transfer",
    "members_helprequest": "help",
    "lessons_series": "series",
    "lessons_tag": "tag",
    "lessons_reading": "reading",
    "lessons_lesson": "lesson",
    "lessons_reflection": "reflection",
    "lessons_studyplan": "plan",
    "lessons_session": "session",
    "campaigns_campaign": "open_campaign",
    "campaigns_scoresheet": "scoresheet",
    "campaigns_result": "result",
    "campaigns_story": "story",
    "notices_notice": "notice",
    "sharing_post": "sharing_post",
    "sharing_comment": "comment",
    "auth_group": "group",
    "auth_user": "user",
    "account_emailaddress": "emailaddress",
}


def url_for(key: str, route: str, world: World) -> str:
    """A URL of the pattern `key`, its arguments filled with the world's objects."""
    o = world.objects
    if key in PK_OF:
        return reverse(key, kwargs={"pk": o[PK_OF[key]].pk})
    special = {
        "account_confirm_email": lambda: reverse("account_confirm_email", kwargs={"key": "nokey"}),
        "account_reset_password_from_key": lambda: reverse(
            "account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}
        ),
        "stats_export": lambda: reverse("stats_export", kwargs={"key": "branches"}),
        "file": lambda: o["lesson"].cover.url,
        "file_rendition": lambda: o["lesson"].cover_small,
        "media": lambda: reverse("media", kwargs={"path": o["lesson"].cover.name}),
        "admin:view_on_site": lambda: reverse(
            "admin:view_on_site",
            kwargs={
                "content_type_id": ContentType.objects.get_for_model(Member).pk,
                "object_id": o["member"].pk,
            },
        ),
        "admin:app_list": lambda: reverse("admin:app_list", kwargs={"app_label": "members"}),
        "admin:auth_user_password_change": lambda: reverse(
            "admin:auth_user_password_change", args=[o["user"].pk]
        ),
        "admin:campaigns_scoresheet_grid": lambda: reverse(
            "admin:campaigns_scoresheet_grid",
            kwargs={"campaign_id": o["open_campaign"].pk, "unit_id": o["unit"].pk},
        ),
        "admin/(?P<url>.*)$": lambda: "/admin/no-such-page/",
    }
    if key in special:
        return special[key]()
    if key.startswith("admin:") or key.startswith("admin/"):
        for prefix, name in ADMIN_OBJECT.items():
            obj = o[name]
            if key.startswith(f"admin:{prefix}_"):
                view = key.removeprefix(f"admin:{prefix}_")
                if view == "simple_history":
                    return reverse(key, args=[obj.pk, obj.history.latest().history_id])
                if view in ("change", "history", "delete"):
                    return reverse(key, kwargs={"object_id": obj.pk})
                return reverse(key)
            app, model = prefix.split("_", 1)
            if key == f"admin/{app}/{model}/<path:object_id>/":
                return f"/admin/{app}/{model}/{obj.pk}/"
    if "<" in route or "(" in route:
        raise AssertionError(f"no arguments known for {key} ({route}): add them to url_for")
    return reverse(key)


def answer(response) -> str:
    """The answer in the table's words: a status code, or LOGIN for a redirect to a login."""
    if response.status_code == 302:
        location = response["Location"]
        for login in (reverse("account_login"), reverse("admin:login")):
            if location.startswith(login):
                return "LOGIN"
        return "302"
    return str(response.status_code)


def client_as(role: str, world: World) -> Client:
    # A 500 is an answer to report with the others, not an exception that ends the walk.
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# Inline script the policy blocks: a <script> without src (JSON data islands are inert and
# allowed), an on*= event handler, a javascript: URL.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']?application/json)[^>]*>", re.I
)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def csp_problems(response) -> list[str]:
    policy = response.get("Content-Security-Policy", "")
    if not policy:
        return ["no Content-Security-Policy header"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.split()}
    # Without script-src, default-src governs scripts (the sandbox policy of uploads).
    script_src = directives.get("script-src", directives.get("default-src"))
    problems = []
    if script_src is None:
        problems.append("neither script-src nor default-src")
    elif "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"script-src allows {script_src}")
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for label, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("on*= handler", EVENT_HANDLER),
            ("javascript: URL", JAVASCRIPT_URL),
        ):
            found = pattern.search(html)
            if found:
                problems.append(f"{label}: {found.group(0)[:80]}")
    return problems


# --- the tests --------------------------------------------------------------------------------
def test_every_url_pattern_has_a_row_in_the_table():
    keys = [key for key, _route in all_patterns()]
    missing = [key for key in keys if key not in EXPECTED]
    assert not missing, (
        f"New URL pattern(s) {missing}: decide who may open them and add a row to EXPECTED "
        "in tests/test_url_walk.py."
    )
    stale = sorted(set(EXPECTED) - set(keys))
    assert not stale, f"EXPECTED names patterns that no longer exist: {stale}"


def test_every_row_has_an_answer_for_every_role():
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


def test_every_registered_model_admin_is_walked():
    # Its changelist/add/change/history/delete URLs are patterns, so the table has them;
    # the walk needs an object to open them on.
    registered = {
        f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry
    }
    assert registered == set(ADMIN_OBJECT)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_table_says(world, settings, role):
    settings.MEDIA_ROOT = world.media_root
    client = client_as(role, world)
    column = ROLES.index(role)
    wrong, unsafe = [], []
    for key, route in all_patterns():
        url = url_for(key, route, world)
        response = client.get(url)
        got = answer(response)
        expected = EXPECTED[key][column]
        if got != str(expected):
            wrong.append(f"{key} {url}: expected {expected}, got {got}")
        if response.status_code != 302:
            unsafe += [f"{key} {url}: {problem}" for problem in csp_problems(response)]
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    assert not unsafe, f"{role}:\n" + "\n".join(unsafe)


@pytest.mark.parametrize("role", ["liaison", "member", "former_officer", "staff"])
def test_the_admin_refuses_logged_in_people_who_keep_no_records(world, role):
    response = client_as(role, world).get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


# --- garbage in the query string ----------------------------------------------------------------
# Every parameter a page or changelist reads, each variant filled with one kind of rubbish.
PARAMETERS = (
    "page", "p", "o", "q", "sort", "unit", "from_unit", "series", "stage", "status", "kind",
    "branch", "before", "campaign", "overdue", "category", "token", "format", "next",
)  # fmt: skip
GARBAGE = {
    "negative": "-1",
    "words and sql": "abc' OR '1'='1' --",
    "huge": "9" * 30,
    # str.isdigit() is true for these, int() fails on the first: a classic 500.
    "unicode digits": "²³",
    "nul": "a\x00b",
    "xss": '"><img src=x onerror=alert(1)><script>alert(1)</script>',
}
LIVE = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


def pages_with_parameters(column: int) -> list[str]:
    """Pages this column opens (200), site pages and admin changelists: the ones that read
    their query string."""
    return [
        key
        for key, row in EXPECTED.items()
        if row[column] == 200
        and (not key.startswith("admin") or key.endswith(("_changelist", "_grid")))
        and key not in ("file", "file_rendition", "media")
    ]


@pytest.mark.parametrize("variant", GARBAGE)
@pytest.mark.parametrize("role", ["organiser", "secretary"])
def test_garbage_query_parameters_never_break_a_page(world, role, variant):
    client = client_as(role, world)
    routes = dict(all_patterns())
    queries = [urlencode(dict.fromkeys(PARAMETERS, GARBAGE[variant]))]
    if role == "organiser":
        # Alone, so that no other parameter is refused first (the admin's "?e=1").
        queries.append(urlencode({"q": GARBAGE[variant]}))
    broken = []
    for key in pages_with_parameters(ROLES.index(role)):
        for query in queries:
            response = client.get(f"{url_for(key, routes[key], world)}?{query}")
            broken += _breakage(key, response)
    assert not broken, "\n".join(broken)


def _breakage(key: str, response) -> list[str]:
    # 302: the admin's "?e=1" for filters it cannot apply; 400: a refused lookup or an
    # over-long search; 404: a branch that does not exist. Never a 500.
    if response.status_code not in (200, 302, 400, 404):
        return [f"{key}: {response.status_code}"]
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        return [f"{key}: live {live!r}" for live in LIVE if live in html]
    return []
