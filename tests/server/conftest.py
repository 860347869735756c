"""A seeded world behind the API: one fresh database per test module, a token per actor.

| actor        | site roles       | memberships                |
|--------------|------------------|----------------------------|
| owner        | owner            | -                          |
| user_admin   | user-admin       | -                          |
| member       | -                | A                          |
| chatter      | chat-access      | A                          |
| org_admin    | -                | A (organization-admin)     |
| other        | chat-access      | B                          |
| suspended    | chat-access      | A, status suspended        |
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from authz import (
    Action,
    Authorizer,
    AuthorizerProtocol,
    Explanation,
    NotAuthorizedError,
    Object,
    PreparedProtocol,
    Subject,
)
from querier.generated.models import ChatModelConfig, Organization, User, UserStatus
from querier.generated.sql import SqlQuerier
from querier.roundtrips import CountingAsyncConnection
from server.app import create_app
from server.settings import Settings
from server.tokens import mint_token
from tests import factories as f
from tests.conftest import NewDatabase
from tests.server.status_recorder import statuses_are_documented  # noqa: F401 (autouse)

ACTORS = ("owner", "user_admin", "member", "chatter", "org_admin", "other", "suspended")


@dataclass
class World:
    engine: Engine
    app: FastAPI
    client: TestClient
    org_a: Organization
    org_b: Organization
    users: dict[str, User]
    tokens: dict[str, str]
    default_config: ChatModelConfig
    other_config: ChatModelConfig
    apps: list[TestClient] = field(default_factory=list)

    def user(self, actor: str) -> User:
        return self.users[actor]

    def headers(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}"}

    def call(
        self,
        actor: str,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx2.Response:
        merged = self.headers(actor) | (headers or {})
        return self.client.request(method, url, headers=merged, **kwargs)

    def run(self, fn: Callable[[SqlQuerier], Any]) -> Any:
        """Run `fn` on the raw querier in its own committed transaction."""
        with self.engine.begin() as conn:
            return fn(SqlQuerier(conn))

    def client_for(
        self, settings: Settings | None = None, authorizer: AuthorizerProtocol | None = None
    ) -> TestClient:
        """Another app on the same database (other settings or authorizer)."""
        client = TestClient(
            create_app(
                self.engine,
                settings,
                authorizer=authorizer,
                connection_class=CountingAsyncConnection,
            )
        )
        client.__enter__()  # the lifespan: the app's connection pool on the client's loop
        self.apps.append(client)
        return client

    def snapshot(self) -> dict[str, Any]:
        """Every role and membership, to prove a refused escalation changed nothing."""
        with self.engine.connect() as conn:
            users = conn.execute(
                sa.text("SELECT id, rbac_roles, status FROM users ORDER BY id")
            ).all()
            members = conn.execute(
                sa.text(
                    "SELECT organization_id, user_id, roles FROM organization_members "
                    "ORDER BY organization_id, user_id"
                )
            ).all()
        return {"users": [tuple(r) for r in users], "members": [tuple(r) for r in members]}


def error_of(response: httpx2.Response) -> dict[str, Any]:
    """An error body without its `request_id` (which differs per request), to compare two."""
    body = dict(response.json())
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    return body


def error_of_text(message: str) -> dict[str, Any]:
    """What `error_of` returns for an error whose message is `message`."""
    return {"message": message, "detail": message}


def new_group(world: World, *members: str) -> str:
    """A new group of org A (created by its admin) with these actors in it; its id."""
    created = world.call(
        "org_admin",
        "POST",
        f"/api/v2/organizations/{world.org_a.id}/groups",
        json={"name": f"seam-{uuid.uuid4().hex[:8]}"},
    )
    assert created.status_code == 201, created.text
    group_id: str = created.json()["id"]
    if members:
        added = world.call(
            "org_admin",
            "PATCH",
            f"/api/v2/groups/{group_id}",
            json={"add_users": [str(world.user(m).id) for m in members]},
        )
        assert added.status_code == 200, added.text
    return group_id


def seed(engine: Engine) -> tuple[dict[str, Any], dict[str, str]]:
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        org_a, org_b = f.org(q, "org-a"), f.org(q, "org-b")
        users = {
            "owner": f.user(q, "owner", name="owner"),
            "user_admin": f.user(q, "user-admin", name="useradmin"),
            "member": f.user(q, name="member"),
            "chatter": f.user(q, "chat-access", name="chatter"),
            "org_admin": f.user(q, name="orgadmin"),
            "other": f.user(q, "chat-access", name="other"),
            "suspended": f.user(q, "chat-access", name="suspended", status=UserStatus.SUSPENDED),
        }
        f.member(q, users["member"], org_a)
        f.member(q, users["chatter"], org_a)
        f.member(q, users["org_admin"], org_a, "organization-admin")
        f.member(q, users["other"], org_b)
        f.member(q, users["suspended"], org_a)
        default_config = f.model_config(q, "large", is_default=True)
        other_config = f.model_config(q, "small")
        tokens = {
            actor: str(mint_token(q, user.id, timedelta(days=1))[0])
            for actor, user in users.items()
        }
    rows = {
        "org_a": org_a,
        "org_b": org_b,
        "users": users,
        "default_config": default_config,
        "other_config": other_config,
    }
    return rows, tokens


def make_world(engine: Engine, settings: Settings | None = None) -> World:
    rows, tokens = seed(engine)
    app = create_app(
        engine,
        settings or Settings(experiments=frozenset({"agents"})),
        connection_class=CountingAsyncConnection,  # `querier.roundtrips.count_async_round_trips`
    )
    client = TestClient(app)
    client.__enter__()  # the lifespan: the app's connection pool on the client's loop
    return World(engine=engine, app=app, client=client, tokens=tokens, **rows)


@pytest.fixture(scope="module")
def world(new_database: NewDatabase) -> Iterator[World]:
    w = make_world(new_database())
    yield w
    for client in (w.client, *w.apps):
        client.__exit__(None, None, None)


class DenyingAuthorizer:
    """The real engine, except that `deny(subject, action, object)` refuses (users only)."""

    def __init__(self, deny: Callable[[Subject, Action, Object], bool]) -> None:
        self.inner = Authorizer()
        self.deny = deny

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None:
        if subject.type == "user" and self.deny(subject, action, obj):
            raise NotAuthorizedError(subject_id=subject.id, action=action, object=obj)
        self.inner.authorize(subject, action, obj)

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> PreparedProtocol:
        return self.inner.prepare(subject, action, resource_type)

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation:
        return self.inner.explain(subject, action, obj)
