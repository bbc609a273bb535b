"""Likes (one per person and post, a plain form without JavaScript, JSON with it) and
comments (escaped, hidden ones kept for their author and the moderators)."""

from __future__ import annotations

from django.urls import reverse

from sharing import services
from sharing.models import Comment, Like


def test_like_without_javascript_toggles_and_redirects_back(client_for, posts):
    client = client_for("member_b")
    url = reverse("sharing:like", args=[posts.committee.pk])
    response = client.post(url, {"next": "/sharing/?before=1.2"})
    assert response.status_code == 302
    assert response["Location"] == f"/sharing/?before=1.2#post-{posts.committee.pk}"
    assert Like.objects.filter(post=posts.committee).count() == 1
    client.post(url)
    assert not Like.objects.filter(post=posts.committee).exists()


def test_like_ignores_a_next_url_on_another_site(client_for, posts):
    url = reverse("sharing:like", args=[posts.committee.pk])
    response = client_for("member_b").post(url, {"next": "https://evil.example/"})
    assert response["Location"].startswith(posts.committee.get_absolute_url())


def test_like_with_javascript_answers_json(client_for, posts):
    url = reverse("sharing:like", args=[posts.committee.pk])
    client_for("member_a").post(url)
    response = client_for("member_b").post(url, HTTP_ACCEPT="application/json")
    assert response.json() == {"liked": True, "count": 2}
    response = client_for("member_b").post(url, HTTP_ACCEPT="application/json")
    assert response.json() == {"liked": False, "count": 1}


def test_feed_shows_like_count_and_my_like(client_for, posts, org):
    services.like_toggle(post=posts.committee, member=org.member_a)
    feed = client_for("member_b").get(reverse("sharing:feed"))
    post = next(p for p in feed.context["posts"] if p.pk == posts.committee.pk)
    assert (post.like_count, post.liked) == (1, False)
    feed = client_for("member_a").get(reverse("sharing:feed"))
    post = next(p for p in feed.context["posts"] if p.pk == posts.committee.pk)
    assert (post.like_count, post.liked) == (1, True)


def test_like_of_a_post_out_of_audience_is_a_404(client_for, posts):
    url = reverse("sharing:like", args=[posts.branch_a.pk])
    assert client_for("member_b").post(url).status_code == 404
    assert client_for("staff").post(url).status_code == 404
    assert not Like.objects.exists()


def test_like_needs_post(client_for, posts):
    url = reverse("sharing:like", args=[posts.committee.pk])
    assert client_for("member_b").get(url).status_code == 405


def test_comment_is_escaped_and_shown(client_for, posts):
    url = reverse("sharing:comment", args=[posts.committee.pk])
    response = client_for("member_a").post(url, {"text": "<img src=x onerror=alert(1)>好"})
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    body = client_for("member_b").get(posts.committee.get_absolute_url()).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;好" in body
    assert "<img src=x" not in body


def test_empty_comment_is_refused_and_nothing_written(client_for, posts):
    url = reverse("sharing:comment", args=[posts.committee.pk])
    response = client_for("member_a").post(url, {"text": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_out_of_audience_is_a_404(client_for, posts):
    url = reverse("sharing:comment", args=[posts.branch_a.pk])
    assert client_for("member_b").post(url, {"text": "看不到"}).status_code == 404
    assert not Comment.objects.exists()


def test_hidden_comment_is_kept_for_its_author_and_moderators_only(client_for, posts, org):
    comment = services.comment_create(post=posts.committee, author=org.member_a, text="不当言论")
    services.comment_set_hidden(comment=comment, hidden=True, by=org.organiser.user)
    url = posts.committee.get_absolute_url()
    assert "不当言论" not in client_for("member_b").get(url).content.decode()
    assert "不当言论" in client_for("member_a").get(url).content.decode()
    assert "不当言论" in client_for("organiser").get(url).content.decode()
    feed = client_for("member_b").get(reverse("sharing:feed"))
    post = next(p for p in feed.context["posts"] if p.pk == posts.committee.pk)
    assert post.comment_count == 0
