"""The parts of the layout that every page draws alike: the main menu's links and the
language buttons, drawn once per process for each language, role and current section.

They are the same for everyone with the same language and roles, so drawing them on every
request (a dozen URL reversals and translations) cost more than many pages' own content. What
differs per request stays in the templates around them: the unread badge, the CSRF tokens of
the log-out and language forms, the address to come back to. Not kept while DEBUG is on, so
that an edited template shows at once.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Sections whose whole address is one page, by URL name, and sections that own every address
# under a prefix.
EXACT_SECTIONS = {
    "home": "home",
    "members:overview": "overview",
    "members:directory": "directory",
    "members:me": "me",
    "stats": "stats",
    "search": "search",
}
PREFIX_SECTIONS = (
    ("/lessons/", "lessons"),
    ("/campaigns/", "campaigns"),
    ("/org/help", "help"),
    ("/notices/", "notices"),
    ("/sharing/", "sharing"),
)

_drawn: dict[tuple, SafeString] = {}


@cache
def _exact_paths(urlconf: str | None) -> dict[str, str]:
    return {reverse(name, urlconf=urlconf): section for name, section in EXACT_SECTIONS.items()}


def section(path: str) -> str:
    """The menu entry that `path` belongs to ("" for none), marked as the current page."""
    exact = _exact_paths(get_urlconf()).get(path)
    if exact:
        return exact
    for prefix, name in PREFIX_SECTIONS:
        if path.startswith(prefix):
            return name
    return ""


def _drawn_once(key: tuple, template_name: str, context: dict) -> SafeString:
    if settings.DEBUG:
        return mark_safe(render_to_string(template_name, context))
    key = (template_name, get_language(), get_urlconf(), *key)
    html = _drawn.get(key)
    if html is None:
        html = _drawn[key] = mark_safe(render_to_string(template_name, context))
    return html


@register.simple_tag(takes_context=True)
def main_menu_links(context) -> SafeString:
    """The links of the main menu, the current one marked (includes/menu_links.html)."""
    access = context.get("access")
    request = context.get("request")
    flags = {
        "is_organiser": bool(getattr(access, "is_organiser", False)),
        "is_officer": bool(getattr(access, "is_officer", False)),
        "current": section(request.path) if request is not None else "",
    }
    return _drawn_once(tuple(flags.values()), "includes/menu_links.html", flags)


@register.simple_tag
def language_buttons() -> SafeString:
    """A button for each language other than the current one (includes/language_buttons.html)."""
    return _drawn_once((), "includes/language_buttons.html", {})
