"""Engines: from `DATABASE_URL`, or from the embedded PostgreSQL when it is unset.

One function decides where the database is (`database_url_from_env`) so the CLI, alembic and the
tests agree; errors that a user can cause (a malformed URL, an unreachable server, a schema behind
head) are raised as `DatabaseConfigError` with a one-line message, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from querier.embedded import EmbeddedPostgres, default_data_dir

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


def parse_database_url(raw: str) -> URL:
    """Accept only PostgreSQL URLs and always drive them with psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseConfigError(
            f"{DATABASE_URL_ENV} is not a valid database URL: {exc}"
        ) from None
    if url.get_backend_name() != "postgresql":
        raise DatabaseConfigError(
            f"{DATABASE_URL_ENV} must be a PostgreSQL URL (postgresql+psycopg://…), "
            f"got {url.drivername!r}"
        )
    if url.drivername != "postgresql+psycopg":
        url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise DatabaseConfigError(f"{DATABASE_URL_ENV} must name a database")
    return url


def resolve_database() -> DatabaseTarget:
    """`DATABASE_URL` when set; otherwise start (or attach to) the embedded server."""
    raw = os.environ.get(DATABASE_URL_ENV)
    if raw:
        return DatabaseTarget(url=parse_database_url(raw), embedded=None)
    embedded = EmbeddedPostgres(default_data_dir())
    try:
        info = embedded.start()
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


def create_engine(url: URL | str, **kwargs: object) -> Engine:
    """An engine on psycopg 3; pool settings suit a small service and the test suite."""
    if isinstance(url, str):
        url = parse_database_url(url)
    options: dict[str, object] = {"pool_pre_ping": True}
    if "poolclass" not in kwargs:
        options.update(pool_size=10, max_overflow=20)
    options.update(kwargs)
    return sa.create_engine(url, **options)


def check_connection(engine: Engine) -> None:
    """Fail with one clear line when the server cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseConfigError(f"cannot connect to {where}: {reason}") from None


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
