"""`serve --demo` seeding: every actor the tour needs, idempotent, fresh tokens each time."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from authz import Authorizer
from server.app import create_app
from server.demo import DEMO_USERS, seed_demo
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
