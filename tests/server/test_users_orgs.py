"""Users, site roles (experiment-gated listing), organizations and members."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from authz import Action, Object, Subject
from server.settings import Settings
from tests.server.conftest import DenyingAuthorizer, World

USERS = "/api/v2/users"
ROLES = f"{USERS}/roles"
ORGS = "/api/v2/organizations"


def roles_of(world: World, actor: str, settings: Settings | None = None) -> dict[str, bool]:
    client = world.client if settings is None else world.client_for(settings)
    response = client.get(ROLES, headers=world.headers(actor))
    assert response.status_code == 200, response.text
    assert all(r["display_name"] for r in response.json())
    return {r["name"]: r["assignable"] for r in response.json()}


# --- GET /users/roles: chat-access only with the experiment (or dev) --------------------------


def test_roles_with_the_agents_experiment(world: World) -> None:
    listed = roles_of(world, "owner", Settings(experiments=frozenset({"agents"})))
    assert listed == {"owner": True, "auditor": True, "user-admin": True, "chat-access": True}


def test_roles_without_the_experiment_hide_chat_access(world: World) -> None:
    listed = roles_of(world, "owner", Settings())
    assert "chat-access" not in listed
    assert set(listed) == {"owner", "auditor", "user-admin"}


def test_roles_in_dev_mode_show_chat_access(world: World) -> None:
    assert "chat-access" in roles_of(world, "owner", Settings(dev=True))


def test_assignable_is_computed_for_the_caller(world: World) -> None:
    assert roles_of(world, "user_admin") == {
        "owner": False,
        "auditor": False,
        "user-admin": True,
        "chat-access": True,
    }
    for actor in ("member", "chatter", "org_admin"):
        assert not any(roles_of(world, actor).values()), actor


def test_roles_need_read_on_assign_role(world: World) -> None:
    def deny(subject: Subject, action: Action, obj: Object) -> bool:
        return obj.type == "assign_role"

    client = world.client_for(authorizer=DenyingAuthorizer(deny))
    assert client.get(ROLES, headers=world.headers("member")).status_code == 403


# --- PUT /users/{user}/roles -------------------------------------------------------------------


def new_user(world: World, actor: str = "owner", roles: list[str] | None = None) -> dict[str, Any]:
    name = f"u{uuid.uuid4().hex[:8]}"
    response = world.call(
        actor,
        "POST",
        USERS,
        json={"email": f"{name}@example.com", "username": name, "roles": roles or []},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def put_roles(world: World, actor: str, user: str, roles: list[str]) -> Any:
    return world.call(actor, "PUT", f"{USERS}/{user}/roles", json={"roles": roles})


def test_user_admin_grants_and_revokes_chat_access(world: World) -> None:
    target = new_user(world)
    granted = put_roles(world, "user_admin", target["id"], ["chat-access"])
    assert granted.status_code == 200
    assert granted.json()["roles"] == ["chat-access"]
    assert put_roles(world, "user_admin", target["id"], []).json()["roles"] == []


def test_user_admin_may_not_grant_owner(world: World) -> None:
    target = new_user(world)
    response = put_roles(world, "user_admin", target["id"], ["owner"])
    assert response.status_code == 403
    assert "owner" in response.json()["detail"]


def test_owner_grants_anything_and_implied_member_is_not_stored(world: World) -> None:
    target = new_user(world)
    response = put_roles(world, "owner", target["id"], ["auditor", "member", "owner"])
    assert response.status_code == 200
    assert response.json()["roles"] == ["auditor", "owner"]


@pytest.mark.parametrize("roles", [["no-such-role"], ["organization-admin"], ["Owner!"]])
def test_unknown_or_org_role_names_are_400(world: World, roles: list[str]) -> None:
    target = new_user(world)
    assert put_roles(world, "owner", target["id"], roles).status_code == 400


def test_roles_of_a_user_the_caller_cannot_see_are_404(world: World) -> None:
    target = new_user(world)
    assert put_roles(world, "chatter", target["id"], ["chat-access"]).status_code == 404
    assert put_roles(world, "owner", str(uuid.uuid4()), []).status_code == 404


# --- users -------------------------------------------------------------------------------------


def test_me(world: World) -> None:
    me = world.call("org_admin", "GET", f"{USERS}/me").json()
    assert me["username"] == "orgadmin"
    assert me["roles"] == []
    assert (
        world.call("org_admin", "GET", f"{USERS}/me").json()
        == world.call("org_admin", "GET", f"{USERS}/{me['id']}").json()
    )


def test_list_users_is_filtered(world: World) -> None:
    everyone = world.call("owner", "GET", USERS, params={"limit": 100}).json()
    assert {u["username"] for u in everyone} >= {"owner", "member", "chatter", "suspended"}
    own = world.call("member", "GET", USERS).json()
    assert [u["username"] for u in own] == ["member"]
    first = world.call("owner", "GET", USERS, params={"limit": 2}).json()
    rest = world.call(
        "owner", "GET", USERS, params={"limit": 100, "after_id": first[-1]["id"]}
    ).json()
    assert [u["id"] for u in first + rest] == [u["id"] for u in everyone]


def test_other_users_are_hidden_from_members(world: World) -> None:
    assert world.call("member", "GET", f"{USERS}/{world.user('chatter').id}").status_code == 404
    assert world.call("user_admin", "GET", f"{USERS}/{world.user('chatter').id}").status_code == 200


def test_create_users(world: World) -> None:
    made = new_user(world, "user_admin", ["chat-access"])
    assert made["roles"] == ["chat-access"]
    assert made["status"] == "active"
    duplicate = world.call(
        "owner",
        "POST",
        USERS,
        json={"email": made["email"].upper(), "username": "fresh-name"},
    )
    assert duplicate.status_code == 409


@pytest.mark.parametrize("actor", ["member", "chatter", "org_admin"])
def test_create_user_is_403_for_non_admins(world: World, actor: str) -> None:
    response = world.call(
        actor, "POST", USERS, json={"email": "x@example.com", "username": "sneaky"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "username": "ok"},
        {"email": "a@example.com", "username": "has space"},
        {"email": "a@example.com", "username": "ok", "roles": "owner"},
        {"email": "a@example.com"},
    ],
)
def test_create_user_validation_is_422(world: World, body: dict[str, Any]) -> None:
    assert world.call("owner", "POST", USERS, json=body).status_code == 422


# --- organizations -----------------------------------------------------------------------------


def test_owner_creates_organizations(world: World) -> None:
    response = world.call("owner", "POST", ORGS, json={"name": "org-c", "display_name": "C"})
    assert response.status_code == 201
    org = response.json()
    assert world.call("owner", "GET", f"{ORGS}/{org['id']}").json()["name"] == "org-c"
    assert world.call("owner", "POST", ORGS, json={"name": "org-c"}).status_code == 409
    assert world.call("owner", "POST", ORGS, json={"name": "Bad Name"}).status_code == 422


@pytest.mark.parametrize("actor", ["user_admin", "org_admin", "chatter", "member"])
def test_others_may_not_create_organizations(world: World, actor: str) -> None:
    assert (
        world.call(actor, "POST", ORGS, json={"name": f"x-{actor.replace('_', '-')}"}).status_code
        == 403
    )


def test_organizations_are_visible_to_their_members_only(world: World) -> None:
    assert world.call("member", "GET", f"{ORGS}/{world.org_a.id}").status_code == 200
    assert world.call("member", "GET", f"{ORGS}/{world.org_b.id}").status_code == 404
    assert world.call("member", "GET", f"{ORGS}/{uuid.uuid4()}").status_code == 404


def test_org_admin_changes_the_roles_of_members_an_owner_added(world: World) -> None:
    """An org admin cannot read other users, so it cannot add them (they would be an oracle);
    an owner adds them, and the org admin then manages their org roles."""
    target = new_user(world)
    url = f"{ORGS}/{world.org_a.id}/members/{target['id']}"
    assert world.call("org_admin", "PUT", url, json={"roles": []}).status_code == 404
    added = world.call("owner", "PUT", url, json={"roles": ["organization-auditor"]})
    assert added.status_code == 200, added.text
    assert added.json()["roles"] == ["organization-auditor"]
    changed = world.call("org_admin", "PUT", url, json={"roles": ["organization-user-admin"]})
    assert changed.json()["roles"] == ["organization-user-admin"]
    members = world.call("org_admin", "GET", f"{ORGS}/{world.org_a.id}/members").json()
    assert target["id"] in {m["user_id"] for m in members}


def test_member_put_validation(world: World) -> None:
    url = f"{ORGS}/{world.org_a.id}/members/{world.user('member').id}"
    assert world.call("org_admin", "PUT", url, json={"roles": ["owner"]}).status_code == 400
    assert world.call("org_admin", "PUT", url, json={"roles": ["nope"]}).status_code == 400
    missing_user = f"{ORGS}/{world.org_a.id}/members/{uuid.uuid4()}"
    assert world.call("owner", "PUT", missing_user, json={"roles": []}).status_code == 404


def test_members_cannot_manage_members(world: World) -> None:
    target = new_user(world)
    url = f"{ORGS}/{world.org_a.id}/members/{target['id']}"
    assert world.call("member", "PUT", url, json={"roles": []}).status_code == 403
    own = f"{ORGS}/{world.org_a.id}/members/me"
    assert (
        world.call("member", "PUT", own, json={"roles": ["organization-admin"]}).status_code == 403
    )
