"""What changes sharing: posting (with photos), commenting, liking and moderating.

Photos are checked and re-encoded before anything is written (`clean_photos`), so a refused
picture leaves no post behind; the stored files of a post that fails half-way are removed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members import images, likes
from members.models import Member, OrgUnit, ancestor_paths

from .models import COMMENT_MAX, MAX_PHOTOS, TEXT_MAX, Comment, Like, Photo, Post

PHOTO_MAX_SIDE = 1600


def top_committee(unit: OrgUnit) -> OrgUnit:
    """The unit at the top of `unit`'s tree (its committee)."""
    root_path = ancestor_paths(unit.path)[0]
    return unit if unit.path == root_path else OrgUnit.objects.get(path=root_path)


def audience_unit(member: Member, audience: str) -> OrgUnit:
    if audience == Post.Audience.COMMITTEE:
        return top_committee(member.unit)
    if audience == Post.Audience.BRANCH:
        return member.unit
    raise ValidationError({"audience": _("Choose who the post is for.")})


def clean_photos(files) -> list:
    """Each upload checked and re-encoded (at most 1600 px on a side), or ValidationError
    naming every picture that was refused. Nothing is stored here."""
    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        message = ngettext(
            "Up to %(max)d photo per post; you chose %(count)d.",
            "Up to %(max)d photos per post; you chose %(count)d.",
            MAX_PHOTOS,
        ) % {"max": MAX_PHOTOS, "count": len(files)}
        raise ValidationError({"photos": [message]})
    cleaned, errors = [], []
    for number, upload in enumerate(files, start=1):
        try:
            cleaned.append(images.clean_image(upload, max_side=PHOTO_MAX_SIDE))
        except ValidationError as error:
            name = getattr(upload, "name", "") or str(number)
            for message in error.messages:
                errors.append(
                    _("Photo %(number)d (%(name)s): %(message)s")
                    % {"number": number, "name": name, "message": message}
                )
    if errors:
        raise ValidationError({"photos": errors})
    return cleaned


def post_create(*, author: Member, text: str, audience: str, photos=()) -> Post:
    """A new post by `author` to their branch or committee, with up to nine uploaded
    photos (checked and re-encoded here; any refused picture refuses the whole post)."""
    if not author.is_active:
        raise ValidationError(_("Only members on the roll can share here."))
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("Keep it under %(max)d characters.") % {"max": TEXT_MAX}})
    cleaned = clean_photos(photos)
    if not text and not cleaned:
        raise ValidationError({"text": _("Write something or add a photo.")})
    unit = audience_unit(author, audience)
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(author=author, audience=audience, unit=unit, text=text)
            for order, content in enumerate(cleaned):
                photo = Photo(post=post, order=order)
                photo.image.save(content.name, content, save=False)
                stored.append(photo.image.name)
                photo.renditions = images.make_renditions(photo.image.name, "sharing/renditions")
                stored.extend(v for k, v in photo.renditions.items() if k.isdigit())
                photo.save()
    except Exception:
        for name in stored:  # files are not in the transaction: take them back by hand
            default_storage.delete(name)
        raise
    return post


def comment_create(*, post: Post, author: Member, text: str) -> Comment:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    if len(text) > COMMENT_MAX:
        raise ValidationError(
            {"text": _("Keep it under %(max)d characters.") % {"max": COMMENT_MAX}}
        )
    if not author.is_active:
        raise ValidationError(_("Only members on the roll can comment."))
    return Comment.objects.create(post=post, author=author, text=text)


def like_toggle(*, post: Post, member: Member) -> tuple[bool, int]:
    """Like if not liked, unlike if liked; returns (liked now, number of likes)."""
    liked = likes.like_toggle(Like, post=post, member=member)
    return liked, Like.objects.filter(post=post).count()


def post_set_hidden(*, post: Post, hidden: bool, by) -> Post:
    if hidden and not post.is_hidden:
        post.hide(by=by)
    elif not hidden and post.is_hidden:
        post.unhide(by=by)
    return post


def comment_set_hidden(*, comment: Comment, hidden: bool, by) -> Comment:
    if hidden and not comment.is_hidden:
        comment.hide(by=by)
    elif not hidden and comment.is_hidden:
        comment.unhide(by=by)
    return comment
