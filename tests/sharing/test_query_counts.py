"""The feed, a post page and the admin list ask the same number of queries with 10 posts as
with 1,000: photos by one prefetch, like and comment counts and "I liked" by annotation."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sharing.models import Comment, Like, Photo, Post
from sharing.views import PAGE_SIZE


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the session so both runs start alike
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_posts(org, count: int, start: int = 0) -> list[Post]:
    now = timezone.now()
    authors = [org.member_a, org.member_b, org.secretary_a]
    posts = Post.objects.bulk_create(
        Post(
            author=authors[n % 3],
            audience=Post.Audience.COMMITTEE if n % 2 else Post.Audience.BRANCH,
            unit=org.committee if n % 2 else authors[n % 3].unit,
            text=f"分享{n:05d}",
            created_at=now - datetime.timedelta(minutes=n + 1),
        )
        for n in range(start, start + count)
    )
    renditions = {"360": "sharing/renditions/x-360.webp", "w": "360", "h": "270"}
    Photo.objects.bulk_create(
        Photo(post=post, image=f"sharing/photos/x{post.pk}-{k}.jpg", renditions=renditions, order=k)
        for post in posts
        for k in range(3)
    )
    Like.objects.bulk_create(Like(post=post, member=org.member_b) for post in posts)
    Comment.objects.bulk_create(
        Comment(post=post, author=org.member_a, text="好") for post in posts for _ in range(2)
    )
    return posts


@pytest.mark.parametrize("persona", ["member_a", "organiser"])
def test_feed_queries_do_not_grow_with_posts(org, client_for, persona):
    # Session, user, access (member, posts); the page of posts with its counts; the photos.
    client = client_for(persona)
    url = reverse("sharing:feed")
    add_posts(org, 10)
    small = count_queries(client, url)
    add_posts(org, 990, start=10)
    assert count_queries(client, url) == small
    response = client.get(url)
    assert len(response.context["posts"]) == PAGE_SIZE
    # A page deep in the feed costs the same (keyset: no OFFSET, no COUNT).
    deep = f"{url}?before={response.context['older']}"
    assert count_queries(client, deep) == small


def test_keyset_pages_walk_every_post_once(org, client_for):
    posts = add_posts(org, 35)
    client = client_for("organiser")
    seen, url = [], reverse("sharing:feed")
    while url:
        response = client.get(url)
        seen += [p.pk for p in response.context["posts"]]
        older = response.context["older"]
        url = f"{reverse('sharing:feed')}?before={older}" if older else None
    assert seen == [p.pk for p in posts]  # newest first, none twice, none lost


def test_keyset_pages_with_equal_timestamps(org, client_for):
    posts = add_posts(org, 25)
    Post.objects.update(created_at=timezone.now())
    client = client_for("organiser")
    seen, url = [], reverse("sharing:feed")
    while url:
        response = client.get(url)
        seen += [p.pk for p in response.context["posts"]]
        older = response.context["older"]
        url = f"{reverse('sharing:feed')}?before={older}" if older else None
    assert sorted(seen) == sorted(p.pk for p in posts) and len(seen) == len(set(seen))


def test_a_bad_cursor_shows_the_newest_page(org, client_for):
    add_posts(org, 3)
    response = client_for("organiser").get(reverse("sharing:feed"), {"before": "x.y"})
    assert response.status_code == 200 and len(response.context["posts"]) == 3


def test_post_page_queries_do_not_grow_with_comments(org, client_for):
    post = add_posts(org, 1)[0]
    client = client_for("organiser")
    small = count_queries(client, post.get_absolute_url())
    Comment.objects.bulk_create(
        Comment(post=post, author=org.member_a, text="好") for _ in range(998)
    )
    assert count_queries(client, post.get_absolute_url()) == small


def test_admin_changelist_queries_do_not_grow_with_posts(org, client_for):
    client = client_for("organiser")
    url = reverse("admin:sharing_post_changelist")
    add_posts(org, 10)
    small = count_queries(client, url)
    add_posts(org, 990, start=10)
    assert count_queries(client, url) == small
