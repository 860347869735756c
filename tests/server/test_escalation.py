"""Privilege escalation attempts are refused (403 / 401) and change nothing in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.server.conftest import World

USERS = "/api/v2/users"
ORGS = "/api/v2/organizations"


@contextmanager
def unchanged(world: World) -> Iterator[None]:
    before = world.snapshot()
    yield
    assert world.snapshot() == before


def put_roles(world: World, actor: str, user: str, roles: list[str]) -> Any:
    return world.call(actor, "PUT", f"{USERS}/{user}/roles", json={"roles": roles})


def test_user_admin_granting_owner_to_itself(world: World) -> None:
    with unchanged(world):
        response = put_roles(world, "user_admin", "me", ["user-admin", "owner"])
    assert response.status_code == 403
    assert "'owner'" in response.json()["detail"]


def test_user_admin_granting_owner_to_someone_else(world: World) -> None:
    with unchanged(world):
        response = put_roles(world, "user_admin", str(world.user("chatter").id), ["owner"])
    assert response.status_code == 403
    assert "'owner'" in response.json()["detail"]


def test_user_admin_creating_an_owner(world: World) -> None:
    with unchanged(world):
        response = world.call(
            "user_admin",
            "POST",
            USERS,
            json={"email": "boss@example.com", "username": "boss", "roles": ["owner"]},
        )
    assert response.status_code == 403
    assert "'owner'" in response.json()["detail"]


def test_user_admin_removing_an_owner(world: World) -> None:
    with unchanged(world):
        response = put_roles(world, "user_admin", str(world.user("owner").id), [])
    assert response.status_code == 403
    assert "'owner'" in response.json()["detail"]


def test_member_granting_itself_chat_access(world: World) -> None:
    with unchanged(world):
        response = put_roles(world, "member", "me", ["chat-access"])
    assert response.status_code == 403
    assert "'chat-access'" in response.json()["detail"]


def test_chat_access_user_granting_itself_user_admin(world: World) -> None:
    with unchanged(world):
        response = put_roles(world, "chatter", "me", ["chat-access", "user-admin"])
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("target", "roles"),
    [
        ("other", ["organization-admin"]),  # a member of B
        ("member", ["organization-auditor"]),  # not a member of B: would add it
        ("org_admin", ["organization-admin"]),  # itself, into B
    ],
)
def test_org_admin_granting_roles_in_another_org(
    world: World, target: str, roles: list[str]
) -> None:
    url = f"{ORGS}/{world.org_b.id}/members/{world.user(target).id}"
    with unchanged(world):
        response = world.call("org_admin", "PUT", url, json={"roles": roles})
    # Organization B is not one the org admin may read: refused as if it did not exist.
    assert response.status_code == 404


def test_org_admin_granting_site_roles(world: World) -> None:
    with unchanged(world):
        response = put_roles(world, "org_admin", str(world.user("member").id), ["chat-access"])
    # An org admin cannot even read a user at site level: the target is hidden (404).
    assert response.status_code == 404
    with unchanged(world):
        assert put_roles(world, "org_admin", "me", ["owner"]).status_code == 403


@pytest.mark.parametrize(
    "attempt",
    [
        lambda w: put_roles(w, "suspended", "me", ["chat-access"]),
        lambda w: w.call("suspended", "POST", "/api/v2/chats", json={}),
        lambda w: w.call("suspended", "PUT", f"{ORGS}/{w.org_a.id}/members/me", json={"roles": []}),
        lambda w: w.call("suspended", "POST", USERS, json={"email": "a@b.co", "username": "ab"}),
    ],
)
def test_a_suspended_users_token_is_refused(world: World, attempt: Callable[[World], Any]) -> None:
    with unchanged(world):
        response = attempt(world)
    assert response.status_code == 401
