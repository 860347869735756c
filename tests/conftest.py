"""Database fixtures: one PostgreSQL server per test session, every test isolated.

The server is the embedded one, or — when `DATABASE_URL` is set — the server that URL names, so
the suite proves the library on the PostgreSQL an operator actually runs. A role with CREATEDB is
enough there: every test database is created from (and dropped back into) that server by this
file, named `dbauthz_test_*`, and cloned from a template `dbauthz_tpl_<hash>` whose name carries a
hash of `migrations/`, so a template built from other migrations is never reused (older ones this
suite made are dropped when unused).

* `pg_server`  where test databases live (`TestServer`);
* `embedded_server` the shared embedded server (skips when the suite runs on `DATABASE_URL`);
* `engine`     an engine on this worker's database, cloned from the migrated template;
* `conn`       a connection inside a transaction that is rolled back after the test;
* `new_database` a factory for throwaway databases (from the template, or empty) for tests that
  must commit or migrate;
* `make_role`  a factory for login roles (skips unless the server lets us create roles: the
  embedded server does, a CREATEDB-only `DATABASE_URL` role does not).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from querier.db import DATABASE_URL_ENV, create_engine, parse_database_url
from querier.embedded import EmbeddedPostgres, ServerInfo
from querier.migrate import ROOT, upgrade

TEST_DB_PREFIX = "dbauthz_test_"
TEMPLATE_PREFIX = "dbauthz_tpl_"
_TEMPLATE_LOCK_KEY = 0x6462617574687A  # pg_advisory_lock key: one template build at a time

NewDatabase = Callable[..., Engine]


@dataclass(frozen=True, slots=True)
class TestServer:
    """Where test databases are made: `admin_url` names a database to connect to for that."""

    __test__ = False  # not a test class, whatever its name

    admin_url: URL
    embedded: ServerInfo | None
    template: str

    def url(self, database: str) -> URL:
        return self.admin_url.set(database=database)


def external_database_url() -> URL | None:
    """`DATABASE_URL` when the suite runs on an operator's server, else None (embedded)."""
    raw = os.environ.get(DATABASE_URL_ENV)
    return parse_database_url(raw) if raw else None


