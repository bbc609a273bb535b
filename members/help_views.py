"""Pages of the help requests (连心桥) under /org/help/.

Members file requests and follow their own; liaison officers and organisers work through a
queue in their scope. Every request is fetched from `access.help_requests()` (may open) or
`access.handled_help_requests()` (may act), so anyone else gets a 404 and learns nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import help as services
from .help_forms import HelpNoteForm, HelpQueueFilterForm, HelpRequestForm, HelpResolveForm
from .models import HelpRequest
from .scoping import access_for

PER_PAGE = 30


def _detail_url(help_request: HelpRequest) -> str:
    return help_request.get_absolute_url()


def help_mine(request):
    """The member's own requests, newest first, and the way to file one."""
    access = access_for(request.user)
    page = None
    if access.member is not None:
        mine = (
            HelpRequest.objects.filter(author=access.member)
            .select_related("unit")
            .order_by("-created_at", "-pk")
        )
        page = Paginator(mine, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/help_mine.html",
        {"page": page, "can_file": access.can_file_help(), "handles_help": access.handles_help},
    )


def help_new(request):
    access = access_for(request.user)
    if not access.can_file_help():
        if request.method == "POST":
            raise PermissionDenied
        return render(request, "members/help_new.html", {"form": None})
    form = HelpRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                help_request = services.help_request_create(
                    author=access.member, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Your request is sent to the liaison officer of your branch."),
                )
                return redirect(_detail_url(help_request))
        messages.error(request, _("The request was not sent: please correct the errors below."))
        return render(request, "members/help_new.html", {"form": form}, status=400)
    return render(request, "members/help_new.html", {"form": form})


def help_queue(request):
    """The requests a liaison officer or organiser follows up, oldest first."""
    access = access_for(request.user)
    if not access.handles_help:
        raise PermissionDenied
    handled = access.handled_help_requests()
    form = HelpQueueFilterForm(request.GET or None)
    requests = handled.select_related("author", "unit", "taken_by")
    status = HelpQueueFilterForm.OPEN
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Unknown filter: nothing is listed."))
        requests = requests.none()
    elif form.is_bound and form.cleaned_data["status"]:
        status = form.cleaned_data["status"]
    now = timezone.now()
    if status == HelpQueueFilterForm.OPEN:
        requests = requests.filter(status__in=HelpRequest.OPEN_STATUSES)
    elif status == HelpQueueFilterForm.UNTOUCHED:
        requests = requests.filter(services.untouched_q(now))
    else:
        requests = requests.filter(status=status)
    if status == HelpRequest.Status.RESOLVED:
        requests = requests.order_by("-resolved_at", "-pk")
    else:
        requests = requests.order_by("created_at", "pk")
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    for item in page:
        item.flagged = item.is_untouched(now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/help_queue.html",
        {
            "form": form,
            "status": status,
            "page": page,
            "query": query.urlencode(),
            "counts": services.help_counts(handled, now),
        },
    )


def _detail_context(access, help_request: HelpRequest, **forms) -> dict:
    handles = access.can_handle_help(help_request)
    notes = help_request.notes.select_related("author").order_by("created_at", "pk")
    if not handles:
        notes = notes.filter(visible_to_member=True)  # internal notes stay internal
    context = {
        "help_request": help_request,
        "handles": handles,
        "notes": notes,
        "flagged": help_request.is_untouched(),
    }
    if handles:
        context["note_form"] = forms.get("note_form") or HelpNoteForm()
        context["resolve_form"] = forms.get("resolve_form") or HelpResolveForm()
    return context


def help_detail(request, pk: int):
    access = access_for(request.user)
    help_request = get_object_or_404(
        access.help_requests().select_related("author", "unit", "taken_by", "resolved_by"),
        pk=pk,
    )
    return render(request, "members/help_detail.html", _detail_context(access, help_request))


def _handled(request, pk: int) -> HelpRequest:
    access = access_for(request.user)
    return get_object_or_404(
        access.handled_help_requests().select_related("author", "unit", "taken_by", "resolved_by"),
        pk=pk,
    )


def _refused(request, help_request: HelpRequest, error: ValidationError, **forms):
    for message in error.messages:
        messages.error(request, message)
    context = _detail_context(access_for(request.user), help_request, **forms)
    return render(request, "members/help_detail.html", context, status=400)


@require_POST
def help_take(request, pk: int):
    help_request = _handled(request, pk)
    try:
        services.help_request_take(help_request=help_request, by=request.user)
    except ValidationError as error:
        return _refused(request, help_request, error)
    messages.success(request, _("You are handling this request now."))
    return redirect(_detail_url(help_request))


@require_POST
def help_note(request, pk: int):
    help_request = _handled(request, pk)
    form = HelpNoteForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, help_request, ValidationError(_("The note was not added.")), note_form=form
        )
    try:
        note = services.help_request_add_note(
            help_request=help_request, by=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        form.add_error("text", error)
        return _refused(request, help_request, error, note_form=form)
    if note.visible_to_member:
        messages.success(request, _("The note is added; the member can read it."))
    else:
        messages.success(request, _("The internal note is added."))
    return redirect(_detail_url(help_request) + "#notes")


@require_POST
def help_resolve(request, pk: int):
    help_request = _handled(request, pk)
    form = HelpResolveForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            help_request,
            ValidationError(_("The request was not resolved.")),
            resolve_form=form,
        )
    try:
        services.help_request_resolve(
            help_request=help_request, by=request.user, summary=form.cleaned_data["summary"]
        )
    except ValidationError as error:
        return _refused(request, help_request, error, resolve_form=form)
    messages.success(request, _("The request is resolved; the member sees your summary."))
    return redirect(_detail_url(help_request))
