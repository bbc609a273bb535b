"""The home page and the error pages: wiring that belongs to no single app."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _

from members.models import Member
from members.scoping import access_for

SITE_HEADER = _("Party Portal")
ADMIN_INDEX_TITLE = _("Records and appraisals")

# Apps contribute panels to the home page through a `home.panels(request, access)`
# function returning [{"template": ..., **context}]; the home page only lays them out.
PANEL_APPS = ("members", "notices", "lessons", "campaigns", "sharing")


def _panels(request, access) -> list[dict]:
    panels: list[dict] = []
    for label in PANEL_APPS:
        if not apps.is_installed(label):
            continue
        try:
            module = import_module(f"{label}.home")
        except ModuleNotFoundError:
            continue
        panels.extend(module.panels(request, access))
    return panels


def home(request):
    access = access_for(request.user)
    return render(
        request,
        "home.html",
        {"panels": _panels(request, access), "member": access.member, "Stage": Member.Stage},
    )


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request):
    # No request context: its processors query the database, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
