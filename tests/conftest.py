"""Database fixtures: one embedded PostgreSQL per test session, every test isolated.

* `pg_server`  the server (shared by xdist workers through the wheel's refcount);
* `engine`     an engine on this worker's database, cloned from a template migrated to head;
* `conn`       a connection inside a transaction that is rolled back after the test;
* `new_database` a factory for throwaway databases (from the template, or empty) for tests that
  must commit or migrate.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from querier.db import create_engine
from querier.embedded import EmbeddedPostgres, ServerInfo
from querier.migrate import upgrade

TEMPLATE_DB = "dbauthz_template"

NewDatabase = Callable[..., Engine]


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _admin(server: ServerInfo) -> Engine:
    return create_engine(server.sqlalchemy_url("postgres"), isolation_level="AUTOCOMMIT")


def create_database(server: ServerInfo, name: str, template: str | None = None) -> Engine:
    admin = _admin(server)
    try:
        with admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        admin.dispose()
    return create_engine(server.sqlalchemy_url(name))


def drop_database(server: ServerInfo, name: str) -> None:
    admin = _admin(server)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    root = _shared_root(tmp_path_factory)
    with _file_lock(root / "pg.lock"):
        server = EmbeddedPostgres(root / "embedded-pg")
        info = server.start()
        admin = _admin(info)
        try:
            with admin.connect() as conn:
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": TEMPLATE_DB}
                ).scalar()
        finally:
            admin.dispose()
        if not exists:
            engine = create_database(info, TEMPLATE_DB)
            try:
                upgrade(engine, "head")
            finally:
                engine.dispose()
    yield info
    server.stop()


@pytest.fixture(scope="session")
def new_database(pg_server: ServerInfo) -> Iterator[NewDatabase]:
    """`new_database()` clones the migrated template; `new_database(empty=True)` is bare."""
    made: list[tuple[str, Engine]] = []

    def make(*, empty: bool = False) -> Engine:
        name = f"t_{uuid.uuid4().hex[:16]}"
        engine = create_database(pg_server, name, None if empty else TEMPLATE_DB)
        made.append((name, engine))
        return engine

    yield make
    for name, engine in made:
        engine.dispose()
        drop_database(pg_server, name)


@pytest.fixture(scope="session")
def engine(new_database: NewDatabase) -> Engine:
    return new_database()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()
