"""`dbauthz chats share | unshare | acl` and `serve --disable-chat-sharing` (#13)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV
from querier.generated.models import Chat, Organization, User
from querier.generated.sql import SqlQuerier
from server.cli import app as cli
from server.settings import DISABLE_CHAT_SHARING_ENV, Settings, SettingsError
from tests import factories as f
from tests.conftest import NewDatabase


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase) -> Engine:
    return new_database()


@pytest.fixture(scope="module")
def env(engine: Engine) -> dict[str, str]:
    return {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}


def run(env: dict[str, str], *args: str, **more_env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={**env, **more_env})


def seeded(engine: Engine) -> tuple[Organization, User, User, User, Chat]:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        org = f.org(q)
        owner, reader, outsider = (f.user(q, "chat-access") for _ in range(3))
        f.member(q, owner, org)
        f.member(q, reader, org)
        return org, owner, reader, outsider, f.chat(q, owner, org)


def stored_acl(engine: Engine, chat: Chat) -> tuple[Any, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT user_acl, group_acl FROM chats WHERE id = :id"), {"id": chat.id}
        ).one()
    return row.user_acl, row.group_acl


def test_share_acl_unshare(engine: Engine, env: dict[str, str]) -> None:
    org, _, reader, _, chat = seeded(engine)
    shared = run(env, "chats", "share", str(chat.id), reader.username)
    assert shared.exit_code == 0, shared.output
    assert f"shared chat {chat.id} with user {reader.id}" in shared.stdout
    everyone = run(env, "chats", "share", str(chat.id), "everyone", "--group")
    assert everyone.exit_code == 0, everyone.output
    assert stored_acl(engine, chat) == ({str(reader.id): ["read"]}, {str(org.id): ["read"]})
    listing = run(env, "chats", "acl", str(chat.id))
    assert listing.exit_code == 0, listing.output
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["KIND", "ID", "NAME", "ROLE"]
    assert [line.split() for line in lines[1:]] == [
        ["user", str(reader.id), reader.username, "read"],
        ["group", str(org.id), "Everyone", "read"],
    ]
    unshared = run(env, "chats", "unshare", str(chat.id), str(reader.id))
    assert unshared.exit_code == 0, unshared.output
    assert stored_acl(engine, chat) == ({}, {str(org.id): ["read"]})


def test_the_same_rules_as_the_api(engine: Engine, env: dict[str, str]) -> None:
    _, owner, _, outsider, chat = seeded(engine)
    for target, says in ((outsider.username, "cannot share with user"), (owner.username, "owner")):
        refused = run(env, "chats", "share", str(chat.id), target)
        assert refused.exit_code == 1
        assert says in refused.stderr
        assert refused.stderr.count("\n") == 1  # one line, no traceback
    assert stored_acl(engine, chat) == ({}, {})


def test_the_kill_switch_refuses_cli_changes(engine: Engine, env: dict[str, str]) -> None:
    _, _, reader, _, chat = seeded(engine)
    refused = run(
        env, "chats", "share", str(chat.id), reader.username, **{DISABLE_CHAT_SHARING_ENV: "1"}
    )
    assert refused.exit_code == 1
    assert "Chat sharing is disabled" in refused.stderr
    assert stored_acl(engine, chat) == ({}, {})


def test_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, sharing in (("", True), ("0", True), ("1", False), ("TRUE", False), ("off", True)):
        monkeypatch.setenv(DISABLE_CHAT_SHARING_ENV, value)
        assert Settings().chat_sharing is sharing, value
    monkeypatch.setenv(DISABLE_CHAT_SHARING_ENV, "maybe")
    with pytest.raises(SettingsError, match=DISABLE_CHAT_SHARING_ENV):
        Settings()


@pytest.mark.parametrize(
    ("flag", "variable", "sharing"),
    [(False, "", True), (True, "", False), (False, "1", False)],
)
def test_serve_passes_the_switch_to_the_server(
    engine: Engine,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    flag: bool,
    variable: str,
    sharing: bool,
) -> None:
    seen: list[Settings] = []
    monkeypatch.setattr(
        "server.serving.run_server", lambda _l, _e, settings, *_a, **_k: seen.append(settings)
    )
    args = ["serve", "--port", "0", "--no-migrate"] + (["--disable-chat-sharing"] if flag else [])
    result = run(env, *args, **{DISABLE_CHAT_SHARING_ENV: variable})
    assert result.exit_code == 0, result.output
    assert [s.chat_sharing for s in seen] == [sharing]


def test_a_group_by_name_in_the_chats_organization(engine: Engine, env: dict[str, str]) -> None:
    org, _, reader, _, chat = seeded(engine)
    other_org_group = "reviewers"
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        team = f.group(q, org, reader, name="reviewers")
        f.group(q, f.org(q), name=other_org_group)  # same name elsewhere: never picked
    shared = run(env, "chats", "share", str(chat.id), "reviewers", "--group")
    assert shared.exit_code == 0, shared.output
    assert stored_acl(engine, chat) == ({}, {str(team.id): ["read"]})
    unknown = run(env, "chats", "share", str(chat.id), "nobody", "--group")
    assert unknown.exit_code == 1
    assert "no group 'nobody' in the chat's organization" in unknown.stderr
