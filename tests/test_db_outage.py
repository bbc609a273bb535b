"""A database that stops gives the friendly 503 page (Retry-After, logged once at WARNING,
no 500) and the portal recovers by itself when the database returns, without a restart.

On PostgreSQL a small TCP proxy stands between Django and the server, and the test cuts it
(listener and every open connection) and brings it back. On SQLite another connection takes a
write lock on the table every request reads (the test database is a shared in-memory one),
which SQLite answers with a real OperationalError ("database table is locked").

The test client disconnects Django's `close_old_connections` around its requests; the
fixture connects it again, as a real WSGI server runs it, because dropping the broken
connection at the end and start of a request is what makes the recovery automatic.
"""

from __future__ import annotations

import logging
import selectors
import socket
import sqlite3
import threading

import pytest
from django.core import mail
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection
from django.test import Client, RequestFactory

from partyportal.middleware import RETRY_AFTER_SECONDS, is_database_unavailable
from partyportal.views import server_error

FRIENDLY = "The portal is briefly unavailable"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the TCP proxy test needs PostgreSQL"
)
on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the table-lock test needs SQLite's shared cache"
)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database server until cut; restore() listens again
    on the same port. One thread, one selector, so that cut() is immediate and complete."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(listener,), daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    restore = start

    def _run(self, listener: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ, None)
        sockets = [listener]
        try:
            while not self._stop.is_set():
                for key, _events in selector.select(timeout=0.02):
                    if key.data is None:
                        client, _addr = listener.accept()
                        server = socket.create_connection(self.target)
                        for sock, peer in ((client, server), (server, client)):
                            sock.setblocking(True)
                            selector.register(sock, selectors.EVENT_READ, peer)
                            sockets.append(sock)
                        continue
                    try:
                        data = key.fileobj.recv(65536)
                        if data:
                            key.data.sendall(data)
                            continue
                    except OSError:
                        pass
                    for sock in (key.fileobj, key.data):  # one side closed: close both
                        if sock in sockets:
                            selector.unregister(sock)
                            sockets.remove(sock)
                            sock.close()
        finally:
            for sock in sockets:
                sock.close()
            selector.close()


@pytest.fixture
def wsgi_connection_handling():
    """Run close_old_connections at request start and end, as under gunicorn."""

    def close_old(**kwargs):
        close_old_connections()

    request_started.connect(close_old, dispatch_uid="test-db-outage-start")
    request_finished.connect(close_old, dispatch_uid="test-db-outage-finish")
    yield
    request_started.disconnect(dispatch_uid="test-db-outage-start")
    request_finished.disconnect(dispatch_uid="test-db-outage-finish")


@pytest.fixture
def proxy(transactional_db, wsgi_connection_handling):
    """The default connection, through a proxy that the test can cut."""
    real = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    tcp = TcpProxy(real["HOST"] or "127.0.0.1", int(real["PORT"] or 5432))
    tcp.start()
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(tcp.port))
    yield tcp
    tcp.cut()
    connection.close()
    connection.settings_dict.update(real)


def logged_in_client(org) -> Client:
    # The exceptions are answered by the portal, never re-raised into the test.
    client = Client(raise_request_exception=False)
    client.force_login(org.member_a.user)
    return client


def assert_friendly_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    content = response.content.decode()
    assert FRIENDLY in content
    assert "Traceback" not in content


def outage_records(caplog) -> tuple[list, list]:
    warnings = [r for r in caplog.records if r.name == "partyportal.database"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    return warnings, errors


@on_postgresql
def test_stopped_postgresql_gives_503_and_the_portal_recovers_by_itself(org, proxy, caplog):
    client = logged_in_client(org)
    assert client.get("/").status_code == 200

    proxy.cut()
    with caplog.at_level(logging.WARNING):
        response = client.get("/")
    assert_friendly_503(response)
    # The broken persistent connection was dropped at the end of the request.
    assert connection.connection is None
    warnings, errors = outage_records(caplog)
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert errors == []  # no ERROR, so no "500" e-mail to the admins
    assert mail.outbox == []

    # While it is down, a fresh connection is refused: still the same page.
    assert_friendly_503(client.get("/org/"))

    proxy.restore()
    assert client.get("/").status_code == 200
    assert client.get("/org/").status_code == 200


@on_postgresql
def test_connection_lost_mid_request_is_dropped_and_the_next_request_reconnects(org, proxy):
    client = logged_in_client(org)
    assert client.get("/").status_code == 200
    queries = 0

    def cut_after_the_login(execute, sql, params, many, context):
        # The session comes from the cache; the first query loads the user, the next ones
        # are the page's own: the database goes away in the middle of the request.
        nonlocal queries
        queries += 1
        if queries == 2:
            proxy.cut()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(cut_after_the_login):
        response = client.get("/")
    assert queries >= 2
    assert_friendly_503(response)
    assert connection.connection is None  # marked unusable by the failure, then closed

    proxy.restore()
    assert client.get("/").status_code == 200


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_locked_sqlite_database_gives_503_and_recovers(org, wsgi_connection_handling, caplog):
    client = logged_in_client(org)
    assert client.get("/").status_code == 200

    # Another connection to the same (shared-cache, in-memory) test database holds a write
    # lock on the users table: every request that reads a user fails.
    other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE auth_user SET last_name = last_name")
        with caplog.at_level(logging.WARNING):
            response = client.get("/")
        assert_friendly_503(response)
        warnings, errors = outage_records(caplog)
        assert len(warnings) == 1 and "locked" in warnings[0].getMessage()
        assert errors == []
        other.execute("ROLLBACK")
    finally:
        other.close()

    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_failure_in_the_page_gives_503_drawn_without_the_database(org):
    """A context processor's query fails: the 503 page itself makes no query."""
    client = logged_in_client(org)
    client.get("/")  # the user is loaded; the failing queries below are the page's
    calls = []

    def fail_page_queries(execute, sql, params, many, context):
        calls.append(sql)
        if "auth_user" in sql or "django_session" in sql:
            return execute(sql, params, many, context)
        raise OperationalError("terminating connection due to administrator command")

    with connection.execute_wrapper(fail_page_queries):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    # The person's language is kept, and the page was drawn from no query at all.
    assert '<html lang="zh-hans">' in response.content.decode()
    failing = [sql for sql in calls if "auth_user" not in sql and "django_session" not in sql]
    assert len(failing) == 1


def test_outage_raised_by_a_middleware_reaches_the_503_through_handler500():
    request = RequestFactory().get("/lessons/")
    try:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')
    except OperationalError:
        response = server_error(request)
    assert_friendly_503(response)

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


@pytest.mark.parametrize(
    "error, outage",
    [
        (OperationalError("server closed the connection unexpectedly"), True),
        (OperationalError("database is locked"), True),
        (OperationalError("no such table: members_member"), False),  # a missing migration
        (ValueError("not a database error"), False),
    ],
)
def test_only_an_unreachable_database_counts_as_an_outage(error, outage):
    assert is_database_unavailable(error) is outage
