"""A database that is down or unreachable is an outage, not a bug: the portal answers a short
"try again in a moment" page (503 with Retry-After) and recovers by itself when the
database is back.

Django's persistent connections do the recovering (CONN_MAX_AGE with conn_health_checks):
a query that fails marks the connection as errored, `close_old_connections` at the end and
the start of every request drops an errored or unhealthy connection, and the next request
opens a fresh one. This module only turns the failure into a friendly page, in three places:

- `process_view` loads the session and the user first, inside a try: that is where almost
  every request meets the database, and an exception raised by a middleware (here
  LoginRequiredMiddleware reading `request.user`) never reaches `process_exception`;
- `process_exception` for the view and the rendering of its template (context processors);
- `database_unavailable_response`, called by the handler500 in partyportal.views, for the
  rest (a session saved in SessionMiddleware's response phase, say).

The error is logged once, at WARNING, on the "partyportal.database" logger; Django's own
"django.request" ERROR (which mails the admins) is skipped, since nobody needs a traceback
for every request made while the database restarts.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("partyportal.database")

RETRY_AFTER_SECONDS = 30

# SQLite reports a missing table or column and bad SQL as OperationalError too: those are
# bugs or a forgotten `migrate`, which must reach the admins as a 500, not hide as an outage.
_NOT_AN_OUTAGE = ("no such table", "no such column", "syntax error", "has no column")


def is_database_unavailable(error: BaseException | None) -> bool:
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    text = str(error).lower()
    return not any(marker in text for marker in _NOT_AN_OUTAGE)


def database_unavailable_response(
    request: HttpRequest, error: BaseException | None
) -> HttpResponse | None:
    """The 503 page for a database outage, or None when `error` is something else."""
    if not is_database_unavailable(error):
        return None
    logger.warning(
        "Database unavailable, answered 503 to %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )
    # Rendered without the request: the context processors query the database.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above at WARNING; django.utils.log.log_response reads this flag and skips its
    # ERROR line (and the e-mail to the admins that would come with it).
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None:
            return None
        try:
            # Forces the lazy session and user now; LoginRequiredMiddleware would next.
            user.is_authenticated  # noqa: B018
        except (OperationalError, InterfaceError) as error:
            response = database_unavailable_response(request, error)
            if response is None:
                raise
            return response
        return None

    def process_exception(self, request, exception):
        return database_unavailable_response(request, exception)
