"""Fixtures of the notices tests: notices made to order on top of the shared `org`."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from notices.models import Notice, NoticeAudience


@pytest.fixture
def make_notice(org):
    """make_notice(title=..., units=[...] | audience_all=True, status=..., publish_at=...)."""

    def make(title="关于召开党委会的通知", *, units=(), body="<p>请各支部准时参加。</p>", **extra):
        fields = {
            "unit": org.committee,
            "status": Notice.Status.PUBLISHED,
            "publish_at": timezone.now() - datetime.timedelta(hours=1),
            "audience_all": not units,
            "author": org.organiser.user,
        }
        fields.update(extra)
        notice = Notice.objects.create(title=title, body=body, **fields)
        for unit in units:
            NoticeAudience.objects.create(notice=notice, unit=unit)
        return notice

    return make
