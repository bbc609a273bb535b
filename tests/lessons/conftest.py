"""Fixtures of the micro-classroom tests: lessons, plans and pictures made to order."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from lessons.models import Lesson, LessonAudience, PlanItem, PlanUnit, Series, StudyPlan


def png_bytes(size=(800, 450), colour=(200, 30, 30), mode="RGB", fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def series(db):
    return Series.objects.create(name="两学一做")


@pytest.fixture
def make_lesson(org, series):
    """make_lesson(title=..., units=[...], status=..., publish_at=...) -> a saved lesson."""

    def make(title="党章学习", *, units=(), body="<p>支部学习党章。</p>", **extra) -> Lesson:
        fields = {
            "series": series,
            "unit": org.committee,
            "status": Lesson.Status.PUBLISHED,
            "publish_at": timezone.now() - datetime.timedelta(hours=1),
            "audience_all": not units,
        }
        fields.update(extra)
        lesson = Lesson.objects.create(title=title, body=body, **fields)
        for unit in units:
            LessonAudience.objects.create(lesson=lesson, unit=unit)
        return lesson

    return make


@pytest.fixture
def make_plan(org):
    def make(lessons, *, units=None, due_on=None, title="两学一做专题学习") -> StudyPlan:
        plan = StudyPlan.objects.create(
            title=title,
            unit=org.committee,
            due_on=due_on or timezone.localdate() + datetime.timedelta(days=10),
        )
        for unit in units if units is not None else [org.committee]:
            PlanUnit.objects.create(plan=plan, unit=unit)
        for order, lesson in enumerate(lessons, start=1):
            PlanItem.objects.create(plan=plan, lesson=lesson, order=order)
        return plan

    return make
