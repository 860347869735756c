"""The README's two roles, exactly as written there: the migrator migrates, the runtime role
serves the API and runs the CLI with data rights only — and cannot change the schema."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV, create_engine
from querier.migrate import head_revisions
from server.app import create_app
from server.cli import app as cli
from server.settings import Settings
from tests.conftest import TestServer

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_roles_sql() -> str:
    """The one ```sql block of the README's Database section."""
    text = README.read_text()
    section = text[text.index("\n## Database\n") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the Database section should hold exactly one SQL block"
    return str(blocks[0])


@dataclass(frozen=True)
class Roles:
    database: str
    migrator: URL
    runtime: URL


def _statements(sql: str) -> list[str]:
    return [part.strip() for part in sql.split(";") if part.strip()]


@pytest.fixture
def roles(pg_server: TestServer) -> Iterator[Roles]:
    admin = create_engine(pg_server.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        if not conn.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            admin.dispose()
            pytest.skip(
                "the README's role SQL runs as a superuser; this DATABASE_URL's role is not"
            )
    tag = uuid.uuid4().hex[:10]
    names = {"dbauthz_migrator": f"lp_migrator_{tag}", "dbauthz_app": f"lp_app_{tag}"}
    database = f"lp_db_{tag}"
    sql = readme_roles_sql()
    for old, new in names.items():
        sql = sql.replace(old, new)
    sql = re.sub(r"\bdbauthz\b", database, sql)
    before, after = sql.split(f"\\c {database}\n")
    try:
        with admin.connect() as conn:
            for statement in _statements(before):
                conn.execute(sa.text(statement))
        inside = create_engine(
            pg_server.url(database), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        with inside.connect() as conn:
            for statement in _statements(after):
                conn.execute(sa.text(statement))
        inside.dispose()

        def url(role: str, password: str) -> URL:
            return pg_server.url(database).set(username=role, password=password)

        yield Roles(
            database=database,
            migrator=url(names["dbauthz_migrator"], "migrator-secret"),
            runtime=url(names["dbauthz_app"], "app-secret"),
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for name in names.values():
                with suppress(DBAPIError):
                    conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def cli_as(url: URL, *args: str) -> Result:
    env = {DATABASE_URL_ENV: url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_the_runtime_role_serves_and_runs_the_cli_but_cannot_migrate(roles: Roles) -> None:
    # The runtime role may not migrate: one line, before anything is touched.
    refused = cli_as(roles.runtime, "db", "migrate")
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert "permission denied" in refused.stderr
    ok(cli_as(roles.migrator, "db", "migrate"))

    # The CLI as the runtime role: status, users, roles, tokens.
    (head,) = head_revisions()
    assert f"current: {head}" in ok(cli_as(roles.runtime, "db", "status"))
    ok(cli_as(roles.runtime, "db", "migrate"))  # at head: nothing to do, nothing attempted
    token = ok(
        cli_as(roles.runtime, "users", "create", "ada@example.com", "ada", "-r", "chat-access")
    ).strip()
    ok(cli_as(roles.runtime, "users", "grant-role", "ada", "user-admin"))
    assert "ada" in ok(cli_as(roles.runtime, "users", "list"))

    # The server as the runtime role.
    engine: Engine = create_engine(roles.runtime)
    try:
        with TestClient(create_app(engine, Settings(experiments=frozenset({"agents"})))) as client:
            headers = {"Authorization": f"Bearer {token}"}
            created = client.post("/api/v2/chats", json={"title": "least"}, headers=headers)
            assert created.status_code == 201, created.text
            chat = created.json()["id"]
            message = client.post(
                f"/api/v2/chats/{chat}/messages",
                json={"role": "user", "content": "hello"},
                headers=headers,
            )
            assert message.status_code in (200, 201), message.text  # a sequence-backed id
            assert client.get("/api/v2/chats", headers=headers).json()[0]["id"] == chat
            assert client.delete(f"/api/v2/chats/{chat}", headers=headers).status_code == 204
            with engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(sa.text("CREATE TABLE intruder (id int)"))
    finally:
        engine.dispose()

    # A table a migration drops and re-creates keeps the runtime role's rights.
    ok(cli_as(roles.migrator, "db", "downgrade", "0002", "--yes"))
    ok(cli_as(roles.migrator, "db", "migrate"))
    fresh = ok(cli_as(roles.runtime, "users", "token", "ada", "--days", "1")).strip()
    assert fresh != token
