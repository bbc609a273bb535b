"""Bulk work cut off half-way writes nothing: a member import failing at row 150 of 200 or
uploaded truncated, a score sheet or a branch grid failing after some scores were written,
a publication failing after the results, the locks and the notifications were written.

Failures are injected where a real one would come from: the database refusing a statement
(an `execute_wrapper` raising OperationalError, as a dropped connection or a full disk
would), or a bug in code that runs on save (a signal receiver raising).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, Result, Score, ScoreSheet
from members.models import Member
from members.scoping import access_for
from notices.models import Notification
from tests.campaigns.conftest import open_campaign, score_all, sheet_of
from tests.campaigns.test_admin_scoring import grid_url, points_of, sheet_post, sheet_url
from tests.members.conftest import admin_url
from tests.members.test_import_members import csv_file, good_row, upload, xlsx_file

pytestmark = pytest.mark.django_db


class FailOnWrite:
    """An execute_wrapper that lets statements through until the `nth` one starting with
    `prefix` (e.g. 'INSERT INTO "members_member"'), which the database "refuses"."""

    def __init__(self, nth: int, *prefixes: str):
        self.nth, self.prefixes, self.seen = nth, prefixes, 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().startswith(self.prefixes):
            self.seen += 1
            if self.seen == self.nth:
                raise OperationalError("could not extend file: No space left on device")
        return execute(sql, params, many, context)


def answering_client(persona_client: Client) -> Client:
    # A failure is answered by the portal (an error page), never re-raised into the test.
    persona_client.raise_request_exception = False
    return persona_client


# --- member import ----------------------------------------------------------------------------
def imported() -> int:
    return Member.objects.filter(name__startswith="导入").count()


def checked_upload(client, rows) -> str:
    response = upload(client, xlsx_file(rows))
    assert response.context["report"].ok
    return response.context["token"]


def test_import_failing_at_row_150_of_200_leaves_no_member_and_says_so(org, client_for):
    client = answering_client(client_for("organiser"))
    token = checked_upload(client, [good_row(i) for i in range(200)])
    saved = 0

    def fail_on_the_150th(sender, instance, created, **kwargs):
        nonlocal saved
        saved += 1
        if saved == 150:
            raise RuntimeError("the record could not be stored")

    post_save.connect(fail_on_the_150th, sender=Member, dispatch_uid="fail-150")
    try:
        response = client.post(admin_url("member_import"), {"commit": "1", "token": token})
    finally:
        post_save.disconnect(dispatch_uid="fail-150")

    assert saved >= 150  # the first 149 rows were written before the failure...
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was imported" in content
    assert "<td>151</td>" in content  # the 150th data row, under the header row
    assert imported() == 0  # ...and rolled back with the rest
    assert not Member.history.filter(name__startswith="导入").exists()


def test_import_cut_off_by_the_database_at_row_150_leaves_no_member(org, client_for):
    client = answering_client(client_for("organiser"))
    token = checked_upload(client, [good_row(i) for i in range(200)])
    refuse = FailOnWrite(150, 'INSERT INTO "members_member"')
    with connection.execute_wrapper(refuse):
        response = client.post(admin_url("member_import"), {"commit": "1", "token": token})
    assert refuse.seen >= 150
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was imported" in content and "<td>151</td>" in content
    assert imported() == 0
    assert not Member.history.filter(name__startswith="导入").exists()


def test_truncated_xlsx_upload_is_refused_with_a_message(org, client_for):
    client = answering_client(client_for("organiser"))
    whole = xlsx_file([good_row(i) for i in range(200)]).read()
    half = SimpleUploadedFile("members.xlsx", whole[: len(whole) // 2])
    response = client.post(admin_url("member_import"), {"file": half})
    assert response.status_code == 200
    content = response.content.decode()
    assert "could not be read as an XLSX workbook" in content
    assert 'name="commit"' not in content
    assert imported() == 0


@pytest.mark.parametrize("cut", ["mid-row", "mid-character"])
def test_truncated_csv_upload_commits_nothing(org, client_for, cut):
    client = answering_client(client_for("organiser"))
    whole = csv_file([good_row(i) for i in range(200)]).read()
    text = whole.decode("utf-8-sig")
    # Half-way through row 120's name (导入119): the last row has a name and nothing else.
    row_start = text.index("导入119")
    if cut == "mid-row":
        partial = ("\ufeff" + text[: row_start + 3]).encode("utf-8")
    else:
        partial = ("\ufeff" + text[: row_start + 3]).encode("utf-8") + "支".encode()[:2]
    response = client.post(
        admin_url("member_import"), {"file": SimpleUploadedFile("members.csv", partial)}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="commit"' not in content  # no commit is offered for a broken file
    if response.context.get("report") is not None:
        assert not response.context["report"].ok
        # Even a forged commit of this upload writes nothing.
        client.post(admin_url("member_import"), {"commit": "1", "token": response.context["token"]})
    assert imported() == 0


# --- score sheets -----------------------------------------------------------------------------
WRITE_SCORE = ('INSERT INTO "campaigns_score"', 'UPDATE "campaigns_score"')


def test_sheet_save_failing_after_some_scores_changes_no_score(org, client_for):
    campaign = open_campaign(org)
    score_all(campaign, org, {org.member_a: [5, 10, 5]})
    sheet = sheet_of(campaign, member=org.member_a)
    history = Score.history.count()
    client = answering_client(client_for("secretary_a"))

    refuse = FailOnWrite(2, *WRITE_SCORE)  # the first score is written, the second refused
    with connection.execute_wrapper(refuse):
        response = client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["8", "18", "9"]))

    assert refuse.seen == 2
    assert response.status_code == 503
    assert points_of(sheet) == [Decimal("5"), Decimal("10"), Decimal("5")]
    assert ScoreSheet.objects.get(pk=sheet.pk).version == sheet.version
    assert Score.history.count() == history

    # The same form, sent again once the database is back, saves every line.
    response = client.post(sheet_url(sheet), sheet_post(campaign, sheet, ["8", "18", "9"]))
    assert response.status_code == 302
    assert points_of(sheet) == [Decimal("8"), Decimal("18"), Decimal("9")]


def test_grid_failing_on_the_second_sheet_changes_no_score_of_the_first(org, client_for):
    campaign = open_campaign(org)
    score_all(campaign, org, {org.member_a: [5, 10, 5], org.organiser: [6, 12, 7]})
    sheets = [sheet_of(campaign, member=org.member_a), sheet_of(campaign, member=org.organiser)]
    before = [points_of(s) for s in sheets]
    criteria = list(campaign.criteria.order_by("order"))
    posted = {}
    for sheet, values in zip(sheets, [["9", "19", "9"], ["8", "18", "8"]], strict=True):
        posted[f"v{sheet.pk}"] = sheet.version
        for criterion, value in zip(criteria, values, strict=True):
            posted[f"s{sheet.pk}-c{criterion.pk}"] = value
    client = answering_client(client_for("secretary_a"))

    refuse = FailOnWrite(4, *WRITE_SCORE)  # one sheet's three scores written, then refused
    with connection.execute_wrapper(refuse):
        response = client.post(grid_url(campaign, org.branch_a), {**posted, "_submit": "1"})

    assert refuse.seen == 4
    assert response.status_code == 503
    assert [points_of(s) for s in sheets] == before
    assert set(
        ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets]).values_list("status", flat=True)
    ) == {ScoreSheet.Status.DRAFT}


def test_sheet_save_with_a_bug_on_save_changes_no_score(org):
    campaign = open_campaign(org)
    score_all(campaign, org, {org.member_a: [5, 10, 5]})
    sheet = sheet_of(campaign, member=org.member_a)
    criteria = list(campaign.criteria.order_by("order"))
    written = 0

    def fail_on_the_third(sender, instance, **kwargs):
        nonlocal written
        written += 1
        if written == 3:
            raise RuntimeError("a receiver failed")

    post_save.connect(fail_on_the_third, sender=Score, dispatch_uid="fail-third-score")
    try:
        with pytest.raises(RuntimeError):
            services.sheet_save(
                sheet=sheet,
                access=access_for(org.secretary_a.user),
                by=org.secretary_a.user,
                version=sheet.version,
                lines={c.pk: services.Line(points=p) for c, p in zip(criteria, "999", strict=True)},
            )
    finally:
        post_save.disconnect(dispatch_uid="fail-third-score")
    assert written == 3
    assert points_of(sheet) == [Decimal("5"), Decimal("10"), Decimal("5")]


# --- publication ------------------------------------------------------------------------------
def test_publication_failing_half_way_publishes_nothing(
    org, client_for, django_capture_on_commit_callbacks
):
    campaign = open_campaign(org)
    score_all(
        campaign,
        org,
        {org.member_a: [9, 18, 9], org.member_b: [7, 15, 8], org.organiser: [6, 12, 7]},
    )
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    # A score corrected during review: publishing recomputes, so the ranks would change.
    Score.objects.filter(sheet=sheet_of(campaign, member=org.member_b)).update(points=20)

    def results():
        return list(
            Result.objects.filter(campaign=campaign)
            .order_by("pk")
            .values_list("subject_name", "total", "rank", "is_banner_holder")
        )

    before, result_history = results(), Result.history.count()
    client = answering_client(client_for("organiser"))

    # The notifications are the last thing publication writes: the results were recomputed,
    # the sheets locked and the campaign marked published before the database refuses.
    refuse = FailOnWrite(1, 'INSERT INTO "notices_notification"')
    with django_capture_on_commit_callbacks(execute=True), connection.execute_wrapper(refuse):
        response = client.post(
            reverse("admin:campaigns_campaign_changelist"),
            {"action": "publish_action", "_selected_action": [campaign.pk]},
        )

    assert refuse.seen == 1
    assert response.status_code == 503
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.REVIEW and campaign.published_at is None
    assert results() == before and Result.history.count() == result_history
    assert not ScoreSheet.objects.filter(campaign=campaign, status=ScoreSheet.Status.LOCKED)
    assert not Notification.objects.exists()
    assert mail.outbox == []
    url = reverse("campaigns:results", args=[campaign.pk])
    assert client_for("member_a").get(url).status_code == 404  # members still see nothing

    # Published again once the database is back: everything at once.
    response = client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "publish_action", "_selected_action": [campaign.pk]},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PUBLISHED
    assert results() != before
    assert Notification.objects.exists()