def skip_unless_embedded() -> None:
    """For tests that only make sense on the embedded server (its files, its processes)."""
    if os.environ.get(DATABASE_URL_ENV):
        pytest.skip(f"embedded server only ({DATABASE_URL_ENV} is set)")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def migrations_digest() -> str:
    """A hash of every file alembic reads: a changed migration means a new template."""
    digest = hashlib.sha256()
    base = ROOT / "migrations"
    for path in sorted(base.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


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


def _admin(url: URL) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(server: TestServer, name: str, template: str | None = None) -> Engine:
    admin = _admin(server.admin_url)
    try:
        with admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        admin.dispose()
    return create_engine(server.url(name))


def drop_database(server: TestServer, name: str) -> None:
    admin = _admin(server.admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def ensure_template(admin_url: URL, template: str) -> None:
    """Build the migrated template unless it exists; drop this suite's stale ones.

    Built under a temporary name and renamed when complete, so a session killed halfway never
    leaves a half-migrated template behind that a later one would trust. An advisory lock
    serialises xdist workers and concurrent sessions on the same server.
    """
    admin = _admin(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _TEMPLATE_LOCK_KEY})
            try:
                names = set(
                    conn.execute(
                        sa.text(
                            "SELECT datname FROM pg_database WHERE datname LIKE :p "
                            "AND pg_get_userbyid(datdba) = current_user"
                        ),
                        {"p": TEMPLATE_PREFIX + "%"},
                    ).scalars()
                )
                legacy = conn.execute(  # the name earlier versions of this file reused forever
                    sa.text(
                        "SELECT datname FROM pg_database WHERE datname = 'dbauthz_template' "
                        "AND pg_get_userbyid(datdba) = current_user"
                    )
                ).scalars()
                for stale in sorted((names | set(legacy)) - {template}):
                    # without FORCE: a template another session is cloning stays
                    with suppress(DBAPIError):
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{stale}"'))
                if template not in names:
                    building = f"{template}_b{uuid.uuid4().hex[:8]}"
                    conn.execute(sa.text(f'CREATE DATABASE "{building}"'))
                    engine = create_engine(admin_url.set(database=building))
                    try:
                        upgrade(engine, "head")
                    finally:
                        engine.dispose()
                    conn.execute(sa.text(f'ALTER DATABASE "{building}" RENAME TO "{template}"'))
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _TEMPLATE_LOCK_KEY})
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestServer]:
    template = TEMPLATE_PREFIX + migrations_digest()
    external = external_database_url()
    if external is not None:
        ensure_template(external, template)
        yield TestServer(admin_url=external, embedded=None, template=template)
        return
    root = _shared_root(tmp_path_factory)
    # The data dir sits outside pytest's root: another pytest session starting on the machine
    # re-chmods that root to 0700 (locking out the server's system user) and prunes old
    # session dirs (deleting a running server's files).
    base = Path(tempfile.gettempdir()) / f"dbauthz-pytest-{_digest(str(root))}"
    with _file_lock(root / "pg.lock"):
        server = EmbeddedPostgres(base)
        info = server.start()
    admin_url = make_url(info.sqlalchemy_url("postgres"))
    ensure_template(admin_url, template)
    yield TestServer(admin_url=admin_url, embedded=info, template=template)
    with _file_lock(root / "pg.lock"):
        server.stop()
        if not (server.pgdata / "postmaster.pid").exists():  # we were the last one out
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def embedded_tmp() -> Iterator[Path]:
    """A temp dir for a test's own embedded server, outside pytest's `tmp_path` root.

    Run as root, the server's system user must traverse every parent folder; any pytest session
    starting on the machine re-chmods its shared root (`/tmp/pytest-of-root`) to 0700, which
    locks that user out of a server started under it.
    """
    with tempfile.TemporaryDirectory(prefix="dbauthz-embedded-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def embedded_server(pg_server: TestServer) -> ServerInfo:
    """The shared embedded server, for tests about its files and processes."""
    skip_unless_embedded()
    assert pg_server.embedded is not None
    return pg_server.embedded


@pytest.fixture(scope="session")
def new_database(pg_server: TestServer) -> Iterator[NewDatabase]:
    """`new_database()` clones the migrated template; `new_database(empty=True)` is bare."""
    made: list[tuple[str, Engine]] = []

    def make(*, empty: bool = False) -> Engine:
        name = f"{TEST_DB_PREFIX}{uuid.uuid4().hex[:16]}"
        engine = create_database(pg_server, name, None if empty else pg_server.template)
        made.append((name, engine))
        return engine

    yield make
    for name, engine in made:
        engine.dispose()
        drop_database(pg_server, name)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    password: str

    def url(self, server: TestServer, database: str) -> URL:
        return server.url(database).set(username=self.name, password=self.password)


MakeRole = Callable[[], Role]


@pytest.fixture
def make_role(pg_server: TestServer) -> Iterator[MakeRole]:
    admin = _admin(pg_server.admin_url)
    made: list[Role] = []
    try:
        with admin.connect() as conn:
            allowed = conn.execute(
                sa.text(
                    "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
                )
            ).scalar()
        if not allowed:
            pytest.skip("needs a role that may create roles; this DATABASE_URL's role may not")

        def make() -> Role:
            role = Role(f"dbauthz_role_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex)
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE ROLE {role.name} LOGIN PASSWORD '{role.password}'"))
            made.append(role)
            return role

        yield make
    finally:
        with admin.connect() as conn:
            for role in made:
                with suppress(DBAPIError):  # still granted something in a live database
                    conn.execute(sa.text(f"DROP ROLE IF EXISTS {role.name}"))
        admin.dispose()


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
