"""The home page and the error pages: wiring that belongs to no single app."""

from __future__ import annotations

import sys
from importlib import import_module

from django.apps import apps
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _

from members.models import Member
from members.scoping import access_for

from .middleware import database_unavailable_response

SITE_HEADER = _("Party Portal")
ADMIN_INDEX_TITLE = _("Records and appraisals")

# Members first see what they open the portal for (notices, lessons, banners); the
# organisation's own cards come after. To-do entries are gathered into one card whatever
# the order.
PANEL_APPS = ("notices", "lessons", "campaigns", "members", "sharing")


def _panels(request, access) -> list[dict]:
    panels: list[dict] = []
    for label in PANEL_APPS:
        if not apps.is_installed(label):
            continue
        try:
            module = import_module(f"{label}.home")
        except ModuleNotFoundError as error:
            if error.name != f"{label}.home":
                raise  # a broken import inside an app's home.py must not hide its panels
            continue
        panels.extend(module.panels(request, access))
    return panels


def _todo(panels: list[dict]) -> list[dict]:
    """Every panel's to-do entries, in one list: waiting work first (by app order), then
    the entries that only inform. Entries counting nothing are left out."""
    entries = [entry for panel in panels for entry in panel.get("todo", ())]
    entries = [entry for entry in entries if entry.get("count")]
    entries.sort(key=lambda entry: (not entry.get("urgent", False), entry.get("order", 50)))
    return entries


def home(request):
    """The home page: a greeting, one to-do card, then each app's panels.

    Apps contribute through `<app>/home.py: panels(request, access) -> list[dict]`, called in
    PANEL_APPS order. Each dict may have

    - ``template`` (with any other keys as its context, reached as ``panel.<key>``): a card of
      the page, rendered in order below the to-do card; and/or
    - ``todo``: a list of entries for the one "To do" card at the top, each
      ``{"label": str, "count": int, "url": str, "note": str = "", "urgent": bool = False,
      "order": int = 50, "details": [{"label": str, "url": str, "note": str}] = []}``.
      ``label`` reads as a heading ("Appraisal to score"), ``count`` is shown beside it and
      entries counting 0 are dropped; ``details`` name the few things behind the count (a
      campaign, a member; not "items", which a template would read as dict.items);
      ``urgent`` puts an entry first and marks it (a help request untouched for three days).
      A dict with only ``todo`` adds no card of its own.

    So the to-do card is one card whichever apps fill it, each app computes its own counts
    (a fixed number of queries, whatever the number of rows: tests/test_home_queries.py), and
    the card is shown to everyone who keeps records or handles work, with "nothing waiting"
    when it is empty.
    """
    access = access_for(request.user)
    panels = _panels(request, access)
    todo = _todo(panels)
    context = {
        "panels": [panel for panel in panels if panel.get("template")],
        "todo": todo,
        "show_todo": bool(todo) or access.is_officer,
        "member": access.member,
        "Stage": Member.Stage,
    }
    return render(request, "home.html", context)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request):
    # A database outage raised outside the view (by a middleware) gets the 503 page too.
    outage = database_unavailable_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    # No request context: its processors query the database, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
