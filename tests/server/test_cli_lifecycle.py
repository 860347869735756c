"""CLI: tokens, user status, organizations and members; names validated exactly as the API
does; `serve --demo` refusing real data."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from querier.db import DATABASE_URL_ENV
from querier.generated.sql import SqlQuerier
from server.app import create_app
from tests import factories as f
from tests.conftest import NewDatabase
from tests.server.test_cli import ok, one_line_error, run


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase) -> Engine:
    return new_database()


@pytest.fixture(scope="module")
def env(engine: Engine) -> dict[str, str]:
    return {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def root_token(runner: CliRunner, env: dict[str, str]) -> str:
    return ok(
        run(runner, env, "users", "create", "root@example.com", "root", "-r", "owner")
    ).strip()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- one validation for the CLI and the API ----------------------------------------------------


@pytest.mark.parametrize(
    ("email", "username", "message"),
    [
        ("bad", "fine", "email must look like"),
        ("has space@example.com", "fine", "email must look like"),
        ("ctl\x01@example.com", "fine", "email must look like"),
        ("ok1@example.com", "has space", "username must be"),
        ("ok2@example.com", "bad\x07bell", "username must be"),
        ("ok3@example.com", "_under", "username must be"),
        ("ok4@example.com", "x" * 33, "username must be"),
    ],
)
def test_cli_and_api_refuse_the_same_names_with_the_same_message(
    runner: CliRunner,
    env: dict[str, str],
    engine: Engine,
    root_token: str,
    email: str,
    username: str,
    message: str,
) -> None:
    result = run(runner, env, "users", "create", email, username)
    one_line_error(result, message)
    cli_message = result.stderr.strip().removeprefix("error: ")
    with TestClient(create_app(engine)) as client:
        response = client.post(
            "/api/v2/users", headers=bearer(root_token), json={"email": email, "username": username}
        )
    assert response.status_code == 422
    assert cli_message in json.dumps(response.json(), ensure_ascii=False)


# --- tokens ------------------------------------------------------------------------------------


def test_tokens_list_and_revoke(runner: CliRunner, env: dict[str, str], engine: Engine) -> None:
    first = ok(run(runner, env, "users", "create", "tok@example.com", "tok")).strip()
    second = ok(run(runner, env, "users", "token", "tok")).strip()
    listed = ok(run(runner, env, "tokens", "list", "tok"))
    ids = [line.split()[0] for line in listed.splitlines()]
    assert ids == [first.split("-")[0], second.split("-")[0]]
    assert first.split("-", 1)[1] not in listed
    assert second.split("-", 1)[1] not in listed
    assert "revoked" in ok(run(runner, env, "tokens", "revoke", "tok", ids[0]))
    with TestClient(create_app(engine)) as client:
        assert client.get("/api/v2/users/me", headers=bearer(first)).status_code == 401
        assert client.get("/api/v2/users/me", headers=bearer(second)).status_code == 200
    one_line_error(run(runner, env, "tokens", "revoke", "tok", ids[0]), "has no token")
    one_line_error(run(runner, env, "tokens", "revoke", "root", ids[1]), "has no token")
    one_line_error(run(runner, env, "tokens", "list", "nobody"), "no user 'nobody'")


# --- users suspend / activate ------------------------------------------------------------------


def test_suspend_and_activate(runner: CliRunner, env: dict[str, str], engine: Engine) -> None:
    token = ok(run(runner, env, "users", "create", "sus@example.com", "sus")).strip()
    assert "sus is suspended" in ok(run(runner, env, "users", "suspend", "sus"))
    with TestClient(create_app(engine)) as client:
        assert client.get("/api/v2/users/me", headers=bearer(token)).status_code == 401
        assert "sus is active" in ok(run(runner, env, "users", "activate", "sus@example.com"))
        assert client.get("/api/v2/users/me", headers=bearer(token)).status_code == 200


def test_the_last_owner_is_one_error_line(runner: CliRunner, new_database: NewDatabase) -> None:
    engine = new_database()
    env = {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}
    ok(run(runner, env, "users", "create", "boss@example.com", "boss", "-r", "owner"))
    one_line_error(run(runner, env, "users", "suspend", "boss"), "last active owner")
    one_line_error(run(runner, env, "users", "revoke-role", "boss", "owner"), "last active owner")


# --- orgs --------------------------------------------------------------------------------------


def test_orgs_create_list_and_members(
    runner: CliRunner, env: dict[str, str], engine: Engine
) -> None:
    org_id = uuid.UUID(
        ok(run(runner, env, "orgs", "create", "acme", "--display-name", "Acme")).strip()
    )
    one_line_error(run(runner, env, "orgs", "create", "Bad Name"), "organization name must be")
    one_line_error(run(runner, env, "orgs", "create", "acme"), "already exists")
    assert f"{org_id}  acme" in ok(run(runner, env, "orgs", "list"))
    token = ok(run(runner, env, "users", "create", "mem@example.com", "mem")).strip()

    added = ok(
        run(runner, env, "orgs", "members", "add", "acme", "mem", "-r", "organization-admin")
    )
    assert "added mem to acme" in added
    one_line_error(run(runner, env, "orgs", "members", "add", str(org_id), "mem"), "already")
    with engine.connect() as conn:
        user = SqlQuerier(conn).get_user_by_email_or_username(email="mem", username="mem")
        roles = SqlQuerier(conn).get_organization_member(organization_id=org_id, user_id=user.id)
    assert roles.roles == ("organization-admin",)
    with TestClient(create_app(engine)) as client:
        assert client.get(f"/api/v2/organizations/{org_id}", headers=bearer(token)).is_success
        assert "removed mem from acme" in ok(
            run(runner, env, "orgs", "members", "remove", "acme", "mem")
        )
        assert (
            client.get(f"/api/v2/organizations/{org_id}", headers=bearer(token)).status_code == 404
        )
    one_line_error(run(runner, env, "orgs", "members", "remove", "acme", "mem"), "not a member")
    one_line_error(run(runner, env, "orgs", "members", "add", "nope", "mem"), "no organization")
    one_line_error(
        run(runner, env, "orgs", "members", "add", "acme", "mem", "-r", "owner"), "site role"
    )


# --- serve --demo ------------------------------------------------------------------------------


def test_serve_demo_refuses_a_database_with_a_real_user(
    runner: CliRunner, new_database: NewDatabase
) -> None:
    engine = new_database()
    with engine.begin() as conn:
        f.user(SqlQuerier(conn), "chat-access", name="alice")
    env = {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}
    result = run(runner, env, "serve", "--demo", "--port", "0")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "refusing to seed demo data" in errors[0]
    assert result.stderr.strip().splitlines()[-1] == errors[0]  # the last word, no traceback
    assert "Traceback" not in result.output
    assert result.stdout == ""  # no token printed, no server started
    with engine.connect() as conn:
        users = SqlQuerier(conn).get_users(page_limit=10, authorize_filter=sa.true())
    assert [u.username for u in users] == ["alice"]
