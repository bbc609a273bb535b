"""Moderation: organisers hide posts and comments in their scope (kept, shown again at will),
on the site and in the admin; nobody else can, and out of scope is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sharing import services
from sharing.models import Comment, Post

# persona -> status of hiding a post of branch A / of the other committee's branch C
HIDE = [
    ("member_a", 404, 404),  # the author does not moderate
    ("member_b", 404, 404),
    ("secretary_a", 404, 404),  # a branch officer does not moderate sharing
    ("staff", 404, 404),
    ("organiser", 302, 404),  # in scope only
    ("superuser", 302, 302),
]


@pytest.mark.parametrize(("persona", "in_scope", "out_of_scope"), HIDE)
def test_who_may_hide_a_post(client_for, posts, persona, in_scope, out_of_scope):
    client = client_for(persona)
    for post, expected in ((posts.branch_a, in_scope), (posts.branch_c, out_of_scope)):
        response = client.post(reverse("sharing:hide", args=[post.pk]))
        assert response.status_code == expected
        post.refresh_from_db()
        assert post.is_hidden == (expected == 302)


@pytest.mark.parametrize(("persona", "in_scope", "out_of_scope"), HIDE)
def test_who_may_hide_a_comment(client_for, posts, org, persona, in_scope, out_of_scope):
    mine = services.comment_create(post=posts.branch_a, author=org.secretary_a, text="评论")
    theirs = services.comment_create(post=posts.branch_c, author=org.member_c, text="评论")
    client = client_for(persona)
    for comment, expected in ((mine, in_scope), (theirs, out_of_scope)):
        response = client.post(reverse("sharing:hide_comment", args=[comment.pk]))
        assert response.status_code == expected
        comment.refresh_from_db()
        assert comment.is_hidden == (expected == 302)


def test_hiding_keeps_the_post_and_records_who_and_when(client_for, posts, org):
    client = client_for("organiser")
    client.post(reverse("sharing:hide", args=[posts.branch_a.pk]))
    post = Post.objects.get(pk=posts.branch_a.pk)
    assert post.is_hidden and post.hidden_by == org.organiser.user and post.hidden_at
    assert post.history.first().is_hidden
    assert client_for("member_b").get(post.get_absolute_url()).status_code == 404
    assert client_for("secretary_a").get(post.get_absolute_url()).status_code == 404
    client.post(reverse("sharing:hide", args=[post.pk]))  # and back
    post.refresh_from_db()
    assert not post.is_hidden and post.hidden_at is None
    assert client_for("secretary_a").get(post.get_absolute_url()).status_code == 200


def test_moderator_sees_hide_buttons_others_do_not(client_for, posts):
    url = reverse("sharing:hide", args=[posts.committee.pk])
    assert url in client_for("organiser").get(reverse("sharing:feed")).content.decode()
    assert url not in client_for("member_b").get(reverse("sharing:feed")).content.decode()


# --- the admin ------------------------------------------------------------------------------
ADMIN = [
    ("member_a", 302),  # members never get into the admin (sent to log in)
    ("secretary_a", 403),  # officers get in, but sharing is not theirs to moderate
    ("organiser", 200),
    ("superuser", 200),
]


@pytest.mark.parametrize(("persona", "status"), ADMIN)
@pytest.mark.parametrize("model", ["post", "comment"])
def test_admin_changelist_by_persona(client_for, posts, persona, status, model):
    response = client_for(persona).get(reverse(f"admin:sharing_{model}_changelist"))
    assert response.status_code == status


def test_admin_lists_only_posts_in_the_organisers_scope(client_for, posts):
    response = client_for("organiser").get(reverse("admin:sharing_post_changelist"))
    listed = {p.pk for p in response.context["cl"].result_list}
    assert listed == {posts.branch_a.pk, posts.committee.pk, posts.hidden.pk}


def test_admin_change_page_out_of_scope_is_a_404(client_for, posts):
    client = client_for("organiser")
    assert (
        client.get(reverse("admin:sharing_post_change", args=[posts.branch_a.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:sharing_post_change", args=[posts.branch_c.pk])).status_code
        == 404
    )


def test_admin_hide_action_hides_only_in_scope(client_for, posts):
    client = client_for("organiser")
    response = client.post(
        reverse("admin:sharing_post_changelist"),
        {"action": "hide", "_selected_action": [posts.branch_a.pk, posts.branch_c.pk]},
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=posts.branch_a.pk).is_hidden
    assert not Post.objects.get(pk=posts.branch_c.pk).is_hidden


def test_admin_comment_action_hides(client_for, posts, org):
    comment = services.comment_create(post=posts.committee, author=org.member_a, text="评论")
    client_for("organiser").post(
        reverse("admin:sharing_comment_changelist"),
        {"action": "hide", "_selected_action": [comment.pk]},
    )
    assert Comment.objects.get(pk=comment.pk).is_hidden


def test_admin_cannot_add_or_delete(client_for, posts):
    client = client_for("organiser")
    assert client.get(reverse("admin:sharing_post_add")).status_code == 403
    assert (
        client.get(reverse("admin:sharing_post_delete", args=[posts.branch_a.pk])).status_code
        == 403
    )
