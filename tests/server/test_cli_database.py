"""Operator mistakes around the database end in one `error:` line and exit 1, for `dbauthz` and
for `alembic`: bad URLs, missing rights, a database newer than the code — passwords redacted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV, redact_url
from querier.migrate import head_revisions
from server.cli import MIGRATE_ENV
from server.cli import app as cli
from tests.conftest import MakeRole, NewDatabase, TestServer

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-pw"


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def alembic(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(exit_code: int, stderr: str, *fragments: str) -> str:
    lines = stderr.strip().splitlines()
    assert exit_code == 1, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert SECRET not in stderr
    return lines[0]


def cli_error(result: Result, *fragments: str) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return one_line(result.exit_code, result.stderr, *fragments)


BAD_URLS = [
    (f"postgresql+psycopg://app:{SECRET}@127.0.0.1:abc/dbauthz", "port must be a number"),
    (f"postgresql+psycopg://app:{SECRET}@[::1/dbauthz", "IPv6"),
    (f"postgresql+psycopg://app:{SECRET}@127.0.0.1/dbauthz?sslmod=require", "'sslmode'"),
    (f"postgresql+psycopg://app@127.0.0.1:1/dbauthz?password={SECRET}", "cannot connect"),
    (f"postgresql+psycopg:///dbauthz?host=/nonexistent&user=app&password={SECRET}", "***"),
    (f"postgresql+psycopg://app@127.0.0.1:1/dbauthz?sslpassword={SECRET}", "sslpassword=***"),
]


@pytest.mark.parametrize(("url", "fragment"), BAD_URLS)
def test_a_bad_url_is_one_line_without_the_password(url: str, fragment: str) -> None:
    cli_error(run({DATABASE_URL_ENV: url}, "users", "list"), fragment)


@pytest.mark.parametrize(("url", "fragment"), BAD_URLS[:3])
def test_alembic_with_a_bad_url_is_one_line(url: str, fragment: str) -> None:
    done = alembic({DATABASE_URL_ENV: url}, "upgrade", "head")
    one_line(done.returncode, done.stderr, fragment)


def test_redaction_covers_user_info_and_secret_looking_query_values() -> None:
    raw = (
        f"postgresql+psycopg://app:{SECRET}@h/db?password={SECRET}&api_token={SECRET}"
        f"&sslkey=/k&application_name=visible"
    )
    for shown in (redact_url(raw), redact_url(sa.engine.make_url(raw))):
        assert SECRET not in shown
        assert "application_name=visible" in shown
        assert "app:***@h" in shown


def test_a_date_out_of_range_is_one_line(new_database: NewDatabase) -> None:
    env = {DATABASE_URL_ENV: url_of(new_database())}
    assert run(env, "users", "create", "al@example.com", "al").exit_code == 0
    cli_error(run(env, "users", "token", "al", "--days", "3000000"), "out of range")


def test_db_status_names_the_server_redacted(new_database: NewDatabase) -> None:
    url = new_database().url.update_query_dict({"application_name": "status-test"})
    result = run({DATABASE_URL_ENV: url.render_as_string(hide_password=False)}, "db", "status")
    assert result.exit_code == 0, result.output
    assert f"server:  {redact_url(url)} (DATABASE_URL)" in result.stdout
    assert "application_name=status-test" in result.stdout
    if url.password:
        assert url.password not in result.output


# --- a database newer than this program ------------------------------------------------------


@pytest.fixture
def newer_env(new_database: NewDatabase) -> dict[str, str]:
    engine = new_database()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    return {DATABASE_URL_ENV: url_of(engine)}


@pytest.mark.parametrize(
    "args",
    [
        ["db", "status"],
        ["db", "migrate"],
        ["db", "downgrade", "0001"],
        ["users", "list"],
        ["serve", "--port", "0", "--migrate"],
        ["serve", "--port", "0", "--no-migrate"],
    ],
)
def test_a_database_newer_than_the_code_is_refused(
    newer_env: dict[str, str], args: list[str]
) -> None:
    line = cli_error(run(newer_env, *args), "9999_future", "newer than this program")
    assert f"(head {head_revisions()[0]})" in line


def test_alembic_refuses_a_newer_database(newer_env: dict[str, str]) -> None:
    done = alembic(newer_env, "upgrade", "head")
    one_line(done.returncode, done.stderr, "9999_future", "newer than this program")


# --- serve: migrate or refuse -------------------------------------------------------------------


def test_serve_refuses_a_schema_behind_head_unless_told_to_migrate(
    new_database: NewDatabase,
) -> None:
    env = {DATABASE_URL_ENV: url_of(new_database(empty=True))}
    cli_error(run(env, "serve", "--port", "0"), "behind head")  # external: no silent migration
    cli_error(run(env, "serve", "--port", "0", "--no-migrate"), "behind head")
    cli_error(run({**env, MIGRATE_ENV: "0"}, "serve", "--port", "0"), "behind head")
    cli_error(run({**env, MIGRATE_ENV: "maybe"}, "serve", "--port", "0"), MIGRATE_ENV)
    assert run(env, "db", "status").exit_code == 1  # nothing was migrated


# --- missing rights ------------------------------------------------------------------------------


def test_a_role_without_schema_rights_cannot_migrate_one_line(
    pg_server: TestServer, new_database: NewDatabase, make_role: MakeRole
) -> None:
    empty = new_database(empty=True)
    with empty.begin() as conn:  # PostgreSQL 14 still lets PUBLIC create in `public`
        conn.execute(sa.text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    role = make_role()
    url = role.url(pg_server, empty.url.database or "")
    env = {DATABASE_URL_ENV: url.render_as_string(hide_password=False)}
    cli_error(run(env, "db", "migrate"), "permission denied", "owns the schema")
    cli_error(run(env, "serve", "--port", "0", "--migrate"), "permission denied")
    done = alembic(env, "upgrade", "head")
    one_line(done.returncode, done.stderr, "permission denied")
    assert role.password not in done.stderr
