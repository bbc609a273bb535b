"""The organisation's panels on the home page: the person's unit, and an officer's to-do."""

from __future__ import annotations

from django.utils import timezone

from .models import Member
from .scoping import Access


def panels(request, access: Access) -> list[dict]:
    result: list[dict] = []
    if access.member is not None:
        result.append({"template": "members/_home_unit.html", "unit": access.member.unit})
    if access.is_officer:
        scope = access.members()
        overdue = list(
            scope.overdue_probationary(timezone.localdate())
            .select_related("unit")
            .order_by("probationary_on")[:10]
        )
        result.append(
            {
                "template": "members/_home_todo.html",
                "overdue": overdue,
                "overdue_count": scope.overdue_probationary().count()
                if len(overdue) == 10
                else len(overdue),
                "member_count": scope.filter(status=Member.Status.ACTIVE).count(),
            }
        )
    return result
