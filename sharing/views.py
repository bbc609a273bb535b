"""Pages of sharing: the feed, a post with its comments, the new-post form, likes and
moderation. Every post is fetched from `Post.objects.visible_to(access)` (moderation from
`moderated_by`), so one outside a person's audience is a 404.

The feed pages by keyset, (created_at, id) downwards from a cursor, so a page costs the
same however many posts lie before it; photos, like and comment counts and "I liked" come
with the page in a fixed number of queries.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.scoping import Access, access_for

from . import services
from .forms import CommentForm, PostForm
from .models import Comment, Like, Photo, Post

PAGE_SIZE = 10
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _count(model, **filters):
    rows = (
        model.objects.filter(post=OuterRef("pk"), **filters)
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def posts_for(access: Access):
    """Visible posts with everything a card shows: author, photos, counts, "I liked"."""
    member = access.member
    liked = (
        Exists(Like.objects.filter(post=OuterRef("pk"), member=member))
        if member is not None
        else Value(False)
    )
    return (
        Post.objects.visible_to(access)
        .select_related("author", "author__unit", "unit")
        .annotate(
            like_count=_count(Like),
            comment_count=_count(Comment, is_hidden=False),
            liked=liked,
        )
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("order", "pk")))
    )


def _mark(posts, access: Access) -> None:
    for post in posts:
        post.can_moderate = access.organises_unit(post.unit)


def encode_cursor(post: Post) -> str:
    micros = (post.created_at - EPOCH) // datetime.timedelta(microseconds=1)
    return f"{micros}.{post.pk}"


def decode_cursor(value: str | None) -> tuple[datetime.datetime, int] | None:
    if not value:
        return None
    try:
        micros, pk = (int(part) for part in value.split(".", 1))
        return EPOCH + datetime.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- the feed ---------------------------------------------------------------------------------
def feed(request):
    access = access_for(request.user)
    newest = Post.objects.visible_to(access).order_by("-created_at", "-pk")
    cursor = decode_cursor(request.GET.get("before"))
    if cursor is not None:
        created_at, pk = cursor
        newest = newest.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    # The page's ids first, then their rows with authors, photos and counts: asked in one
    # query, the database joined every readable post to its author before keeping a page.
    ids = list(newest.values_list("pk", flat=True)[: PAGE_SIZE + 1])
    page = list(posts_for(access).filter(pk__in=ids).order_by("-created_at", "-pk"))
    older = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        older = encode_cursor(page[-1])
    _mark(page, access)
    return render(
        request,
        "sharing/feed.html",
        {
            "posts": page,
            "older": older,
            "paged": cursor is not None,
            "can_post": access.is_member,
            "has_audience": access.is_member or access.is_organiser,
        },
    )


# --- one post ---------------------------------------------------------------------------------
def _comments(access: Access, post: Post):
    comments = Comment.objects.filter(post=post).select_related("author")
    if post.can_moderate:
        return comments
    shown = Q(is_hidden=False)
    if access.member is not None:
        shown |= Q(author=access.member)
    return comments.filter(shown)


def _detail(request, access: Access, post: Post, comment_form=None, status: int = 200):
    _mark([post], access)
    return render(
        request,
        "sharing/detail.html",
        {
            "post": post,
            "comments": list(_comments(access, post)),
            "comment_form": comment_form or CommentForm(),
            "can_take_part": access.is_member,
        },
        status=status,
    )


def detail(request, pk: int):
    access = access_for(request.user)
    post = get_object_or_404(posts_for(access), pk=pk)
    return _detail(request, access, post)


def new_post(request):
    access = access_for(request.user)
    if not access.is_member:
        messages.error(request, _("Only members on the roll can share here."))
        return redirect("sharing:feed")
    if request.method == "POST":
        form = PostForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                post = services.post_create(
                    author=access.member,
                    text=form.cleaned_data["text"],
                    audience=form.cleaned_data["audience"],
                    photos=form.cleaned_data["photos"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Shared. Your colleagues can see it now."))
                return redirect(post.get_absolute_url())
        status = 400
    else:
        form = PostForm()
        status = 200
    return render(
        request,
        "sharing/new.html",
        {"form": form, "branch": access.member.unit, "committee": _committee(access)},
        status=status,
    )


def _committee(access: Access):
    return services.top_committee(access.member.unit)


@require_POST
def like(request, pk: int):
    access = access_for(request.user)
    post = get_object_or_404(Post.objects.visible_to(access), pk=pk)
    if not access.is_member:
        if _wants_json(request):
            return JsonResponse({"error": _("Only members on the roll can like.")}, status=403)
        messages.error(request, _("Only members on the roll can like."))
        return redirect(post.get_absolute_url())
    liked, count = services.like_toggle(post=post, member=access.member)
    if _wants_json(request):
        return JsonResponse({"liked": liked, "count": count})
    return redirect(_safe_next(request, post.get_absolute_url()) + f"#post-{post.pk}")


@require_POST
def comment(request, pk: int):
    access = access_for(request.user)
    post = get_object_or_404(posts_for(access), pk=pk)
    if not access.is_member:
        messages.error(request, _("Only members on the roll can comment."))
        return redirect(post.get_absolute_url())
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            created = services.comment_create(
                post=post, author=access.member, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(post.get_absolute_url() + f"#comment-{created.pk}")
    return _detail(request, access, post, comment_form=form, status=400)


# --- moderation -------------------------------------------------------------------------------
@require_POST
def hide_post(request, pk: int):
    """Organisers in scope hide a post (it is kept, its author still sees it) or show it."""
    access = access_for(request.user)
    post = get_object_or_404(Post.objects.moderated_by(access), pk=pk)
    hidden = not post.is_hidden
    services.post_set_hidden(post=post, hidden=hidden, by=request.user)
    if hidden:
        messages.success(request, _("The post is hidden. It is kept and can be shown again."))
    else:
        messages.success(request, _("The post is shown again."))
    return redirect(_safe_next(request, post.get_absolute_url()))


@require_POST
def hide_comment(request, pk: int):
    access = access_for(request.user)
    target = get_object_or_404(
        Comment.objects.filter(post__in=Post.objects.moderated_by(access)).select_related("post"),
        pk=pk,
    )
    hidden = not target.is_hidden
    services.comment_set_hidden(comment=target, hidden=hidden, by=request.user)
    if hidden:
        messages.success(request, _("The comment is hidden. It is kept and can be shown again."))
    else:
        messages.success(request, _("The comment is shown again."))
    return redirect(target.post.get_absolute_url() + f"#comment-{target.pk}")
