"""Extension points that let other apps add sections to the organisation's pages.

`members` imports neither `lessons` nor `campaigns`; instead they register here from their
AppConfig.ready(). A section function takes (request, access, obj) and returns a dict with a
"template" key and its context, or None to show nothing.

    from members import hooks
    hooks.member_sections.append(banner_history_for_member)   # obj is a Member
    hooks.unit_sections.append(banner_history_for_unit)       # obj is an OrgUnit
"""

from __future__ import annotations

from collections.abc import Callable

Section = Callable[..., dict | None]

member_sections: list[Section] = []
unit_sections: list[Section] = []


def collect(sections: list[Section], request, access, obj) -> list[dict]:
    result = []
    for section in sections:
        item = section(request, access, obj)
        if item:
            result.append(item)
    return result
