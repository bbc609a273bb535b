"""Moderation of sharing in the admin: organisers see the posts and comments addressed to
units in their scope, read them, and hide or show them again (kept either way). Nobody adds
or edits posts here; only a superuser deletes. Branch officers and members do not moderate.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from members.admin_scoping import ScopedAdmin
from members.scoping import Access, access_for

from . import services
from .models import Comment, Photo, Post


class ModerationAdmin(ScopedAdmin):
    organisers_only = True  # branch officers do not get this page

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)


class PhotoInline(admin.TabularInline):
    model = Photo
    fields = ("image", "order")
    readonly_fields = ("image", "order")
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        # Shown inside a post the organiser may already open (PostAdmin decides that).
        return access_for(request.user).is_organiser

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ModerationAdmin):
    list_display = (
        "short_text",
        "author",
        "unit",
        "audience",
        "photo_count",
        "created_at",
        "is_hidden",
    )
    # URL filters: audience__exact, audience__isnull, created_at__day, created_at__month, created_at__year, is_hidden__exact, is_hidden__isnull
    list_filter = ("is_hidden", "audience")
    list_select_related = ("author", "unit")
    search_fields = ("text", "author__name")
    date_hierarchy = "created_at"
    readonly_fields = (
        "author",
        "audience",
        "unit",
        "text",
        "created_at",
        "is_hidden",
        "hidden_by",
        "hidden_at",
    )
    inlines = [PhotoInline]
    actions = ["hide", "unhide"]

    def scope(self, access: Access):
        return Post.objects.moderated_by(access).annotate(n_photos=Count("photos"))

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.unit)

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:60]

    @admin.display(description=_("photos"))
    def photo_count(self, obj):
        return obj.n_photos

    @admin.action(description=_("Hide the selected posts"), permissions=["change"])
    def hide(self, request, queryset):
        for post in queryset.filter(is_hidden=False):
            services.post_set_hidden(post=post, hidden=True, by=request.user)
        messages.success(request, _("Hidden. The posts are kept and can be shown again."))

    @admin.action(description=_("Show the selected posts again"), permissions=["change"])
    def unhide(self, request, queryset):
        for post in queryset.filter(is_hidden=True):
            services.post_set_hidden(post=post, hidden=False, by=request.user)
        messages.success(request, _("The posts are shown again."))


@admin.register(Comment)
class CommentAdmin(ModerationAdmin):
    list_display = ("short_text", "author", "post", "created_at", "is_hidden")
    # URL filters: is_hidden__exact, is_hidden__isnull
    list_filter = ("is_hidden",)
    list_select_related = ("author", "post")
    search_fields = ("text", "author__name")
    readonly_fields = (
        "post",
        "author",
        "text",
        "created_at",
        "is_hidden",
        "hidden_by",
        "hidden_at",
    )
    actions = ["hide", "unhide"]

    def scope(self, access: Access):
        return Comment.objects.filter(post__in=Post.objects.moderated_by(access))

    def in_scope(self, access: Access, obj) -> bool:
        return access.organises_unit(obj.post.unit)

    @admin.display(description=_("comment"))
    def short_text(self, obj):
        return obj.text[:60]

    @admin.action(description=_("Hide the selected comments"), permissions=["change"])
    def hide(self, request, queryset):
        for comment in queryset.filter(is_hidden=False):
            services.comment_set_hidden(comment=comment, hidden=True, by=request.user)
        messages.success(request, _("Hidden. The comments are kept and can be shown again."))

    @admin.action(description=_("Show the selected comments again"), permissions=["change"])
    def unhide(self, request, queryset):
        for comment in queryset.filter(is_hidden=True):
            services.comment_set_hidden(comment=comment, hidden=False, by=request.user)
        messages.success(request, _("The comments are shown again."))
