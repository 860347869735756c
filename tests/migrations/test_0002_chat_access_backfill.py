"""Revision 0002: the chat-access backfill, on a real PostgreSQL holding data.

Every test migrates a fresh empty database to 0001, seeds it with plain SQL (the application's
querier targets the head schema, not this one), and then migrates to 0002 explicitly, so the
tests keep meaning the same thing when later revisions are added.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from querier.migrate import ROOT, alembic_config, current_revisions, downgrade, upgrade
from tests.conftest import NewDatabase

ROLE = "chat-access"
MIGRATION_PATH = ROOT / "migrations" / "versions" / "0002_chat_access_backfill.py"


@dataclass(frozen=True)
class Seed:
    name: str
    roles: tuple[str, ...]
    status: str = "active"
    # One entry per chat: (archived, inside an organization).
    chats: tuple[tuple[bool, bool], ...] = field(default=())


SEEDS = (
    Seed("alice", (), chats=((False, False), (False, False))),  # two chats: granted once
    Seed("bob", ("auditor", "template-admin"), chats=((False, False),)),  # order kept
    Seed("carol", (ROLE,), chats=((False, False),)),  # already holds it
    Seed("chuck", ("owner", ROLE, "user-admin"), chats=((True, False),)),  # holds it mid-array
    Seed("dave", ("auditor",)),  # no chats
    Seed("erin", ()),  # no chats
    Seed("frank", (), chats=((True, False),)),  # only an archived chat
    Seed("grace", ("auditor",), status="suspended", chats=((False, False),)),  # status ignored
    Seed("heidi", (ROLE,), status="dormant"),  # granted by hand, no chats
    Seed("ivan", (), chats=((False, True),)),  # only a chat inside an organization
)

# The roles after the upgrade, for every seeded user.
AFTER_UP = {
    "alice": [ROLE],
    "bob": ["auditor", "template-admin", ROLE],
    "carol": [ROLE],
    "chuck": ["owner", ROLE, "user-admin"],
    "dave": ["auditor"],
    "erin": [],
    "frank": [ROLE],
    "grace": ["auditor", ROLE],
    "heidi": [ROLE],
    "ivan": [ROLE],
}
CHANGED_BY_UP = {"alice", "bob", "frank", "grace", "ivan"}


@dataclass(frozen=True)
class Row:
    roles: list[str]
    xmin: str


def _load_migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0002", MIGRATION_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sql(name: str) -> str:
    value: Any = getattr(_load_migration(), name)
    assert isinstance(value, str)
    return value


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        org_id = conn.execute(
            sa.text("INSERT INTO organizations (name) VALUES ('acme') RETURNING id")
        ).scalar_one()
        for seed in SEEDS:
            user_id = uuid.uuid4()
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, username, rbac_roles, status)"
                    " VALUES (:id, :email, :name, :roles, CAST(:status AS user_status))"
                ),
                {
                    "id": user_id,
                    "email": f"{seed.name}@example.com",
                    "name": seed.name,
                    "roles": list(seed.roles),
                    "status": seed.status,
                },
            )
            for i, (archived, in_org) in enumerate(seed.chats):
                conn.execute(
                    sa.text(
                        "INSERT INTO chats (owner_id, organization_id, title, archived)"
                        " VALUES (:owner, :org, :title, :archived)"
                    ),
                    {
                        "owner": user_id,
                        "org": org_id if in_org else None,
                        "title": f"{seed.name} chat {i}",
                        "archived": archived,
                    },
                )


def _rows(engine: Engine) -> dict[str, Row]:
    with engine.connect() as conn:
        result = conn.execute(sa.text("SELECT username, rbac_roles, xmin::text AS xmin FROM users"))
        return {r.username: Row(list(r.rbac_roles), r.xmin) for r in result}


def _users_updated_in_transaction(conn: Connection) -> int:
    """Rows of `users` updated so far by this connection's open transaction (exact)."""
    return int(
        conn.execute(
            sa.text("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'users'")
        ).scalar_one()
    )


@pytest.fixture
def seeded(new_database: NewDatabase) -> Engine:
    engine = new_database(empty=True)
    upgrade(engine, "0001")
    _seed(engine)
    return engine


