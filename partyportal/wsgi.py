"""WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py partyportal.wsgi`."""

import contextlib
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Build, as a worker starts, what Django otherwise builds on its first requests.

    Django fills the URL reverse tables lazily, per language and per namespace, and loads
    each language's catalogue on first use: ~100 ms of the first request of every page type
    in every gunicorn worker (again after each `max_requests` restart), which a short load
    test or a quiet hour of the portal pays over and over.
    """
    from django.conf import settings
    from django.urls import NoReverseMatch, get_resolver, reverse
    from django.utils import translation

    def populate(resolver, namespace: str = "") -> None:
        # reverse() builds a prefixed resolver per namespace: only reversing fills it.
        names = [key for key in resolver.reverse_dict if isinstance(key, str)]
        if namespace and names:
            # Missing arguments fail the match; the table is built all the same.
            with contextlib.suppress(NoReverseMatch):
                reverse(f"{namespace}{names[0]}")
        for ns, (_prefix, sub) in resolver.namespace_dict.items():
            populate(sub, f"{namespace}{ns}:")

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            populate(get_resolver())


_warm_up()
