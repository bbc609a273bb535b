"""The demo sharing data: a dozen posts with drawn photos, comments, likes, one post hidden;
running it again changes nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from members import demo as members_demo
from sharing import demo
from sharing.models import Comment, Like, Photo, Post


def counts():
    return (
        Post.objects.count(),
        Photo.objects.count(),
        Comment.objects.count(),
        Like.objects.count(),
    )


def test_demo_sharing_is_complete_and_idempotent(db, client):
    members_demo.seed()
    demo.seed()
    posts, photos, comments, likes = counts()
    assert posts == len(demo.POSTS) == 12
    assert photos == sum(p[3] for p in demo.POSTS)
    assert comments > 5 and likes > 20
    assert Post.objects.filter(is_hidden=True).count() == 1
    assert Comment.objects.filter(is_hidden=True).count() == 1
    assert Post.objects.filter(photos__isnull=False).distinct().count() >= 8
    assert all(photo.renditions.get("360") for photo in Photo.objects.all())
    demo.seed()
    assert counts() == (posts, photos, comments, likes)

    # The demo member sees their branch's posts and the committee's, not the hidden one.
    client.force_login(get_user_model().objects.get(username="member"))
    response = client.get(reverse("sharing:feed"))
    assert response.status_code == 200
    shown = response.context["posts"]
    assert len(shown) == 8 and not any(p.is_hidden for p in shown)
