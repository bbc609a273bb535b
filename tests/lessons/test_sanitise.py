"""A lesson body keeps its structure and loses every script, handler and javascript: URL."""

from __future__ import annotations

from django.urls import reverse

from lessons.sanitise import clean_html

EVIL = (
    '<h2>标题</h2><p onclick="steal()">正文<script>alert(1)</script></p>'
    '<img src="/media/a.png" onerror="alert(2)">'
    '<a href="javascript:alert(3)">坏链接</a><a href="https://www.12371.cn/">好链接</a>'
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>'
    "<table><tr><td>表格</td></tr></table><blockquote>引用</blockquote>"
)


def test_clean_html_drops_script_handlers_and_javascript_urls():
    cleaned = clean_html(EVIL)
    for bad in ("<script", "alert", "onclick", "onerror", "javascript:", "<iframe", "<style"):
        assert bad not in cleaned
    for kept in ("<h2>标题</h2>", "<table>", "<blockquote>", 'href="https://www.12371.cn/"'):
        assert kept in cleaned
    assert 'rel="noopener noreferrer"' in cleaned
    assert '<img loading="lazy" src="/media/a.png">' in cleaned


def test_body_is_sanitised_on_save_and_shown_without_script(org, client_for, make_lesson):
    lesson = make_lesson("含脚本的课程", body=EVIL)
    lesson.refresh_from_db()
    assert "<script" not in lesson.body and "onerror" not in lesson.body
    assert "javascript:" not in lesson.body
    page = client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).text
    body = page[page.index('class="lesson-body"') :]
    assert "alert(" not in body and "onerror" not in body and "javascript:" not in body
    assert "好链接" in body
