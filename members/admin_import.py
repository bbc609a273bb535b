"""The member admin's own pages: import (template, dry run, bad rows, commit), export, and
the intermediate pages of the transfer and leave actions.

The uploaded rows wait in the uploader's session between the dry run and the commit (never
in a file under MEDIA, which logged-in users can fetch), keyed by a token that the preview
page carries, so a second upload in another tab cannot be committed by mistake.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import resources, services
from .forms_admin import LeaveForm, MemberImportForm, TransferForm
from .models import Member
from .resources import FileError, ImportReport, Sheet, member_import

SESSION_KEY = "members_member_import"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: not for shared caches
    return response


def _context(model_admin, request, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "changelist_url": reverse("admin:members_member_changelist"),
        "template_url": reverse("admin:members_member_import_template"),
        **extra,
    }


def _require_import(model_admin, request) -> None:
    if not model_admin.has_import_permission(request):
        raise PermissionDenied


# --- import -----------------------------------------------------------------------------------
def import_view(model_admin):
    """Upload → dry run with every bad row and its reasons → commit, all or nothing."""

    def view(request):
        _require_import(model_admin, request)
        access = model_admin.access(request)
        form = MemberImportForm()
        if request.method == "POST" and "commit" in request.POST:
            return _commit(model_admin, request, access)
        if request.method == "POST":
            form = MemberImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    sheet = resources.read_sheet(upload.read(), upload.name)
                except FileError as error:
                    form.add_error("file", str(error))
                else:
                    report = member_import(
                        sheet=sheet, access=access, by=request.user, dry_run=True
                    )
                    token = secrets.token_urlsafe(16)
                    request.session[SESSION_KEY] = {
                        "token": token,
                        "filename": upload.name,
                        "sheet": sheet.to_session(),
                        "bad_rows": [
                            {"line": b.line, "reasons": b.reasons, "cells": b.cells}
                            for b in report.bad_rows
                        ],
                    }
                    return _preview(model_admin, request, report, token, upload.name)
        return TemplateResponse(
            request,
            "admin/members/member/import.html",
            _context(model_admin, request, _("Import members"), form=form),
        )

    return view


def _preview(model_admin, request, report: ImportReport, token: str, filename: str):
    return TemplateResponse(
        request,
        "admin/members/member/import_preview.html",
        _context(
            model_admin,
            request,
            _("Import members: check"),
            report=report,
            token=token,
            filename=filename,
            form=MemberImportForm(),
            bad_rows_url=reverse("admin:members_member_import_bad_rows") + f"?token={token}",
        ),
    )


def _stored(request, token: str | None) -> dict | None:
    stored = request.session.get(SESSION_KEY)
    if not stored or not token or not secrets.compare_digest(stored["token"], token):
        return None
    return stored


def _commit(model_admin, request, access):
    stored = _stored(request, request.POST.get("token"))
    if stored is None:
        messages.error(
            request, _("This import has expired or was replaced; upload the file again.")
        )
        return redirect("admin:members_member_import")
    sheet = Sheet.from_session(stored["sheet"])
    report = member_import(sheet=sheet, access=access, by=request.user, dry_run=False)
    if not report.ok:
        # The database changed since the dry run (say, an ID number was entered meanwhile).
        messages.error(request, _("Nothing was imported: some rows are no longer valid."))
        stored["bad_rows"] = [
            {"line": b.line, "reasons": b.reasons, "cells": b.cells} for b in report.bad_rows
        ]
        request.session[SESSION_KEY] = stored
        return _preview(model_admin, request, report, stored["token"], stored["filename"])
    del request.session[SESSION_KEY]
    messages.success(
        request,
        ngettext("Imported %(count)d member.", "Imported %(count)d members.", report.created)
        % {"count": report.created},
    )
    return redirect("admin:members_member_changelist")


def template_view(model_admin):
    def view(request):
        _require_import(model_admin, request)
        return _attachment(resources.template_xlsx(), "member-import-template.xlsx", XLSX_TYPE)

    return view


def bad_rows_view(model_admin):
    """The bad rows of the last dry run, as uploaded, with a column of reasons."""

    def view(request):
        _require_import(model_admin, request)
        stored = _stored(request, request.GET.get("token"))
        if stored is None or not stored["bad_rows"]:
            messages.error(request, _("There are no bad rows to download; upload the file again."))
            return redirect("admin:members_member_import")
        sheet = Sheet.from_session(stored["sheet"])
        report = ImportReport(
            total=len(sheet.rows),
            bad_rows=[
                resources.BadRow(line=b["line"], name="", reasons=b["reasons"], cells=b["cells"])
                for b in stored["bad_rows"]
            ],
        )
        return _attachment(
            resources.bad_rows_xlsx(sheet, report), "member-import-bad-rows.xlsx", XLSX_TYPE
        )

    return view


# --- export -----------------------------------------------------------------------------------
def export_choices() -> list[tuple[str, str]]:
    return list(resources.EXPORT_LABELS.items())


def export_view(model_admin):
    """The members of the changelist as filtered and searched, in the person's scope."""

    def view(request):
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        file_format = request.GET.pop("format", ["xlsx"])[-1]
        if file_format not in resources.EXPORT_FORMATS:
            file_format = "xlsx"
        changelist = model_admin.get_changelist_instance(request)
        members = changelist.get_queryset(request).select_related("unit")
        content = resources.members_export(
            members=members, access=model_admin.access(request), file_format=file_format
        )
        day = timezone.localdate().strftime("%Y%m%d")
        if file_format == "csv":
            # A byte-order mark so that Excel opens the Chinese text as UTF-8.
            return _attachment(
                content.encode("utf-8-sig"), f"members-{day}.csv", "text/csv; charset=utf-8"
            )
        return _attachment(content, f"members-{day}.xlsx", XLSX_TYPE)

    return view


