"""`serve --demo` seeding: every actor the tour needs, idempotent, fresh tokens each time —
and only ever into an empty database or one it seeded itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from authz import Authorizer
from querier.generated.sql import SqlQuerier
from server.app import create_app
from server.demo import DEMO_USERS, DemoRefusedError, seed_demo
from tests import factories as f
from tests.conftest import NewDatabase


def test_seed_twice(new_database: NewDatabase) -> None:
    engine = new_database()
    first = seed_demo(engine, Authorizer(), timedelta(days=1))
    second = seed_demo(engine, Authorizer(), timedelta(days=1))
    assert first.organization == second.organization
    assert [u.username for u in first.users] == [s.username for s in DEMO_USERS]
    assert {u.token for u in first.users}.isdisjoint({u.token for u in second.users})
    with TestClient(create_app(engine)) as client:

        def get(user: str, path: str) -> object:
            token = next(u.token for u in second.users if u.username == user)
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            return response.json()

        chats = get("alice", "/api/v2/chats")
        assert isinstance(chats, list)
        assert len(chats) == 2  # not seeded twice
        assert get("member", "/api/v2/chats") == []
        assert get("owner", "/api/v2/users/me") == get("owner", "/api/v2/users/me")
        users = get("owner", "/api/v2/users")
        assert isinstance(users, list)
        assert len(users) == len(DEMO_USERS)
        members = get("orgadmin", f"/api/v2/organizations/{first.organization.id}/members")
        assert isinstance(members, list)
        assert len(members) == len(DEMO_USERS)
        configs = get("alice", "/api/v2/chats/model-configs")
        assert isinstance(configs, list)
        assert len(configs) == 2


def _snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT 'user', id::text, array_to_string(rbac_roles, ',') FROM users "
                "UNION ALL SELECT 'member', user_id::text, array_to_string(roles, ',') "
                "FROM organization_members "
                "UNION ALL SELECT 'key', id, user_id::text FROM api_keys "
                "UNION ALL SELECT 'chat', id::text, owner_id::text FROM chats "
                "UNION ALL SELECT 'org', id::text, name FROM organizations "
                "UNION ALL SELECT 'seed', id::text, '' FROM demo_seeds ORDER BY 1, 2"
            )
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    "real",
    [
        # The database: a real alice and an OrgAdmin (and nothing else).
        lambda q: (f.user(q, "chat-access", name="alice"), f.user(q, name="OrgAdmin")),
        lambda q: f.org(q, "corp", is_default=True),
        lambda q: f.model_config(q, "only-config"),
    ],
)
def test_demo_refuses_a_database_with_real_data(
    new_database: NewDatabase, real: Callable[[SqlQuerier], object]
) -> None:
    engine = new_database()
    with engine.begin() as conn:
        real(SqlQuerier(conn))
    before = _snapshot(engine)
    with pytest.raises(DemoRefusedError, match="refusing to seed demo data"):
        seed_demo(engine, Authorizer(), timedelta(days=1))
    assert _snapshot(engine) == before  # not one write: no token, no user, no mark


def test_demo_reseeds_its_own_database_after_real_users_joined(new_database: NewDatabase) -> None:
    """The mark lets it reuse its own world; a later real user named `alice` is left alone."""
    engine = new_database()
    seed_demo(engine, Authorizer(), timedelta(days=1))
    with engine.begin() as conn:
        real = f.user(SqlQuerier(conn), name="Alice2")
        conn.execute(
            sa.text("UPDATE users SET username = 'alice-demo' WHERE email = 'alice@demo.example'")
        )
        conn.execute(sa.text("UPDATE users SET username = 'alice' WHERE id = :id"), {"id": real.id})
    seed_demo(engine, Authorizer(), timedelta(days=1))
    with engine.connect() as conn:
        keys = conn.execute(
            sa.text("SELECT count(*) FROM api_keys WHERE user_id = :id"), {"id": real.id}
        ).scalar()
        chats = conn.execute(
            sa.text("SELECT count(*) FROM chats WHERE owner_id = :id"), {"id": real.id}
        ).scalar()
    assert (keys, chats) == (0, 0)


def test_demo_usage_is_recorded_as_chatd(new_database: NewDatabase) -> None:
    engine = new_database()
    world = seed_demo(engine, Authorizer(), timedelta(days=1))
    token = next(u.token for u in world.users if u.username == "alice")
    with TestClient(create_app(engine)) as client:
        cost = client.get(
            "/api/v2/chats/cost/me/summary", headers={"Authorization": f"Bearer {token}"}
        )
    assert cost.status_code == 200
    assert cost.json()["total_cost_micros"] == 5400 + 210 + 360
