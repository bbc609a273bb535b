"""The portal's search page, /search/?q=…: lessons, notices, stories, shared posts, people
and units, each only as far as the person may see them.

Each app answers through `<app>/search.py: search(access, q, limit) -> list[dict]` with the
keys kind, title, url, snippet, date (plain text: this page escapes it and marks the
match). An app without such a module is skipped. Every kind costs one query whatever the
number of rows, and each group is capped; a group that has more says so.

Matching is `icontains` (LIKE) on the real tables, not a full-text index: SQLite's FTS5
trigram tokenizer finds nothing for one- and two-character terms, and most Chinese words
(党委, 支部, a given name) are two characters (STACK.md).
"""

from __future__ import annotations

import re
from importlib import import_module

from django.apps import apps
from django.shortcuts import render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.scoping import access_for

MAX_QUERY = 50
GROUP_CAP = 10

# The apps asked, and the kinds in the order of the groups on the page.
PROVIDERS = ("lessons", "notices", "campaigns", "sharing", "members")
KINDS = (
    ("lesson", gettext_lazy("Lessons")),
    ("notice", gettext_lazy("Notices")),
    ("story", gettext_lazy("Model stories")),
    ("post", gettext_lazy("Shared posts")),
    ("person", gettext_lazy("People")),
    ("unit", gettext_lazy("Units")),
)


def highlight(text: str, q: str) -> SafeString:
    """`text` escaped, with every case-insensitive occurrence of `q` wrapped in <mark>.
    The text is split on the match first and each piece escaped, so neither the text nor
    the query can bring markup (nor cut an entity in half)."""
    text = text or ""
    if not q:
        return escape(text)
    pieces = re.split(f"({re.escape(q)})", text, flags=re.IGNORECASE)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(format_html("<mark>{}</mark>", piece))
        else:
            out.append(escape(piece))
    # Every piece is escaped above.
    return mark_safe("".join(out))


def _providers():
    for label in PROVIDERS:
        if not apps.is_installed(label):
            continue
        name = f"{label}.search"
        try:
            module = import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise  # a broken import inside an app's search.py must not hide its results
            continue
        yield module.search


def run_search(access, q: str, cap: int = GROUP_CAP) -> list[dict]:
    """The groups of results for `q`, in KINDS order, empty groups left out."""
    found: dict[str, list[dict]] = {}
    for search in _providers():
        for result in search(access, q, limit=cap + 1):
            found.setdefault(result["kind"], []).append(result)
    groups = []
    for kind, label in KINDS:
        results = found.pop(kind, [])
        if results:
            groups.append(_group(kind, label, results, q, cap))
    for kind, results in found.items():  # a kind this page does not name yet
        groups.append(_group(kind, kind, results, q, cap))
    return groups


def _group(kind, label, results, q, cap) -> dict:
    shown = results[:cap]
    for result in shown:
        result["title_html"] = highlight(result["title"], q)
        result["snippet_html"] = highlight(result.get("snippet") or "", q)
    return {"kind": kind, "label": label, "results": shown, "more": len(results) > cap}


def search(request):
    access = access_for(request.user)
    # NUL cannot be stored or searched for (PostgreSQL refuses it in a query): drop it.
    q = " ".join((request.GET.get("q") or "").replace("\x00", " ").split())
    error = ""
    groups: list[dict] = []
    if len(q) > MAX_QUERY:
        error = _("The search is too long: use at most %(max)d characters.") % {"max": MAX_QUERY}
    elif q:
        groups = run_search(access, q)
    return render(
        request,
        "search/results.html",
        {
            "q": q,
            "error": error,
            "groups": groups,
            "searched": bool(q) and not error,
            "cap": GROUP_CAP,
            "max_query": MAX_QUERY,
        },
        status=400 if error else 200,
    )
