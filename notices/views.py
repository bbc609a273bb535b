"""Pages of notices and notifications.

Notices are fetched from `Notice.objects.visible_to(access)` (or, for the read receipts, from
the notices a person keeps), so one outside a person's audience or scope is a 404. A
notification is fetched among the person's own. Views parse, call `services`, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lessons import progress
from members.scoping import Access, access_for

from . import services
from .forms import PreferencesForm
from .models import Notice, NoticeRead, Notification

NOTICES_PER_PAGE = 20
NOTIFICATIONS_PER_PAGE = 30
UNREAD_PER_PAGE = 50


def _read(user):
    return Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), person=user))


def tracked_notices(access: Access):
    """Notices whose read receipts a person follows: their own, and those of units they keep."""
    kept = Notice.objects.managed_by(access)
    if access.user is None:
        return kept
    return kept | Notice.objects.filter(author=access.user)


def notice_list(request):
    access = access_for(request.user)
    notices = (
        Notice.objects.visible_to(access)
        .select_related("unit")
        .defer("body")  # the list shows titles
        .annotate(is_read=_read(request.user))
        .order_by("-pinned", "-publish_at", "-pk")
    )
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page, "query": ""})


def notice_detail(request, pk: int):
    access = access_for(request.user)
    notice = get_object_or_404(
        Notice.objects.visible_to(access).select_related("unit", "author"), pk=pk
    )
    services.notice_mark_read(user=request.user, notice=notice)
    can_track = tracked_notices(access).filter(pk=notice.pk).exists()
    context = {
        "notice": notice,
        "attachments": list(notice.attachments.all()),
        "can_track": can_track,
    }
    if can_track:
        context["read"], context["expected"] = services.notice_receipts(notice)
    return render(request, "notices/detail.html", context)


def notice_reads(request, pk: int):
    """Read by x of y, and who has not read it yet: for the author and the unit's officers."""
    access = access_for(request.user)
    notice = get_object_or_404(tracked_notices(access).select_related("unit"), pk=pk)
    read, expected = services.notice_receipts(notice)
    unread = (
        notice.audience_users()
        .exclude(Exists(NoticeRead.objects.filter(notice=notice, person=OuterRef("pk"))))
        .select_related("member__unit")
        .order_by("member__unit__path", "member__name", "username")
    )
    page = Paginator(unread, UNREAD_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/reads.html",
        {
            "notice": notice,
            "read": read,
            "expected": expected,
            "percent": progress.percent(read, expected),
            "page": page,
            "query": "",
        },
    )


def inbox(request):
    notifications = Notification.objects.filter(recipient=request.user).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page, "query": ""})


@require_safe
def notification_open(request, pk: int):
    """Follow a notification from the inbox: it is read once its link is followed."""
    notification = get_object_or_404(Notification.objects.filter(recipient=request.user), pk=pk)
    services.notification_open(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notices:inbox")


@require_POST
def inbox_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notices:inbox")


def preferences(request):
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_save(
                user=request.user, email_kinds=form.cleaned_data["email_kinds"]
            )
            messages.success(request, _("Your e-mail settings are saved."))
            return redirect("notices:preferences")
    else:
        form = PreferencesForm(initial={"email_kinds": sorted(services.email_kinds(request.user))})
    return render(
        request,
        "notices/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
