"""The wiring package as an app: its system checks, and the cache table made by `migrate`."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "partyportal"
    verbose_name = "Party Portal"

    def ready(self) -> None:
        from . import checks as portal_checks

        checks.register(portal_checks.shared_cache, checks.Tags.security, deploy=True)
        post_migrate.connect(_create_cache_table, sender=self)


def _create_cache_table(using: str = "default", **kwargs) -> None:
    # The database cache (CACHE_URL=db://, the default) needs its table: made here so that
    # `migrate` is all a new deployment runs. createcachetable skips a table that exists.
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
