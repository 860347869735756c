"""Property, through the API on one seeded database: a scope never makes a request more
permissive. For random (actor — and so roles —, scope names, allow-list, request from a fixed
set), the same request sent with a scoped token of that actor and with its unscoped token:

* a 2xx with the scoped token implies a 2xx without it;
* a list answered to both is, with the scope, a subset (by id) of the list without it;
* a single object answered to both is the same object.

Few examples (each sends every request of the set twice), one database for the module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authz.token_scopes import PUBLIC_SCOPE_NAMES, requested_scope
from querier.generated.sql import SqlQuerier
from server.tokens import mint_token
from tests import factories as f
from tests.conftest import NewDatabase
from tests.server.conftest import World, make_world

EXAMPLES = 20
ACTORS = ("owner", "user_admin", "member", "chatter", "org_admin", "other")


@dataclass(frozen=True)
class Dataset:
    chats: tuple[uuid.UUID, ...]
    users: tuple[uuid.UUID, ...]
    orgs: tuple[uuid.UUID, ...]


@pytest.fixture(scope="module")
def seeded(new_database: NewDatabase) -> Iterator[tuple[World, Dataset]]:
    world = make_world(new_database())

    def seed(q: SqlQuerier) -> Dataset:
        u = world.users
        chats = (
            f.chat(q, u["chatter"]),
            f.chat(q, u["chatter"], world.org_a),
            f.chat(q, u["other"], world.org_b),
            f.chat(q, u["org_admin"], world.org_a),
            f.chat(q, u["owner"]),
        )
        f.message(q, chats[0])
        f.message(q, chats[1])
        return Dataset(
            chats=tuple(c.id for c in chats),
            users=tuple(u[a].id for a in ("chatter", "other", "member")),
            orgs=(world.org_a.id, world.org_b.id),
        )

    yield world, world.run(seed)
    world.client.__exit__(None, None, None)


def requests(data: Dataset) -> list[tuple[str, str, dict[str, Any] | None]]:
    """The fixed set: reads of every kind, and writes that change nothing visible."""
    out: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/v2/chats?limit=100", None),
        ("GET", "/api/v2/users?limit=100", None),
        ("GET", "/api/v2/users/me", None),
        ("GET", "/api/v2/users/me/keys", None),
        ("GET", "/api/v2/organizations?limit=100", None),
        ("GET", "/api/v2/chats/model-configs", None),
        ("GET", "/api/v2/chats/cost/me/summary", None),
        ("GET", "/api/v2/auth/scopes", None),
        ("POST", "/api/v2/chats", {"title": "prop"}),
    ]
    for chat in data.chats:
        out += [
            ("GET", f"/api/v2/chats/{chat}", None),
            ("GET", f"/api/v2/chats/{chat}/messages", None),
            ("PATCH", f"/api/v2/chats/{chat}", {"status": "waiting"}),
        ]
    out += [("GET", f"/api/v2/users/{user}", None) for user in data.users]
    out += [("GET", f"/api/v2/chats/cost/{user}/summary", None) for user in data.users]
    out += [("GET", f"/api/v2/organizations/{org}", None) for org in data.orgs]
    out += [("GET", f"/api/v2/organizations/{org}/members", None) for org in data.orgs]
    return out


def entries(data: Dataset) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            "*:*",
            "chat:*",
            "user:*",
            "organization:*",
            "api_key:*",
            *(f"chat:{c}" for c in data.chats[:3]),
            f"user:{data.users[0]}",
            f"organization:{data.orgs[0]}",
        ]
    )


def ids(body: Any) -> set[str] | None:
    if isinstance(body, list):
        return {str(item.get("id") or item.get("name") or item) for item in body}
    return None


def test_a_scope_is_never_more_permissive(seeded: tuple[World, Dataset]) -> None:
    world, data = seeded
    fixed = requests(data)
    checked = {"2xx": 0, "narrowed": 0}

    @given(
        actor=st.sampled_from(ACTORS),
        names=st.lists(st.sampled_from(PUBLIC_SCOPE_NAMES), min_size=1, max_size=3),
        allow=st.lists(entries(data), min_size=1, max_size=2),
    )
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def never_more_permissive(actor: str, names: list[str], allow: list[str]) -> None:
        _, stored_names, stored_allow = requested_scope(names, allow)
        user_id = world.user(actor).id
        token = world.run(
            lambda q: str(mint_token(q, user_id, timedelta(hours=1), stored_names, stored_allow)[0])
        )
        scoped = {"Authorization": f"Bearer {token}"}
        for method, url, body in fixed:
            with_scope = world.client.request(method, url, headers=scoped, json=body)
            without = world.call(actor, method, url, json=body)
            context = f"{actor} {stored_names} {stored_allow}: {method} {url}"
            assert max(with_scope.status_code, without.status_code) < 500, context
            if not with_scope.is_success:
                checked["narrowed"] += without.is_success
                continue
            checked["2xx"] += 1
            assert without.is_success, f"{context}: {with_scope.status_code} scoped only"
            if method != "GET":
                continue
            scoped_ids, unscoped_ids = ids(with_scope.json()), ids(without.json())
            if scoped_ids is not None and unscoped_ids is not None:
                assert scoped_ids <= unscoped_ids, context
            elif "/cost/" not in url:  # a cost sums only what the reader may read
                assert with_scope.json() == without.json(), context

    never_more_permissive()
    # Not vacuous: scoped requests were both allowed and refused where the roles allowed.
    assert min(checked.values()) > 20, checked
