"""The `dbauthz` CLI against a fresh database (DATABASE_URL), and `serve` as a real process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV
from querier.embedded import DATA_DIR_ENV
from querier.migrate import head_revisions
from server.app import create_app
from server.cli import app as cli
from tests import factories as f
from tests.conftest import NewDatabase

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase) -> Engine:
    return new_database()


@pytest.fixture(scope="module")
def env(engine: Engine) -> dict[str, str]:
    return {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, env: dict[str, str], *args: str) -> Result:
    return runner.invoke(cli, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["serve"],
        ["db"],
        ["db", "migrate"],
        ["users"],
        ["users", "create"],
        ["users", "grant-role"],
        ["roles", "list"],
        ["explain"],
    ],
)
def test_help_everywhere(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_db_status_and_migrate(runner: CliRunner, env: dict[str, str]) -> None:
    assert f"current: {head_revisions()[0]}" in ok(run(runner, env, "db", "status"))
    assert "(head)" in ok(run(runner, env, "db", "migrate"))


def test_users_create_prints_a_working_token(
    runner: CliRunner, env: dict[str, str], engine: Engine
) -> None:
    result = run(runner, env, "users", "create", "ada@example.com", "ada", "--role", "chat-access")
    token = ok(result).strip()
    assert re.fullmatch(r"[a-z0-9]{12}-[A-Za-z0-9_-]{43}", token)
    assert "created ada" in result.stderr
    with TestClient(create_app(engine)) as client:
        me = client.get("/api/v2/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["roles"] == ["chat-access"]
    fresh = ok(run(runner, env, "users", "token", "ada", "--days", "1")).strip()
    assert fresh != token
    assert "ada" in ok(run(runner, env, "users", "list"))


def test_users_create_errors(runner: CliRunner, env: dict[str, str]) -> None:
    one_line_error(
        run(runner, env, "users", "create", "x@example.com", "x", "--role", "wizard"), "wizard"
    )
    one_line_error(
        run(runner, env, "users", "create", "x@example.com", "x", "-r", "organization-admin"),
        "organization role",
    )
    ok(run(runner, env, "users", "create", "dup@example.com", "dup"))
    one_line_error(run(runner, env, "users", "create", "DUP@example.com", "dup2"), "already exists")


def test_grant_and_revoke_site_roles(runner: CliRunner, env: dict[str, str]) -> None:
    ok(run(runner, env, "users", "create", "bo@example.com", "bo"))
    assert "granted chat-access to bo" in ok(
        run(runner, env, "users", "grant-role", "bo", "chat-access")
    )
    assert "already has" in ok(
        run(runner, env, "users", "grant-role", "bo@example.com", "chat-access")
    )
    assert "revoked chat-access from bo" in ok(
        run(runner, env, "users", "revoke-role", "bo", "chat-access")
    )
    assert "does not have" in ok(run(runner, env, "users", "revoke-role", "bo", "chat-access"))
    one_line_error(run(runner, env, "users", "grant-role", "bo", "emperor"), "emperor")
    one_line_error(run(runner, env, "users", "grant-role", "nobody", "owner"), "no user 'nobody'")


def test_grant_org_roles(runner: CliRunner, env: dict[str, str], engine: Engine) -> None:
    with engine.begin() as conn:
        from querier.generated.sql import SqlQuerier

        org = f.org(SqlQuerier(conn))
    ok(run(runner, env, "users", "create", "cy@example.com", "cy"))
    added = ok(
        run(runner, env, "users", "grant-role", "cy", "organization-admin", "--org", str(org.id))
    )
    assert "added cy" in added
    assert "granted organization-auditor" in ok(
        run(runner, env, "users", "grant-role", "cy", "organization-auditor", "--org", str(org.id))
    )
    assert "revoked organization-admin" in ok(
        run(runner, env, "users", "revoke-role", "cy", "organization-admin", "--org", str(org.id))
    )
    one_line_error(
        run(runner, env, "users", "grant-role", "cy", "owner", "--org", str(org.id)), "site role"
    )
    one_line_error(
        run(runner, env, "users", "grant-role", "cy", "owner", "--org", "x"), "no organization"
    )  # an id or a name
    one_line_error(
        run(
            runner,
            env,
            "users",
            "revoke-role",
            "cy",
            "organization-admin",
            "--org",
            str(uuid.uuid4()),
        ),
        "no organization",
    )


def test_roles_list(runner: CliRunner) -> None:
    out = ok(runner.invoke(cli, ["roles", "list"]))
    for name in ("owner", "user-admin", "chat-access", "organization-admin"):
        assert name in out
    for line in out.splitlines():  # the implied roles are listed only as implied
        if line.split()[1] in ("member", "organization-member"):
            assert "implied" in line


def test_explain(runner: CliRunner, env: dict[str, str], engine: Engine) -> None:
    with engine.begin() as conn:
        from querier.generated.sql import SqlQuerier

        q = SqlQuerier(conn)
        owner = f.user(q, "chat-access", name="expl-owner")
        stranger = f.user(q, "chat-access", name="expl-stranger")
        chat = f.chat(q, owner)
    allowed = ok(
        run(
            runner,
            env,
            "explain",
            "--user",
            "expl-owner",
            "--action",
            "read",
            "--chat",
            str(chat.id),
        )
    )
    assert allowed.startswith("ALLOWED")
    assert "chat-access" in allowed
    denied = run(
        runner,
        env,
        "explain",
        "--user",
        str(stranger.id),
        "--action",
        "delete",
        "--chat",
        str(chat.id),
    )
    assert denied.exit_code == 1  # a script can branch on the answer
    assert denied.stdout.startswith("DENIED")
    one_line_error(
        run(
            runner,
            env,
            "explain",
            "--user",
            "expl-owner",
            "--action",
            "fly",
            "--chat",
            str(chat.id),
        ),
        "fly",
    )
    one_line_error(
        run(
            runner,
            env,
            "explain",
            "--user",
            "expl-owner",
            "--action",
            "read",
            "--chat",
            str(uuid.uuid4()),
        ),
        "no chat",
    )
    one_line_error(
        run(runner, env, "explain", "--user", "ghost", "--action", "read", "--chat", str(chat.id)),
        "ghost",
    )


@pytest.mark.parametrize("action", ["assign", "*", "fly"])
def test_explain_refuses_actions_chats_do_not_have(
    runner: CliRunner, env: dict[str, str], action: str
) -> None:
    one_line_error(
        run(runner, env, "explain", "--user", "x", "--action", action, "--chat", str(uuid.uuid4())),
        "not an action on chat",
    )


def test_bad_database_url_is_one_line(runner: CliRunner) -> None:
    one_line_error(run(runner, {DATABASE_URL_ENV: "mysql://x@y/z"}, "db", "status"), "PostgreSQL")


def test_schema_behind_head_is_one_line(runner: CliRunner, new_database: NewDatabase) -> None:
    empty = new_database(empty=True)
    env = {DATABASE_URL_ENV: empty.url.render_as_string(hide_password=False)}
    one_line_error(run(runner, env, "users", "list"), "behind head")
    one_line_error(run(runner, env, "db", "status"), "behind head")


def test_unreachable_server_is_one_line(runner: CliRunner) -> None:
    env = {DATABASE_URL_ENV: "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"}
    one_line_error(run(runner, env, "users", "list"), "cannot connect")


def test_serve_argument_errors(runner: CliRunner, env: dict[str, str]) -> None:
    one_line_error(run(runner, env, "serve", "--experiments", "agents,warp"), "warp")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        one_line_error(run(runner, env, "serve", "--port", str(port)), f"127.0.0.1:{port}")


# --- `serve` as a process ----------------------------------------------------------------------


class Served:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.stdout: list[str] = []
        self.base_url = ""
        self.tokens: dict[str, str] = {}
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"serve exited early: {proc.wait()} {self.stderr()}")
            self.stdout.append(line)
            if match := re.match(r"\s+(\w+)\s+([a-z0-9]{12}-\S+)", line):
                self.tokens[match[1]] = match[2]
            if match := re.match(r"listening on (http://\S+)", line):
                self.base_url = match[1]
                return
        raise AssertionError("serve did not start in time")

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def get(self, path: str, user: str) -> httpx2.Response:
        return httpx2.get(
            self.base_url + path, headers={"Authorization": f"Bearer {self.tokens[user]}"}
        )


StartServe = Callable[..., Served]


@pytest.fixture
def serve_process() -> Iterator[StartServe]:
    procs: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str], *args: str) -> Served:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", "0", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a terminal would have
        )
        procs.append(proc)
        return Served(proc)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def interrupt(served: Served) -> int:
    """Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group."""
    os.killpg(served.proc.pid, signal.SIGINT)
    return served.proc.wait(timeout=60)


def test_serve_demo_end_to_end(serve_process: StartServe, new_database: NewDatabase) -> None:
    # A database of its own: `--demo` refuses one where other tests created real users.
    env = {DATABASE_URL_ENV: new_database().url.render_as_string(hide_password=False)}
    served = serve_process(env, "--demo", "--experiments", "agents")
    assert set(served.tokens) == {"owner", "useradmin", "member", "alice", "orgadmin"}
    assert served.get("/api/v2/users/me", "alice").json()["username"] == "alice"
    assert len(served.get("/api/v2/chats", "alice").json()) == 2
    assert served.get("/api/v2/chats", "member").json() == []
    summary = served.get("/api/v2/chats/cost/me/summary", "alice").json()
    assert summary["total_cost_micros"] == 5970
    assert {r["model"] for r in summary["by_model"]} == {"acme-large", "acme-small"}
    roles = {r["name"] for r in served.get("/api/v2/users/roles", "useradmin").json()}
    assert "chat-access" in roles
    assert interrupt(served) == 0
    assert "stopping the database" not in served.stderr()  # an external database stays up


@pytest.mark.slow
def test_serve_on_the_embedded_database_stops_it(
    serve_process: StartServe, embedded_tmp: Path
) -> None:
    tmp_path = embedded_tmp
    env = {DATABASE_URL_ENV: "", DATA_DIR_ENV: str(tmp_path / "data")}
    served = serve_process(env, "--demo")
    roles = {r["name"] for r in served.get("/api/v2/users/roles", "owner").json()}
    assert "chat-access" not in roles  # no experiment, no dev mode
    pgdata = tmp_path / "data" / "pgdata"
    assert (pgdata / "postmaster.pid").exists()
    assert interrupt(served) == 0
    assert not (pgdata / "postmaster.pid").exists()
    assert "stopping the database" in served.stderr()
