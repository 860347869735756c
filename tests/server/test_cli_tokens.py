"""CLI: `dbauthz tokens create` mints scoped tokens through the data layer's checks."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from querier.db import DATABASE_URL_ENV
from server.app import create_app
from server.settings import Settings
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
def target(runner: CliRunner, env: dict[str, str]) -> str:
    ok(run(runner, env, "users", "create", "bad@example.com", "bad"))
    return "bad"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_create_scoped_to_one_chat(
    runner: CliRunner, env: dict[str, str], engine: Engine
) -> None:
    full = ok(run(runner, env, "users", "create", "sc@example.com", "sc", "-r", "chat-access"))
    app = create_app(engine, Settings(experiments=frozenset({"agents"})))
    with TestClient(app) as client:
        x, y = (
            client.post("/api/v2/chats", headers=bearer(full.strip()), json={"title": t}).json()
            for t in ("x", "y")
        )
        result = run(
            runner, env, "tokens", "create", "sc", "--scope", "chat:read",
            "--allow", f"chat:{str(x['id']).upper()}", "--days", "2",
        )  # fmt: skip
        token = ok(result).strip()
        assert len(ok(result).splitlines()) == 1  # the token only, on stdout
        assert f"scopes chat:read on chat:{x['id']}" in result.stderr
        assert client.get(f"/api/v2/chats/{x['id']}", headers=bearer(token)).status_code == 200
        assert client.get(f"/api/v2/chats/{y['id']}", headers=bearer(token)).status_code == 404
        listed = client.get("/api/v2/chats", headers=bearer(token)).json()
        assert [c["id"] for c in listed] == [x["id"]]
        created = client.post("/api/v2/chats", headers=bearer(token), json={"title": "no"})
        assert created.status_code == 403
    rows = ok(run(runner, env, "tokens", "list", "sc")).splitlines()
    assert rows[0].endswith("scopes all on *:*")
    assert rows[1].startswith(token.split("-")[0])
    assert rows[1].endswith(f"scopes chat:read on chat:{x['id']}")


def test_tokens_create_defaults_to_unscoped(runner: CliRunner, env: dict[str, str]) -> None:
    ok(run(runner, env, "users", "create", "un@example.com", "un"))
    result = run(runner, env, "tokens", "create", "un")
    assert ok(result).strip()
    assert "scopes all on *:*" in result.stderr
    assert (
        "scopes chat:use, user:profile on *:*"
        in run(runner, env, "tokens", "create", "un", "-s", "chat:use", "-s", "user:profile").stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scope", "chat:fly", "--scope", "root"), "unknown scopes 'chat:fly', 'root'"),
        (("--allow", "chat:42"), "neither '*' nor a UUID"),
        (("--allow", f"*:{uuid.uuid4()}"), "a '*' type needs a '*' id"),
        (("--days", "0"), "--days must be between 1 and 365, got 0"),
        (("--days", "366"), "--days must be between 1 and 365"),
        (("--days", "3000000000"), "--days must be between 1 and 365"),
    ],
)
def test_tokens_create_refuses_bad_input_in_one_line(
    runner: CliRunner, env: dict[str, str], target: str, args: tuple[str, ...], message: str
) -> None:
    result = run(runner, env, "tokens", "create", target, *args)
    one_line_error(result, message)
    assert result.stdout == ""
    assert ok(run(runner, env, "tokens", "list", target)).count("\n") == 1  # nothing minted


def test_tokens_create_for_a_missing_user(runner: CliRunner, env: dict[str, str]) -> None:
    one_line_error(run(runner, env, "tokens", "create", "nobody"), "no user 'nobody'")
