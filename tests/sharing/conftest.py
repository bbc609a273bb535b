"""Fixtures of the sharing tests: posts made to order and picture uploads."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sharing import services
from sharing.models import Post


def picture(name="photo.png", size=(400, 300), colour=(200, 30, 30), fmt="PNG", tail=b""):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, out.getvalue() + tail, content_type=content_type)


@pytest.fixture
def make_post(org):
    """make_post(author=org.member_a, audience="branch", text=..., photos=[...]) -> Post."""

    def make(author=None, audience=Post.Audience.BRANCH, text="支部学习心得", photos=()):
        return services.post_create(
            author=author or org.member_a, text=text, audience=audience, photos=photos
        )

    return make


@pytest.fixture
def posts(org, make_post):
    """One post of each kind the rules tell apart."""

    class Posts:
        branch_a = make_post(org.member_a, "branch", "A支部内部的分享")
        committee = make_post(org.member_b, "committee", "全党委都能看到的分享")
        branch_c = make_post(org.member_c, "branch", "邻县支部的分享")
        committee_c = make_post(org.member_c, "committee", "邻县党委的分享")
        hidden = make_post(org.member_a, "branch", "被隐藏的分享")

    services.post_set_hidden(post=Posts.hidden, hidden=True, by=org.organiser.user)
    return Posts
