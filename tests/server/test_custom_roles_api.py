"""Custom organization roles over HTTP: create, list, update, delete, assign — and every
escalation attempt refused with its documented status (the status recorder checks the docs)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from authz import Authorizer, Subject
from querier.aio import conninfo
from querier.generated.sql import SqlQuerier
from querier.roundtrips import CountingAsyncConnection, count_async_round_trips
from server.auth import authenticate
from server.tokens import mint_token
from tests import factories as f
from tests.conftest import NewDatabase
from tests.server.conftest import World, make_world

ORGS = "/api/v2/organizations"


@pytest.fixture(scope="module")
def world(new_database: NewDatabase) -> Iterator[World]:
    w = make_world(new_database())

    def org_user_admin(q: SqlQuerier) -> str:
        user = f.user(q, name="orguseradmin")
        f.member(q, user, w.org_a, "organization-user-admin")
        w.users["org_user_admin"] = user
        return str(mint_token(q, user.id, timedelta(days=1))[0])

    w.tokens["org_user_admin"] = w.run(org_user_admin)
    yield w
    for client in (w.client, *w.apps):
        client.close()


def roles_url(org: Any) -> str:
    return f"{ORGS}/{org.id}/members/roles"


def role_body(name: str, *org_perms: str, member: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"name": name, "org_permissions": list(org_perms), "member_permissions": list(member)}


def create(world: World, actor: str, org: Any, name: str, *perms: str) -> Any:
    return world.call(actor, "POST", roles_url(org), json=role_body(name, *perms))


def set_roles(world: World, actor: str, org: Any, user: str, *roles: str) -> Any:
    url = f"{ORGS}/{org.id}/members/{world.user(user).id}"
    return world.call(actor, "PUT", url, json={"roles": list(roles)})


def test_an_org_admin_of_a_cannot_define_a_role_in_b(world: World) -> None:
    response = create(world, "org_admin", world.org_b, "b-reader", "chat:read")
    assert response.status_code == 404  # B is not even readable for it
    # and where it can read the org but has no create on assign_org_role: 403
    response = create(world, "member", world.org_a, "a-reader", "chat:read")
    assert response.status_code == 403


def test_an_org_user_admin_cannot_define_a_role_with_chat_update(world: World) -> None:
    response = create(world, "org_user_admin", world.org_a, "chat-editor", "chat:update")
    assert response.status_code == 403, response.text


def test_the_guard_names_the_permission_the_caller_lacks(world: World) -> None:
    response = create(world, "org_admin", world.org_a, "wrecker", "organization:delete")
    assert response.status_code == 403
    assert "organization:delete (org level)" in response.json()["message"]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_custom_role_named_owner_is_refused(world: World, method: str) -> None:
    response = world.call(
        method=method,
        actor="org_admin",
        url=roles_url(world.org_a),
        json=role_body("owner", "chat:read"),
    )
    assert response.status_code == 400
    assert "built-in role name" in response.json()["message"]


def test_a_custom_role_of_another_org_cannot_be_assigned(world: World) -> None:
    assert create(world, "owner", world.org_b, "b-only", "chat:read").status_code == 201
    response = set_roles(world, "org_admin", world.org_a, "chatter", "b-only")
    assert response.status_code == 400, response.text


def test_a_chat_reviewer_reads_every_chat_of_its_org_only_and_cannot_update(world: World) -> None:
    in_a = world.run(lambda q: f.chat(q, world.user("chatter"), world.org_a))
    in_b = world.run(lambda q: f.chat(q, world.user("other"), world.org_b))
    response = create(world, "org_admin", world.org_a, "chat-reviewer", "chat:read")
    assert response.status_code == 201, response.text
    assert response.json()["assignable"] is True
    assert response.json()["version"] == 1
    assert world.call("member", "GET", f"/api/v2/chats/{in_a.id}").status_code == 404
    assert set_roles(world, "org_admin", world.org_a, "member", "chat-reviewer").status_code == 200

    ids = {c["id"] for c in world.call("member", "GET", "/api/v2/chats?limit=100").json()}
    with world.engine.connect() as conn:
        by_org = conn.execute(sa.text("SELECT id, organization_id FROM chats")).all()
    assert ids == {str(i) for i, org in by_org if org == world.org_a.id}  # all of A's, only
    assert str(in_a.id) in ids
    assert str(in_b.id) not in ids
    assert world.call("member", "GET", f"/api/v2/chats/{in_a.id}").status_code == 200
    assert world.call("member", "GET", f"/api/v2/chats/{in_b.id}").status_code == 404
    response = world.call("member", "PATCH", f"/api/v2/chats/{in_a.id}", json={"title": "x"})
    assert response.status_code == 403

    # A role in use cannot be deleted: 409 with the count.
    response = world.call("org_admin", "DELETE", f"{roles_url(world.org_a)}/chat-reviewer")
    assert response.status_code == 409
    assert "1 member holds it" in response.json()["message"]

    # The org user admin may not assign it (it cannot read every chat itself) ...
    response = set_roles(world, "org_user_admin", world.org_a, "chatter", "chat-reviewer")
    assert response.status_code == 403
    assert "chat:read (org level)" in response.json()["message"]
    # ... but may unassign it (taking a role away escalates nothing).
    assert set_roles(world, "org_user_admin", world.org_a, "member").status_code == 200
    assert world.call("member", "GET", f"/api/v2/chats/{in_a.id}").status_code == 404
    response = world.call("org_admin", "DELETE", f"{roles_url(world.org_a)}/chat-reviewer")
    assert response.status_code == 204


def test_listing_marks_what_the_caller_may_assign(world: World) -> None:
    assert create(world, "org_admin", world.org_a, "auditor-plus", "chat:read").status_code == 201
    listed = world.call("org_user_admin", "GET", roles_url(world.org_a))
    assert listed.status_code == 200
    by_name = {r["name"]: r for r in listed.json()}
    assert by_name["organization-admin"]["built_in"] is True
    assert by_name["auditor-plus"]["org_permissions"] == ["chat:read"]
    assert by_name["auditor-plus"]["assignable"] is False  # it cannot read every chat itself
    admin_view = {
        r["name"]: r["assignable"]
        for r in world.call("org_admin", "GET", roles_url(world.org_a)).json()
    }
    assert admin_view["auditor-plus"] is True
    assert world.call("member", "GET", roles_url(world.org_a)).status_code == 403
    assert world.call("other", "GET", roles_url(world.org_a)).status_code == 404


def test_update_bumps_the_version_and_takes_effect_on_the_next_request(world: World) -> None:
    in_a = world.run(lambda q: f.chat(q, world.user("chatter"), world.org_a))
    assert create(world, "org_admin", world.org_a, "editor", "chat:read").status_code == 201
    assert set_roles(world, "org_admin", world.org_a, "member", "editor").status_code == 200
    patch = {"title": "edited"}
    assert world.call("member", "PATCH", f"/api/v2/chats/{in_a.id}", json=patch).status_code == 403
    body = role_body("editor", "chat:read", "chat:update")
    response = world.call("org_admin", "PUT", roles_url(world.org_a), json=body)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert world.call("member", "PATCH", f"/api/v2/chats/{in_a.id}", json=patch).status_code == 200
    assert (
        world.call("org_admin", "PUT", roles_url(world.org_a), json=role_body("nope")).status_code
        == 404
    )
    assert set_roles(world, "org_admin", world.org_a, "member").status_code == 200


def test_a_custom_role_costs_no_extra_round_trip(world: World) -> None:
    """The definitions come with the subject query: a request by a subject holding a custom
    role sends exactly the statements a request by one holding only built-in roles does."""
    in_a = world.run(lambda q: f.chat(q, world.user("chatter"), world.org_a))
    assert create(world, "org_admin", world.org_a, "rt-reader", "chat:read").status_code == 201
    assert set_roles(world, "org_admin", world.org_a, "member", "rt-reader").status_code == 200

    def trips(actor: str) -> dict[str, int]:
        url = f"/api/v2/chats/{in_a.id}"
        assert world.call(actor, "GET", url).status_code == 200  # warm (last_used, pool)
        with count_async_round_trips() as counter:
            assert world.call(actor, "GET", url).status_code == 200
        return dict(counter.kinds)

    assert trips("member") == trips("chatter")
    header = world.headers("member")["Authorization"]

    async def authenticated() -> Subject:
        conn = await CountingAsyncConnection.connect(conninfo(world.engine), autocommit=True)
        try:
            with count_async_round_trips() as auth:
                subject = await authenticate(conn, Authorizer(), header)
        finally:
            await conn.close()
        assert dict(auth.kinds) == {"statement": 1}  # key, status, roles and definitions
        return subject

    subject = asyncio.run(authenticated())
    assert [(d.name, d.version) for d in subject.custom_roles] == [("rt-reader", 1)]
    assert set_roles(world, "org_admin", world.org_a, "member").status_code == 200


CHILD = """
import sys
import sqlalchemy as sa
from fastapi.testclient import TestClient
from server.app import create_app
from server.settings import Settings

