"""Whole admin pages kept drawn per person: the member changelist and the score grid.

Django's admin draws its frame (the header, the side bar of apps, the actions form, the
changelist's query building) on every request: about 10 ms before any row at provincial
scale. A page a person opens again is served as it was drawn for them, while nothing it shows
changed: the entry is stamped with the version tokens of everything on it (`token_keys` from
the page: member figures, a campaign's scoring) and of everything around it (the person's
access and own token, Django's permissions behind the side bar). Its key holds the person,
the language, the path and query string, today's date and the login's flags.

Only a plain GET is kept, and only a 200 drawn from a template: a POST (an action, a save),
a redirect or an error is drawn each time. A request with messages waiting (after a save) is
drawn fresh and not kept, so a message is never kept nor lost. The page's forms (actions,
grid, log out) are drawn with person_cache's CSRF slot, filled with the request's own token
on every request. Off without a shared cache, like every per-person part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from . import person_cache, tokens
from .admin_site import PERMISSIONS_VERSION_KEY
from .scoping import ACCESS_VERSION_KEY

TIMEOUT = 10 * 60  # a bound on what a write outside the signals could leave


def _vary(request) -> str:
    user = request.user
    parts = (
        request.path,
        sorted(request.GET.lists()),
        timezone.localdate().isoformat(),  # "overdue", a scoring window closing at midnight
        (user.is_superuser, user.is_staff, user.is_active),
        person_cache.SLOTS,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _waiting_messages(request) -> bool:
    # len() loads the messages without marking them shown.
    return len(get_messages(request)) > 0


def kept(
    request,
    name: str,
    token_keys: Iterable[str],
    draw: Callable[[], HttpResponse],
    worth_keeping: Callable[[], bool] = lambda: True,
) -> HttpResponse:
    """`draw()`'s page, or the page drawn for this person before while no token changed.
    A page that is not `worth_keeping()` (a search, a page far down a list) is drawn each
    time: it is seldom asked twice, and a walk through a province's thousands of pages
    would fill the cache with a copy of each for every person."""
    if (
        not person_cache.enabled()
        or request.method != "GET"
        or not request.user.is_authenticated
        or _waiting_messages(request)
        or not worth_keeping()
    ):
        return draw()
    user = request.user
    key = person_cache.page_key(name, user.pk, _vary(request))
    keys = sorted(
        {
            *token_keys,
            ACCESS_VERSION_KEY,
            PERMISSIONS_VERSION_KEY,
            person_cache.person_token_key(user.pk),
        }
    )
    html, stamp = person_cache.lookup(user, key, keys)
    if html is not tokens.MISSING:
        return HttpResponse(person_cache.fill_csrf(request, html))
    response = draw()
    if (
        response.status_code != 200
        or not isinstance(response, SimpleTemplateResponse)
        or response.is_rendered
    ):
        return response
    response.context_data = {**(response.context_data or {}), "csrf_token": person_cache.CSRF_SLOT}
    response.render()
    html = response.content.decode(response.charset)
    if not _waiting_messages(request):  # drawing the page may have added one
        tokens.keep(key, stamp, html, TIMEOUT)
    response.content = person_cache.fill_csrf(request, html)
    return response
