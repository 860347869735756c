"""CLI polish from the extension-path issue: implied roles, `explain` for every type, tables,
start vs attach wording, flags shown as flags, and a downgrade that says what it drops."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV
from querier.embedded import embedded_server_running
from querier.generated.sql import SqlQuerier
from querier.migrate import head_revisions
from server.cli import app as cli
from tests import factories as f
from tests.conftest import NewDatabase, TestServer


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase) -> Engine:
    return new_database()


@pytest.fixture(scope="module")
def env(engine: Engine) -> dict[str, str]:
    return {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


def roles_of(engine: Engine, username: str) -> tuple[list[str], int]:
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT rbac_roles FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()
        members = conn.execute(
            sa.text(
                "SELECT count(*) FROM organization_members m JOIN users u ON u.id = m.user_id "
                "WHERE u.username = :u"
            ),
            {"u": username},
        ).scalar_one()
    return list(stored), members


def test_implied_roles_are_explained_never_granted(engine: Engine, env: dict[str, str]) -> None:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        f.user(q, name="imp")
        org = f.org(q, "imp-org")
    granted = run(env, "users", "grant-role", "imp", "member")
    assert granted.exit_code == 0
    assert "implied" in granted.stdout
    assert "granted" not in granted.stdout
    org_member = run(env, "users", "grant-role", "imp", "organization-member", "--org", org.name)
    assert org_member.exit_code == 0
    assert "implied by membership" in org_member.stdout
    assert f"dbauthz orgs members add {org.name} imp" in org_member.stdout
    revoked = run(env, "users", "revoke-role", "imp", "member")
    assert revoked.exit_code == 1
    assert "cannot be revoked" in revoked.stderr
    assert roles_of(engine, "imp") == ([], 0)  # nothing stored, no membership added


def test_grant_role_takes_an_organization_name(engine: Engine, env: dict[str, str]) -> None:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        f.user(q, name="named-org-user")
        org = f.org(q, "named-org")
    result = run(
        env, "users", "grant-role", "named-org-user", "organization-admin", "--org", org.name
    )
    assert result.exit_code == 0, result.output
    assert roles_of(engine, "named-org-user")[1] == 1
    missing = run(env, "users", "grant-role", "named-org-user", "organization-admin", "--org", "x")
    assert missing.exit_code == 1
    assert "no organization 'x'" in missing.stderr


@pytest.fixture(scope="module")
def objects(engine: Engine) -> dict[str, str]:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        ann = f.user(q, "chat-access", name="ann")
        bob = f.user(q, "chat-access", name="bob")
        org = f.org(q, "explain-org")
        f.member(q, ann, org, "organization-admin")
        f.member(q, bob, org)
        chat = f.chat(q, bob, org)
        config = f.model_config(q, "explain-model")
    return {"org": org.name, "chat": str(chat.id), "config": str(config.id)}


@pytest.mark.parametrize(
    ("action", "obj", "extra", "allowed"),
    [
        ("read", "chat:{chat}", (), True),  # org admin reads a chat in its org
        ("read", "user:bob", (), False),  # org admins read no other user
        ("read", "user:ann", (), True),
        ("read", "organization:{org}", (), True),
        ("delete", "organization:{org}", (), False),
        ("update", "organization_member:{org}/bob", (), True),
        ("read", "chat_model_config:{config}", (), False),
        ("create", "chat", ("--owner", "ann", "--org", "{org}"), True),
        ("create", "chat", ("--owner", "ann"), True),  # chat-access, personally
        ("assign", "assign_role", (), False),
        ("read", "system", (), False),
    ],
)
def test_explain_any_resource_type_exits_1_when_denied(
    env: dict[str, str],
    objects: dict[str, str],
    action: str,
    obj: str,
    extra: tuple[str, ...],
    allowed: bool,
) -> None:
    args = ["explain", "--user", "ann", "--action", action, "--object", obj.format(**objects)]
    result = run(env, *args, *(e.format(**objects) for e in extra))
    assert result.stdout.startswith("ALLOWED" if allowed else "DENIED"), result.output
    assert result.exit_code == (0 if allowed else 1)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--object", "chat:" + str(uuid.UUID(int=1))), "no chat"),
        (("--object", "user:ghost"), "no user 'ghost'"),
        (("--object", "widget"), "unknown resource type 'widget'"),
        (("--object", "system:x"), "system has no stored rows"),
        (("--object", "chat:x"), "must be a UUID"),
        (("--object", "organization_member:nobody"), "ORG/USER"),
        ((), "give the object"),
    ],
)
def test_explain_mistakes_are_one_line(
    env: dict[str, str], objects: dict[str, str], args: tuple[str, ...], fragment: str
) -> None:
    result = run(env, "explain", "--user", "ann", "--action", "read", *args)
    assert result.exit_code == 1
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def columns(line: str) -> list[int]:
    """Where each column of a table line starts."""
    starts, previous = [], " "
    for i, char in enumerate(line):
        if char != " " and previous == " " and (i == 0 or line[i - 2 : i] == "  "):
            starts.append(i)
        previous = char
    return starts


def test_lists_are_aligned_tables_with_headers(engine: Engine, env: dict[str, str]) -> None:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        f.user(q, "owner", "auditor", name="a-much-longer-username-here")
    users = run(env, "users", "list").stdout.splitlines()
    assert users[0].split() == ["ID", "USERNAME", "EMAIL", "STATUS", "SITE", "ROLES"]
    header = columns(users[0])
    for line in users[1:]:
        assert columns(line)[: len(header) - 1] == header[:-1], line
    roles = run(env, "roles", "list").stdout.splitlines()
    assert roles[0].split()[:2] == ["LEVEL", "ROLE"]
    role_column = roles[0].index("ROLE")
    names = [line[role_column:].split()[0] for line in roles[1:]]
    assert "owner" in names
    assert "organization-admin" in names
    assert any(line.split()[1] == "member" and "implied" in line for line in roles[1:])


def test_flags_are_shown_as_flags() -> None:
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).stdout
    dev = next(line for line in help_text.splitlines() if "--dev" in line)
    assert "<bool>" not in dev
    assert "<bool>" not in help_text


def test_db_downgrade_says_what_it_drops_and_asks(new_database: NewDatabase) -> None:
    engine = new_database()
    env = {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}
    refused = run(env, "db", "downgrade", "base", stdin="n\n")
    assert refused.exit_code == 1
    assert "downgrading to base drops every table and all data" in refused.stderr
    assert "not downgraded" in refused.stderr
    assert f"current: {head_revisions()[0]}" in run(env, "db", "status").stdout
    unanswered = run(env, "db", "downgrade", "0002")  # stdin closed, as in a script
    assert unanswered.exit_code == 1
    assert unanswered.stderr.strip().splitlines()[-1].startswith("error: not downgraded")
    partly = run(env, "db", "downgrade", "0002", stdin="y\n")
    assert partly.exit_code == 0, partly.output
    assert "0003 (API keys" in partly.stderr
    assert partly.stdout.strip().splitlines()[-1] == "at 0002"  # after the echoed answer
    gone = run(env, "db", "downgrade", "base", "--yes")
    assert gone.exit_code == 0, gone.output
    assert gone.stdout.strip() == "at base"
    assert run(env, "db", "downgrade", "base", "--yes").stdout.startswith("at base; nothing")


def test_start_or_attach_is_told_apart(pg_server: TestServer, tmp_path: Path) -> None:
    assert not embedded_server_running(tmp_path)  # nothing there: a command would start one
    if pg_server.embedded is None:
        pytest.skip("the suite runs on DATABASE_URL: no embedded server to attach to")
    assert embedded_server_running(pg_server.embedded.pgdata.parent)  # this session holds it