client = TestClient(create_app(sa.create_engine(sys.argv[1]), Settings()))
print("ready", flush=True)
for line in sys.stdin:
    method, path, token = line.split()
    response = client.request(
        method, path, headers={"Authorization": "Bearer " + token}, json={"title": "t"}
    )
    print(response.status_code, flush=True)
"""


def test_a_change_through_one_process_is_in_force_in_another_on_its_next_request(
    world: World,
) -> None:
    """Two server processes on one database: this one changes the role, the other (a separate
    Python process with its own engine, authorizer and compiled-table cache) decides with the
    new definition on its very next request — nothing to invalidate, nothing to notify."""
    in_a = world.run(lambda q: f.chat(q, world.user("chatter"), world.org_a))
    assert create(world, "org_admin", world.org_a, "fresh", "chat:read").status_code == 201
    assert set_roles(world, "org_admin", world.org_a, "member", "fresh").status_code == 200
    url = world.engine.url.render_as_string(hide_password=False)
    token = world.tokens["member"]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None

    def other_process(method: str, path: str) -> int:
        child.stdin.write(f"{method} {path} {token}\n")  # type: ignore[union-attr]
        child.stdin.flush()  # type: ignore[union-attr]
        return int(child.stdout.readline())  # type: ignore[union-attr]

    try:
        assert child.stdout.readline().strip() == "ready"
        chat = f"/api/v2/chats/{in_a.id}"
        assert other_process("GET", chat) == 200
        assert other_process("PATCH", chat) == 403  # compiled and cached there for version 1
        body = role_body("fresh", "chat:read", "chat:update")
        assert world.call("org_admin", "PUT", roles_url(world.org_a), json=body).status_code == 200
        assert other_process("PATCH", chat) == 200  # version 2, on its next request
        body = role_body("fresh")
        assert world.call("org_admin", "PUT", roles_url(world.org_a), json=body).status_code == 200
        assert other_process("GET", chat) == 404  # and taken away as promptly
    finally:
        child.stdin.close()
        child.wait(timeout=60)
        child.stdout.close()
    assert set_roles(world, "org_admin", world.org_a, "member").status_code == 200