@pytest.fixture
def update_statements(seeded: Engine) -> Iterator[list[str]]:
    """Every statement sent on `seeded` that updates `users`."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if statement.upper().startswith("UPDATE USERS"):
            seen.append(statement)

    event.listen(seeded, "before_cursor_execute", record)
    yield seen
    event.remove(seeded, "before_cursor_execute", record)


def test_upgrade_grants_role_to_chat_owners_only(seeded: Engine) -> None:
    before = _rows(seeded)
    assert {name: r.roles for name, r in before.items()} == {s.name: list(s.roles) for s in SEEDS}

    upgrade(seeded, "0002")

    assert current_revisions(seeded) == ("0002",)
    after = _rows(seeded)
    assert {name: r.roles for name, r in after.items()} == AFTER_UP
    for name in AFTER_UP:
        assert after[name].roles.count(ROLE) <= 1, name
        rewritten = after[name].xmin != before[name].xmin
        assert rewritten == (name in CHANGED_BY_UP), f"{name}: rewritten={rewritten}"


def test_upgrade_is_one_update_that_touches_only_changing_rows(
    seeded: Engine, update_statements: list[str]
) -> None:
    with seeded.connect() as conn, conn.begin():
        command.upgrade(alembic_config(conn), "0002")
        assert _users_updated_in_transaction(conn) == len(CHANGED_BY_UP)
    assert len(update_statements) == 1, update_statements


def test_upgrade_blocks_no_reader(seeded: Engine) -> None:
    """While the migration's transaction is open it holds only weak locks; readers go on."""
    with seeded.connect() as migrating:
        transaction = migrating.begin()
        pid = migrating.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        command.upgrade(alembic_config(migrating), "0002")
        with seeded.connect() as observer:
            locks = observer.execute(
                sa.text(
                    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    " WHERE l.pid = :pid AND l.locktype = 'relation'"
                ),
                {"pid": pid},
            ).all()
            modes = {mode for _, mode in locks}
            assert ("users", "RowExclusiveLock") in {(r, m) for r, m in locks}
            assert modes <= {"AccessShareLock", "RowShareLock", "RowExclusiveLock"}, locks

            observer.execute(sa.text("SET lock_timeout = '200ms'"))
            seen = observer.execute(
                sa.text("SELECT rbac_roles FROM users WHERE username = 'alice'")
            ).scalar_one()
            assert seen == []  # the old row version, read without waiting
            observer.rollback()
        transaction.commit()
    assert _rows(seeded)["alice"].roles == [ROLE]


def test_second_run_updates_nothing(seeded: Engine) -> None:
    upgrade(seeded, "0002")
    first = _rows(seeded)
    with seeded.begin() as conn:
        assert conn.execute(sa.text(_sql("UPGRADE"))).rowcount == 0
    assert _rows(seeded) == first


def test_downgrade_removes_exactly_the_role(seeded: Engine) -> None:
    upgrade(seeded, "0002")
    up = _rows(seeded)

    downgrade(seeded, "0001")

    assert current_revisions(seeded) == ("0001",)
    down = _rows(seeded)
    # Every holder loses it -- including carol, chuck and heidi, who held it before the upgrade
    # (the documented loss of hand-made grants); other roles stay, in order.
    assert {name: r.roles for name, r in down.items()} == {
        s.name: [role for role in s.roles if role != ROLE] for s in SEEDS
    }
    for name, row in up.items():
        rewritten = down[name].xmin != row.xmin
        assert rewritten == (ROLE in row.roles), f"{name}: rewritten={rewritten}"


def test_down_then_up_gives_the_same_result(seeded: Engine) -> None:
    upgrade(seeded, "0002")
    first = {name: r.roles for name, r in _rows(seeded).items()}
    downgrade(seeded, "0001")
    upgrade(seeded, "0002")
    second = {name: r.roles for name, r in _rows(seeded).items()}
    # The same grants, with two documented exceptions: heidi's hand-made grant (she owns no
    # chat) does not come back, and chuck's pre-existing grant comes back at the end of his array.
    assert second == {**first, "heidi": [], "chuck": ["owner", "user-admin", ROLE]}
    assert sorted(second["chuck"]) == sorted(first["chuck"])

    downgrade(seeded, "0001")
    upgrade(seeded, "0002")
    assert {name: r.roles for name, r in _rows(seeded).items()} == second
