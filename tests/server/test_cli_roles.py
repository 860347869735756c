"""`dbauthz roles list --org`, `roles create`, `roles delete`, and assigning a custom role."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV
from querier.dbauthz.actors import load_subject
from querier.generated.sql import SqlQuerier
from server.cli import app as cli
from tests import factories as f
from tests.conftest import NewDatabase


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase) -> Engine:
    return new_database()


def run(engine: Engine, *args: str) -> Result:
    env = {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_create_list_assign_delete(engine: Engine) -> None:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        f.org(q, "acme")
        ada = f.user(q, name="ada")
    out = ok(run(engine, "roles", "create", "acme", "chat-reviewer", "--perm", "chat:read"))
    assert "created role chat-reviewer in acme: chat:read" in out
    listed = ok(run(engine, "roles", "list", "--org", "acme"))
    assert "organization-admin" in listed
    row = next(line for line in listed.splitlines() if "chat-reviewer" in line)
    assert "custom v1" in row
    assert "chat:read" in row
    assert "chat-reviewer" not in ok(run(engine, "roles", "list"))

    ok(run(engine, "users", "grant-role", "ada", "chat-reviewer", "--org", "acme"))
    with engine.connect() as conn:
        subject = load_subject(SqlQuerier(conn), ada.id)
    assert [d.name for d in subject.custom_roles] == ["chat-reviewer"]

    assert "1 member holds it" in error_line(
        run(engine, "roles", "delete", "acme", "chat-reviewer")
    )
    ok(run(engine, "users", "revoke-role", "ada", "chat-reviewer", "--org", "acme"))
    assert "deleted role chat-reviewer" in ok(
        run(engine, "roles", "delete", "acme", "chat-reviewer")
    )
    assert "no custom role" in error_line(run(engine, "roles", "delete", "acme", "chat-reviewer"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("owner", "--perm", "chat:read"), "built-in role name"),
        (("Bad", "--perm", "chat:read"), "malformed role name"),
        (("r", "--perm", "-chat:read"), "malformed permission"),
        (("r", "--perm", "chat:fly"), "chat:fly"),
        (("r",), "at least one --perm"),
    ],
)
def test_create_refuses_in_one_line(engine: Engine, args: tuple[str, ...], fragment: str) -> None:
    with engine.begin() as conn:
        org = f.org(SqlQuerier(conn))
    assert fragment in error_line(run(engine, "roles", "create", org.name, *args))
