"""System checks of the portal's own configuration (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def per_process_cache() -> bool:
    """Whether the default cache lives in one process only, unseen by the others."""
    return settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES


def shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not per_process_cache():
        return []
    return [
        checks.Warning(
            "CACHE_URL names a cache of one process only, so each gunicorn worker counts "
            "failed logins on its own and allows the full number of them.",
            hint="Leave CACHE_URL unset (db://, the portal's database) or set it to a "
            "shared Redis (redis://host:6379/0).",
            id="partyportal.W001",
        )
    ]
