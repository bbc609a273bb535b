"""Which main-menu entry the current page belongs to, for the menu's aria-current."""

from __future__ import annotations

from functools import cache

from django import template
from django.urls import get_urlconf, reverse

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


@register.simple_tag(takes_context=True)
def menu_section(context) -> str:
    """The current page's menu entry (see `section`)."""
    request = context.get("request")
    return section(request.path) if request is not None else ""
