"""Where the three parts of #13 meet (groups, chat sharing, scoped tokens), attacked through
the API on the embedded database: each test here failed before the fix it names."""

from __future__ import annotations

import uuid
from typing import Any

from querier.roundtrips import count_async_round_trips
from server.settings import Settings
from tests.server.conftest import World, error_of, new_group

GROUPS = "/api/v2/groups"


def uid(world: World, actor: str) -> str:
    return str(world.user(actor).id)


def test_the_chat_sharing_kill_switch_leaves_groups_readable_by_their_members(
    world: World,
) -> None:
    """The kill switch takes away what chat ACLs grant; a group's own entry (`{its id:
    [read]}`, by which its members read it) is not a share. Before the fix the switch stripped
    every object's ACL: a member's own group was 404 by id while its list still showed it."""
    group = new_group(world, "member")
    off = world.client_for(Settings(experiments=frozenset({"agents"}), chat_sharing=False))
    headers = world.headers("member")

    read = off.get(f"{GROUPS}/{group}", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["members"] == [uid(world, "member")]
    listed = off.get(f"/api/v2/organizations/{world.org_a.id}/groups", headers=headers)
    assert group in {g["id"] for g in listed.json()}
    # Still only a reader: the switch grants nothing either.
    renamed = off.patch(f"{GROUPS}/{group}", headers=headers, json={"name": "mine"})
    assert renamed.status_code == 403


def test_an_unreadable_group_costs_the_statements_of_a_missing_one(world: World) -> None:
    """GET / PATCH / DELETE `/groups/{id}`: an unknown id, a group the caller may not read and
    another organization's id (its Everyone group) answer alike — status, body and the number
    of statements. Before the fix an unreadable stored group stopped after its own lookup, one
    statement short of an unknown id (which goes on to look for an organization)."""
    hidden = new_group(world)  # `member` is not in it
    world.call("member", "GET", "/api/v2/chats")  # warm: a fresh last_used
    answers: dict[tuple[str, str], Any] = {}
    for name, group_id in (
        ("unknown", str(uuid.uuid4())),
        ("unreadable", hidden),
        ("other org", str(world.org_b.id)),
    ):
        for method in ("GET", "PATCH", "DELETE"):
            body: dict[str, Any] = {"json": {}} if method == "PATCH" else {}
            with count_async_round_trips() as trips:
                response = world.call("member", method, f"{GROUPS}/{group_id}", **body)
            answers[name, method] = (response.status_code, error_of(response), dict(trips.kinds))
    for method in ("GET", "PATCH", "DELETE"):
        unknown = answers["unknown", method]
        assert unknown[0] == 404
        assert answers["unreadable", method] == unknown, method
        assert answers["other org", method] == unknown, method
    assert world.call("org_admin", "GET", f"{GROUPS}/{hidden}").status_code == 200


CHATS = "/api/v2/chats"


def mint(world: World, actor: str, scopes: list[str], allow: list[dict[str, str]]) -> str:
    minted = world.call(
        actor,
        "POST",
        "/api/v2/users/me/keys/tokens",
        json={"scopes": scopes, "allow_list": allow, "lifetime_seconds": 3600},
    )
    assert minted.status_code == 201, minted.text
    token: str = minted.json()["key"]
    return token


def test_a_scope_never_widens_sharing_or_groups(world: World) -> None:
    """The API property test (`test_tokens_properties.py`) seeds no ACL and no group; here
    every request of the #13 routes, on chats shared by a user entry, a stored group and the
    Everyone group, is sent with scoped tokens and with the same user's unscoped one: a 2xx
    with the scope implies a 2xx without it, and a list is a subset."""
    group = new_group(world, "member", "chatter")
    chats = []
    for grant in (
        {"user_roles": {uid(world, "member"): "read"}},
        {"group_roles": {group: "read"}},
        {"group_roles": {str(world.org_a.id): "read"}},
    ):
        made = world.call(
            "chatter", "POST", CHATS, json={"title": "s", "organization_id": str(world.org_a.id)}
        )
        chat = made.json()["id"]
        assert world.call("chatter", "PATCH", f"{CHATS}/{chat}/acl", json=grant).status_code == 204
        chats.append(chat)
    nobody = str(uuid.uuid4())
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"{CHATS}?shared=include&limit=100", None),
        ("GET", f"{CHATS}?shared=only&limit=100", None),
        ("GET", f"/api/v2/organizations/{world.org_a.id}/groups", None),
        ("GET", f"{GROUPS}/{group}", None),
        ("GET", f"{GROUPS}/{world.org_a.id}", None),
        ("PATCH", f"{GROUPS}/{group}", {"remove_users": [nobody]}),
    ]
    for chat in chats:
        requests += [
            ("GET", f"{CHATS}/{chat}", None),
            ("GET", f"{CHATS}/{chat}/messages", None),
            ("GET", f"{CHATS}/{chat}/acl", None),
            ("PATCH", f"{CHATS}/{chat}/acl", {"user_roles": {nobody: ""}}),
        ]
    scopes = (
        ["chat:read"],
        ["chat:share", "chat:read"],
        ["chat:*"],
        ["group:read", "organization:read"],
        ["group:*", "group_member:*", "organization:read", "organization_member:read"],
        ["user:profile"],
    )
    allow_lists = (
        [{"type": "*", "id": "*"}],
        [{"type": "chat", "id": chats[1]}, {"type": "group", "id": group}],
        [{"type": "organization", "id": "*"}, {"type": "group", "id": str(world.org_a.id)}],
    )

    def send(headers: dict[str, str], method: str, path: str, body: Any) -> Any:
        response = world.client.request(method, path, headers=headers, json=body)
        assert response.status_code < 500, (method, path, response.text)
        return response

    checked = 0
    for actor in ("chatter", "member", "org_admin", "owner"):
        unscoped = world.headers(actor)
        for names in scopes:
            for allow in allow_lists:
                scoped = {"Authorization": f"Bearer {mint(world, actor, names, allow)}"}
                for method, path, body in requests:
                    narrow = send(scoped, method, path, body)
                    if narrow.status_code >= 300:
                        continue
                    wide = send(unscoped, method, path, body)
                    assert wide.status_code < 300, (actor, names, allow, method, path)
                    if method == "GET" and isinstance(narrow.json(), list):
                        assert {r["id"] for r in narrow.json()} <= {r["id"] for r in wide.json()}
                    checked += 1
    assert checked > 50  # the scoped tokens did get somewhere
