"""Who sees which post: the audience (branch, or the committee's whole subtree), the author,
the organisers in scope; staff without membership see none. Out of audience is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.scoping import access_for
from sharing.models import Post

# persona -> which of the posts it may open (the rest are 404s)
VISIBLE = {
    "member_a": {"branch_a", "committee", "hidden"},  # hidden: member_a wrote it
    "secretary_a": {"branch_a", "committee"},  # not a moderator: the hidden post is gone
    "member_b": {"committee"},
    "organiser": {"branch_a", "committee", "hidden"},  # moderates the committee's subtree
    "staff": set(),  # no branch, no audience
    "superuser": {"branch_a", "committee", "branch_c", "committee_c", "hidden"},
}
ALL = ("branch_a", "committee", "branch_c", "committee_c", "hidden")


@pytest.mark.parametrize("persona", sorted(VISIBLE))
@pytest.mark.parametrize("which", ALL)
def test_post_page_is_open_to_its_audience_and_a_404_for_anyone_else(
    client_for, posts, persona, which
):
    post = getattr(posts, which)
    response = client_for(persona).get(reverse("sharing:detail", args=[post.pk]))
    assert response.status_code == (200 if which in VISIBLE[persona] else 404)


def test_anonymous_is_sent_to_log_in(client_for, posts):
    response = client_for("anonymous").get(reverse("sharing:feed"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_feed_lists_exactly_the_posts_the_person_may_open(client_for, posts, persona):
    response = client_for(persona).get(reverse("sharing:feed"))
    assert response.status_code == 200
    shown = {p.pk for p in response.context["posts"]}
    assert shown == {getattr(posts, which).pk for which in VISIBLE[persona]}


def test_branch_b_member_never_sees_branch_a_text(client_for, posts):
    body = client_for("member_b").get(reverse("sharing:feed")).content.decode()
    assert "A支部内部的分享" not in body
    assert "全党委都能看到的分享" in body


def test_committee_post_is_addressed_to_the_top_committee(org, make_post):
    post = make_post(org.member_a, "committee")
    assert post.unit == org.committee
    assert make_post(org.member_c, "committee").unit == org.other_committee
    assert make_post(org.member_b, "branch").unit == org.branch_b


def test_author_sees_their_hidden_post_marked_hidden_by_the_organisation(client_for, posts):
    response = client_for("member_a").get(reverse("sharing:detail", args=[posts.hidden.pk]))
    assert "Hidden by the organisation" in response.content.decode()
    feed = client_for("member_a").get(reverse("sharing:feed")).content.decode()
    assert "Hidden by the organisation" in feed


def test_member_who_left_sees_only_their_own_posts(org, posts):
    org.member_a.status = org.member_a.Status.LEFT
    org.member_a.save()
    user = org.member_a.user
    user.refresh_from_db()
    seen = set(Post.objects.visible_to(access_for(user)).values_list("pk", flat=True))
    assert seen == {posts.branch_a.pk, posts.hidden.pk}


def test_staff_feed_explains_why_it_is_empty(client_for, posts):
    body = client_for("staff").get(reverse("sharing:feed")).content.decode()
    assert "belongs to no branch" in body
    assert client_for("staff").get(reverse("sharing:new")).status_code == 302


def test_text_is_escaped_and_keeps_line_breaks(client_for, make_post):
    post = make_post(text='第一行<script>alert("x")</script>\n第二行 <b>粗</b>')
    body = client_for("member_a").get(reverse("sharing:detail", args=[post.pk])).content.decode()
    assert "<script>alert" not in body
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>第二行 &lt;b&gt;粗&lt;/b&gt;" in body
    )


def test_home_panel_shows_latest_visible_posts(client_for, posts):
    body = client_for("member_b").get(reverse("home")).content.decode()
    assert "全党委都能看到的分享" in body
    assert "A支部内部的分享" not in body
    assert "全党委都能看到的分享" not in client_for("staff").get(reverse("home")).content.decode()
