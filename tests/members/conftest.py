"""Fixtures of the admin, import and export tests: members in bulk and admin URLs."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from members.models import Member


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:members_{name}", args=args)


@pytest.fixture
def make_members():
    """make_members(unit, n) -> n plain full members of `unit`, in one bulk insert."""

    def make(unit, count: int, prefix: str = "成员") -> list[Member]:
        return Member.objects.bulk_create(
            Member(
                unit=unit,
                name=f"{prefix}{i:04d}",
                gender=Member.Gender.FEMALE if i % 2 else Member.Gender.MALE,
                stage=Member.Stage.FULL,
                applied_on=datetime.date(2010, 1, 1),
                full_on=datetime.date(2012, 7, 1),
            )
            for i in range(count)
        )

    return make
