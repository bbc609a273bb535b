"""Model stories: nominated by anyone with photos (re-encoded; SVG refused), published by an
organiser in the admin, liked, and shown on the profile, the home page and the results."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from campaigns import services
from campaigns.models import Story, StoryLike, StoryPhoto

from .conftest import open_campaign, score_all


def png(name="photo.png", extra=b"") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue() + extra, content_type="image/png")


def nominate(client, org, **extra):
    data = {
        "member": org.member_a.pk,
        "category": "good_deed",
        "title": "雪夜抢修",
        "body": "他冒雪巡线六个小时。",
        **extra,
    }
    return client.post(reverse("campaigns:nominate"), data)


def test_member_nominates_a_colleague_with_a_photo_reencoded(org, client_for):
    response = nominate(client_for("secretary_a"), org, photos=[png(extra=b"<html>evil</html>")])
    story = Story.objects.get()
    assert response.status_code == 302 and story.status == Story.Status.NOMINATED
    stored = StoryPhoto.objects.get(story=story).image
    with stored.open("rb") as handle:
        data = handle.read()
    assert b"<html>" not in data and data[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG
    assert story.history.count() == 1


def test_svg_and_fake_pictures_are_refused_and_nothing_saved(org, client_for):
    client = client_for("secretary_a")
    svg = SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")
    response = nominate(client, org, photos=[svg])
    assert response.status_code == 200
    fake = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n<script>", content_type="image/png")
    assert nominate(client, org, photos=[fake]).status_code == 200
    assert not Story.objects.exists() and not StoryPhoto.objects.exists()


def test_nominee_must_be_a_visible_colleague(org, client_for):
    response = nominate(client_for("member_a"), org, member=org.member_c.pk)
    assert response.status_code == 200 and not Story.objects.exists()


def test_nomination_is_private_until_published_then_liked(org, client_for):
    nominate(client_for("secretary_a"), org)
    story = Story.objects.get()
    url = reverse("campaigns:story", args=[story.pk])
    assert client_for("member_b").get(url).status_code == 404
    assert client_for("secretary_a").get(url).status_code == 200  # the author
    assert (
        client_for("member_b").post(reverse("campaigns:like", args=[story.pk])).status_code == 404
    )

    client_for("organiser").post(
        reverse("admin:campaigns_story_changelist"),
        {"action": "publish_action", "_selected_action": [story.pk]},
    )
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED and story.published_at
    member_b = client_for("member_b")
    assert member_b.get(url).status_code == 200
    member_b.post(reverse("campaigns:like", args=[story.pk]))
    assert StoryLike.objects.filter(story=story).count() == 1
    member_b.post(reverse("campaigns:like", args=[story.pk]))  # a second press takes it back
    assert StoryLike.objects.filter(story=story).count() == 0
    assert member_b.get(reverse("campaigns:like", args=[story.pk])).status_code == 405


def test_published_story_on_profile_home_and_results(org, client_for):
    story = services.story_nominate(
        member=org.member_a, by=org.member_b.user, category="exemplar", title="岗位标兵", body="…"
    )
    services.stories_set_status(
        stories=Story.objects.filter(pk=story.pk),
        status=Story.Status.PUBLISHED,
        by=org.organiser.user,
    )
    campaign = open_campaign(org)
    score_all(campaign, org, {org.member_a: [10, 20, 10]})
    services.campaign_close(campaign=campaign, by=org.organiser.user)
    services.campaign_publish(campaign=campaign, by=org.organiser.user)
    assert "岗位标兵" in client_for("member_b").get("/").text
    profile = client_for("secretary_a").get(reverse("members:member", args=[org.member_a.pk]))
    assert "岗位标兵" in profile.text
    results = client_for("member_b").get(reverse("campaigns:results", args=[campaign.pk])).text
    assert reverse("campaigns:story", args=[story.pk]) in results


def test_story_admin_is_for_organisers_of_the_member(org, client_for):
    story = services.story_nominate(
        member=org.member_a, by=org.member_b.user, category="good_person", title="t", body="b"
    )
    change = reverse("admin:campaigns_story_change", args=[story.pk])
    assert client_for("organiser").get(change).status_code == 200
    assert client_for("secretary_a").get(change).status_code == 404  # organisers only