# --- actions ----------------------------------------------------------------------------------
def _action_page(model_admin, request, queryset, *, form, action: str, title: str, intro: str):
    return TemplateResponse(
        request,
        "admin/members/member/action_form.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title,
            "intro": intro,
            "form": form,
            "members": queryset.select_related("unit"),
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _run_all(request, queryset, work) -> bool:
    """Apply `work(member)` to every selected member, all or nothing."""
    try:
        with transaction.atomic():
            for member in queryset.select_related("unit"):
                work(member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    return True


def transfer_action(model_admin, request, queryset):
    access = model_admin.access(request)
    queryset = queryset.filter(status=Member.Status.ACTIVE)
    form = TransferForm(request.POST if "apply" in request.POST else None, access=access)
    if form.is_valid():
        data = form.cleaned_data

        def work(member):
            services.member_transfer(
                member=member,
                on=data["on"],
                by=request.user,
                to_unit=data["to_unit"],
                to_outside=data["to_outside"],
                note=data["note"],
            )

        count = queryset.count()
        if count and _run_all(request, queryset, work):
            model_admin.message_user(
                request,
                ngettext(
                    "Recorded the transfer of %(count)d member.",
                    "Recorded the transfer of %(count)d members.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return None
    if not queryset.exists():
        model_admin.message_user(
            request, _("Only members on the roll can be transferred."), messages.WARNING
        )
        return None
    return _action_page(
        model_admin,
        request,
        queryset,
        form=form,
        action="transfer_action",
        title=_("Transfer members"),
        intro=_(
            "The members below move to the branch you choose (or leave the portal's "
            "organisation); their current posts end on the transfer date."
        ),
    )


def leave_action(model_admin, request, queryset):
    queryset = queryset.filter(status=Member.Status.ACTIVE)
    form = LeaveForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        data = form.cleaned_data

        def work(member):
            services.member_leave(
                member=member,
                status=data["status"],
                on=data["on"],
                by=request.user,
                note=data["note"],
            )

        count = queryset.count()
        if count and _run_all(request, queryset, work):
            model_admin.message_user(
                request,
                ngettext(
                    "Recorded that %(count)d member left the roll.",
                    "Recorded that %(count)d members left the roll.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return None
    if not queryset.exists():
        model_admin.message_user(
            request, _("Only members on the roll can leave it."), messages.WARNING
        )
        return None
    return _action_page(
        model_admin,
        request,
        queryset,
        form=form,
        action="leave_action",
        title=_("Record leaving the roll"),
        intro=_(
            "The members below leave the roll; their records are kept and their current "
            "posts end on the date you give."
        ),
    )
