"""Reflections are escaped text, moderated by hiding; likes work with and without JS."""

from __future__ import annotations

from django.urls import reverse

from lessons.models import LessonLike, Reflection, ReflectionLike


def test_reflection_is_escaped_never_html(org, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    response = client.post(
        reverse("lessons:reflect", args=[lesson.pk]),
        {"text": "<script>alert(1)</script><b>好</b>"},
    )
    assert response.status_code == 302
    page = client.get(reverse("lessons:detail", args=[lesson.pk])).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;好&lt;/b&gt;" in page
    assert "<script>alert(1)" not in page


def test_empty_reflection_is_refused_and_nothing_written(org, client_for, make_lesson):
    lesson = make_lesson()
    response = client_for("member_a").post(
        reverse("lessons:reflect", args=[lesson.pk]), {"text": "   "}
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Reflection.objects.exists()


def test_reflection_on_invisible_lesson_is_404(org, client_for, make_lesson):
    lesson = make_lesson(units=[org.branch_a])
    response = client_for("member_b").post(
        reverse("lessons:reflect", args=[lesson.pk]), {"text": "你好"}
    )
    assert response.status_code == 404 and not Reflection.objects.exists()


def test_organiser_hides_a_reflection_which_is_kept(org, client_for, make_lesson):
    lesson = make_lesson()
    reflection = Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="不当言论")
    url = reverse("lessons:reflection_hide", args=[reflection.pk])
    assert client_for("member_a").post(url).status_code == 404
    assert client_for("secretary_a").post(url).status_code == 404
    assert client_for("organiser").post(url).status_code == 302
    reflection.refresh_from_db()
    assert reflection.is_hidden and reflection.hidden_by == org.organiser.user
    detail = reverse("lessons:detail", args=[lesson.pk])
    assert "不当言论" not in client_for("member_a").get(detail).text
    assert "不当言论" in client_for("member_b").get(detail).text  # the author still sees it
    assert "不当言论" in client_for("organiser").get(detail).text
    client_for("organiser").post(url)
    reflection.refresh_from_db()
    assert not reflection.is_hidden


def test_like_with_a_plain_form_post_toggles_and_redirects(org, client_for, make_lesson):
    lesson = make_lesson()
    client = client_for("member_a")
    url = reverse("lessons:like", args=[lesson.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith("#like")
    assert LessonLike.objects.filter(lesson=lesson).count() == 1
    client.post(url)
    assert LessonLike.objects.filter(lesson=lesson).count() == 0


def test_like_with_fetch_answers_json_with_the_count(org, client_for, make_lesson):
    lesson = make_lesson()
    LessonLike.objects.create(lesson=lesson, user=org.member_b.user)
    response = client_for("member_a").post(
        reverse("lessons:like", args=[lesson.pk]), headers={"accept": "application/json"}
    )
    assert response.json() == {"liked": True, "count": 2}


def test_reflection_like_toggles(org, client_for, make_lesson):
    lesson = make_lesson()
    reflection = Reflection.objects.create(lesson=lesson, author=org.member_b.user, text="好")
    url = reverse("lessons:reflection_like", args=[reflection.pk])
    client = client_for("member_a")
    assert client.post(url, headers={"accept": "application/json"}).json() == {
        "liked": True,
        "count": 1,
    }
    assert client.post(url, headers={"accept": "application/json"}).json()["liked"] is False
    assert not ReflectionLike.objects.exists()


def test_hidden_reflection_cannot_be_liked_by_others(org, client_for, make_lesson):
    lesson = make_lesson()
    reflection = Reflection.objects.create(
        lesson=lesson, author=org.member_b.user, text="隐藏", is_hidden=True
    )
    url = reverse("lessons:reflection_like", args=[reflection.pk])
    assert client_for("member_a").post(url).status_code == 404


def test_like_forms_work_without_inline_script(org, client_for, make_lesson):
    lesson = make_lesson()
    page = client_for("member_a").get(reverse("lessons:detail", args=[lesson.pk])).text
    assert 'class="like-form" method="post"' in page
    assert "/static/js/lessons.js" in page
    assert "onclick" not in page and "<script>" not in page
