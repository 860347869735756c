"""Engines: from `DATABASE_URL`, or from the embedded PostgreSQL when it is unset.

One function decides where the database is (`database_url_from_env`) so the CLI, alembic and the
tests agree; errors that a user can cause (a malformed URL, an unreachable server, a schema behind
head) are raised as `DatabaseConfigError` with a one-line message, never a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from querier.embedded import EmbeddedPostgres, EmbeddedServerError, default_data_dir

DATABASE_URL_ENV = "DATABASE_URL"
APP_DATABASE = "dbauthz"


class DatabaseConfigError(RuntimeError):
    """A configuration or connectivity problem the user must fix; `str()` is the whole story."""


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where to connect, and the embedded server to stop afterwards, if we started one."""

    url: URL
    embedded: EmbeddedPostgres | None

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


_SECRET_NAME = re.compile(r"pass|secret|token|key|cred", re.IGNORECASE)
_REDACTED = "***"


def redact_url(url: URL | str) -> str:
    """A URL fit for a message or a log: the password and secret-looking query values hidden.

    Works on text that is not even a valid URL (the user-info part and every `name=value`
    whose name looks like a secret are masked), so an error about a bad URL leaks nothing.
    """
    if isinstance(url, URL):
        query = {
            name: (_REDACTED if _SECRET_NAME.search(name) else value)
            for name, value in url.query.items()
        }
        rendered = url.set(query=query).render_as_string(hide_password=True)
        # The query part comes URL-encoded; show the mask and socket paths as written.
        return rendered.replace("%2A%2A%2A", _REDACTED).replace("%2F", "/")
    text = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", rf"\1{_REDACTED}@", url)
    return re.sub(
        r"([?&;\s])([^=&;\s]+)=([^&;\s]*)",
        lambda m: m[0] if not _SECRET_NAME.search(m[2]) else f"{m[1]}{m[2]}={_REDACTED}",
        text,
    )


def _connection_options() -> frozenset[str]:
    """Every keyword the bundled libpq accepts (`?sslmode=…`, `?host=…`, …)."""
    from psycopg import pq

    return frozenset(d.keyword.decode() for d in pq.Conninfo.get_defaults())


def parse_database_url(raw: str) -> URL:
    """Accept only PostgreSQL URLs libpq can use, and always drive them with psycopg 3.

    Everything a connection attempt would reject with a traceback deep in a driver (a port that
    is not a number, an unknown `?option`) is refused here with one line naming the cause.
    """
    where = redact_url(raw)
    try:
        url = make_url(raw)
        port = url.port  # sqlalchemy parses it lazily on some paths; force it now
    except ArgumentError as exc:
        raise DatabaseConfigError(
            f"{DATABASE_URL_ENV} is not a valid database URL ({where}): {exc}"
        ) from None
    except ValueError:
        raise DatabaseConfigError(
            f"{DATABASE_URL_ENV} is not a valid database URL ({where}): the host or port is "
            "malformed (the port must be a number; an IPv6 host is written [::1])"
        ) from None
    if url.get_backend_name() != "postgresql":
        raise DatabaseConfigError(
            f"{DATABASE_URL_ENV} must be a PostgreSQL URL (postgresql+psycopg://…), "
            f"got {url.drivername!r}"
        )
    if url.drivername != "postgresql+psycopg":
        url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise DatabaseConfigError(f"{DATABASE_URL_ENV} must name a database ({where})")
    if port is not None and not 0 < port < 65536:
        raise DatabaseConfigError(f"{DATABASE_URL_ENV} has an invalid port {port} ({where})")
    known = _connection_options()
    for name, value in url.query.items():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DatabaseConfigError(
                f"{DATABASE_URL_ENV} has an unknown connection option {name!r}{hint} ({where})"
            )
        values = value if isinstance(value, tuple) else (value,)
        if name == "port" and not all(v.isdigit() and 0 < int(v) < 65536 for v in values):
            raise DatabaseConfigError(
                f"{DATABASE_URL_ENV} is not a valid database URL ({where}): "
                "the port must be a number"
            )
    return url


def resolve_database() -> DatabaseTarget:
    """`DATABASE_URL` when set; otherwise start (or attach to) the embedded server."""
    raw = os.environ.get(DATABASE_URL_ENV)
    if raw:
        return DatabaseTarget(url=parse_database_url(raw), embedded=None)
    embedded = EmbeddedPostgres(default_data_dir())
    try:
        info = embedded.start()
    except EmbeddedServerError as exc:
        raise DatabaseConfigError(str(exc)) from None
    except Exception as exc:
        raise DatabaseConfigError(
            f"could not start the embedded PostgreSQL in {embedded.pgdata}: {exc}"
        ) from exc
    url = make_url(info.sqlalchemy_url(APP_DATABASE))
    ensure_database(url)
    return DatabaseTarget(url=url, embedded=embedded)


def ensure_database(url: URL) -> None:
    """Create the database named in `url` if it does not exist (embedded server only)."""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()


DEFAULT_POOL_SIZE = 16
"""Connections per engine, and so per server worker: the request gate admits as many requests
into the database path at once (`server.gate`), so none ever waits for a connection while
holding a thread. Two workers on the embedded server (max_connections 100) use 32."""


def create_engine(url: URL | str, **kwargs: object) -> Engine:
    """An engine on psycopg 3, its pool sized for one server worker and for the test suite.

    `hide_parameters`: a failing statement's message (raised, and logged with a 500) names the
    SQL but never the bound values — those are message content, titles, token hashes.

    No pre-ping: a `SELECT 1` on every checkout is a round trip per request. A connection the
    server dropped (a restart, an outage) shows itself on its next use instead: psycopg marks it
    broken or closed, which SQLAlchemy's psycopg dialect classifies as a disconnect; it then
    invalidates that connection *and every pooled connection opened before the failure*
    (`invalidate_pool_on_disconnect`, on by default), that request answers 503, and the next
    ones connect afresh (`tests/server/test_outage.py`). `pool_recycle` retires connections an hour old (idle-session
    timeouts, load balancers), `max_overflow=0` keeps the pool the size it was given: overflow
    connections are closed on return, a reconnect per request under load.
    """
    if isinstance(url, str):
        url = parse_database_url(url)
    options: dict[str, object] = {"pool_pre_ping": False, "hide_parameters": True}
    if "poolclass" not in kwargs:
        options.update(pool_size=DEFAULT_POOL_SIZE, max_overflow=0, pool_recycle=3600)
    options.update(kwargs)
    return sa.create_engine(url, **options)


def first_line(exc: BaseException) -> str:
    """The driver's own first line for a database error (no SQL, no parameters, no hints)."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def check_connection(engine: Engine) -> None:
    """Fail with one clear line when the server cannot be reached or refuses us."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except DBAPIError as exc:
        where = redact_url(engine.url)
        raise DatabaseConfigError(f"cannot connect to {where}: {first_line(exc)}") from None


@contextmanager
def database_engine() -> Iterator[Engine]:
    """An engine on the configured database, torn down (embedded server included) on exit."""
    target = resolve_database()
    engine = create_engine(target.url)
    try:
        check_connection(engine)
        yield engine
    finally:
        engine.dispose()
        target.close()
