"""Sharing (工作心得 / 微信家园): short posts with up to nine photos, comments and likes.

A post is addressed to the author's branch or to the author's whole committee (the top of
their tree); its `unit` is that audience unit. Who may read a post is decided here, in
`PostQuery.visible_to`, from `members.scoping`:

- members on the roll read the posts addressed to their branch or to a unit above it (their
  committee), and always their own posts;
- committee organisers also read every post addressed to a unit in their scope (the branches
  under them), and they moderate those posts and their comments;
- staff who are not Party members read no posts: sharing is among the members of a branch
  or committee, and a login without a branch belongs to no audience;
- a superuser reads everything.

Hidden posts and comments are kept: their author still sees them, marked "hidden by the
organisation", and the organisers in scope see them marked hidden; nobody else does.
Text is plain text, always escaped when shown (line breaks kept), never HTML.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members import images
from members.files import PrivateImageField
from members.models import Member, OrgUnit, ancestor_paths

MAX_PHOTOS = 9
TEXT_MAX = 2000
COMMENT_MAX = 500


def _moderated_q(access, prefix: str = "") -> Q | None:
    """Rows whose audience unit is in an organiser's scope (None: moderates nothing)."""
    if not access.organiser_units:
        return None
    q = Q()
    for unit in access.organiser_units:
        q |= Q(**{f"{prefix}unit__path__startswith": unit.path})
    return q


class PostQuerySet(models.QuerySet):
    def readable_by(self, access) -> PostQuerySet:
        """Posts in a person's audience or moderation scope, hidden ones included."""
        if access.is_superuser:
            return self.all()
        q = Q(pk__in=[])
        if access.is_member:
            member = access.member
            paths = set(ancestor_paths(member.unit.path))
            for unit in access.organiser_units:
                paths.update(ancestor_paths(unit.path))
            # Units by id, not a join on their paths: the database then reads the posts of
            # these few units from their index instead of joining every post to its unit.
            units = OrgUnit.objects.filter(path__in=sorted(paths)).values("pk")
            q |= Q(unit__in=units) | Q(author=member)
        elif access.member is not None:  # left or moved out: their own posts only
            q |= Q(author=access.member)
        moderated = _moderated_q(access)
        if moderated is not None:
            q |= moderated
        return self.filter(q)

    def visible_to(self, access) -> PostQuerySet:
        """THE rule of who sees a post: readable, and not hidden unless they wrote it or
        moderate it."""
        readable = self.readable_by(access)
        if access.is_superuser:
            return readable
        shown = Q(is_hidden=False)
        if access.member is not None:
            shown |= Q(author=access.member)
        moderated = _moderated_q(access)
        if moderated is not None:
            shown |= moderated
        return readable.filter(shown)

    def moderated_by(self, access) -> PostQuerySet:
        """Posts an organiser may hide or show again (and whose comments they moderate)."""
        if access.is_superuser:
            return self.all()
        moderated = _moderated_q(access)
        return self.none() if moderated is None else self.filter(moderated)


class Post(models.Model):
    class Audience(models.TextChoices):
        BRANCH = "branch", _("My branch")
        COMMITTEE = "committee", _("The whole committee")

    author = models.ForeignKey(
        Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="sharing_posts"
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.BRANCH
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("audience unit"),
        on_delete=models.PROTECT,
        related_name="sharing_posts",
        help_text=_("The author's branch, or the committee at the top of their tree."),
    )
    text = models.TextField(_("text"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    objects = PostQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shared post")
        verbose_name_plural = _("shared posts")
        ordering = ["-created_at", "-pk"]
        # The feed walks (created_at, id) downwards: keyset pagination on this index.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="sharing_post_feed"),
            models.Index(fields=["unit", "-created_at"], name="sharing_post_unit_feed"),
        ]

    def __str__(self) -> str:
        return self.text[:40] or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("sharing:detail", args=[self.pk])

    def hide(self, *, by) -> None:
        self.is_hidden, self.hidden_by, self.hidden_at = True, by, timezone.now()
        self.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])

    def unhide(self, *, by) -> None:
        self.is_hidden, self.hidden_by, self.hidden_at = False, by, None
        self.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])


class Photo(models.Model):
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="photos"
    )
    image = PrivateImageField(
        _("photo"),
        upload_to="sharing/photos",
        name_field="original_name",
        renditions_field="renditions",
    )
    original_name = models.CharField(
        _("original file name"), max_length=255, blank=True, editable=False
    )
    renditions = models.JSONField(_("renditions"), default=dict, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["post", "order", "pk"]

    def __str__(self) -> str:
        return self.image.name

    @classmethod
    def files_visible_to(cls, access):
        """members.files' protocol: whoever may see the post."""
        return cls.objects.filter(post__in=Post.objects.visible_to(access))

    @property
    def srcset(self) -> str:
        return images.srcset(self.image)

    @property
    def thumb(self) -> str:
        return images.rendition_url(self.image, 360) or self.image.url


class Comment(models.Model):
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="sharing_comments"
    )
    text = models.TextField(_("comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "is_hidden"], name="sharing_comment_post")]

    def __str__(self) -> str:
        return self.text[:40]

    def hide(self, *, by) -> None:
        self.is_hidden, self.hidden_by, self.hidden_at = True, by, timezone.now()
        self.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])

    def unhide(self, *, by) -> None:
        self.is_hidden, self.hidden_by, self.hidden_at = False, by, None
        self.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])


class Like(models.Model):
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="likes"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("liked at"), default=timezone.now)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="sharing_like_once")]

    def __str__(self) -> str:
        return f"{self.member} ♥ {self.post}"
