"""The lesson page is light: HTML + CSS + JS (no images or video) under 30 KB gzipped."""

from __future__ import annotations

import gzip
import re

from django.contrib.staticfiles import finders
from django.urls import reverse

from lessons.models import Question, Reflection

BUDGET = 30 * 1024
BODY = "".join(
    f"<h2>第{i}部分</h2><p>{'党支部是党的基础组织，是党在社会基层组织中的战斗堡垒。' * 6}</p>"
    for i in range(1, 7)
)


def test_lesson_page_html_css_js_under_30_kb_gzipped(org, client_for, make_lesson):
    lesson = make_lesson("一堂完整的微课", body=BODY, summary="摘要" * 40)
    for i in range(3):
        Question.objects.create(
            lesson=lesson, order=i, text=f"问题{i}", option_a="甲", option_b="乙", answer="a"
        )
    for _i in range(20):
        Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="学习心得" * 20)
    html = client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert b"css/portal.css" in assets and b"js/lessons.js" in assets
    sizes = {"html": len(gzip.compress(html, 9))}
    for asset in assets:
        path = finders.find(asset.decode())
        with open(path, "rb") as handle:
            sizes[asset.decode()] = len(gzip.compress(handle.read(), 9))
    total = sum(sizes.values())
    assert total < BUDGET, sizes
    # No framework JavaScript: the page loads only its own small script.
    assert [a for a in assets if a.endswith(b".js")] == [b"js/lessons.js"]
