"""The three parts of #13 together, through the API: a chat shared with a stored group, read
by the group's members, through a token scoped to that one chat — and each piece taken away
again (group membership, the ACL entry, the scope) in force on the next request."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa

from tests.server.conftest import World, error_of, new_group

CHATS = "/api/v2/chats"
GROUPS = "/api/v2/groups"


def without_ids(body: dict[str, Any]) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", str(body["message"]))


def uid(world: World, actor: str) -> str:
    return str(world.user(actor).id)


def new_org_chat(world: World, title: str) -> str:
    response = world.call(
        "chatter", "POST", CHATS, json={"title": title, "organization_id": str(world.org_a.id)}
    )
    assert response.status_code == 201, response.text
    chat_id: str = response.json()["id"]
    return chat_id


def share(world: World, actor: str, chat_id: str, groups: dict[str, str]) -> Any:
    return world.call(
        actor, "PATCH", f"{CHATS}/{chat_id}/acl", json={"user_roles": {}, "group_roles": groups}
    )


def shared_ids(world: World, actor: str, headers: dict[str, str] | None = None) -> set[str]:
    response = world.call(actor, "GET", CHATS, params={"shared": "only"}, headers=headers)
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()}


def test_a_chat_shared_with_a_group_follows_the_groups_roster(world: World) -> None:
    chat = new_org_chat(world, "for reviewers")
    group = new_group(world, "member")
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 404

    # An org admin may share any chat of the organization, with any of its groups.
    assert share(world, "org_admin", chat, {group: "read"}).status_code == 204
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 200
    assert chat in shared_ids(world, "member")
    listed = world.call("chatter", "GET", f"{CHATS}/{chat}/acl").json()["groups"]
    assert [(g["id"], g["role"]) for g in listed] == [(group, "read")]

    # Off the roster: the very next request no longer reads it, nor lists it.
    removed = world.call(
        "org_admin", "PATCH", f"{GROUPS}/{group}", json={"remove_users": [uid(world, "member")]}
    )
    assert removed.status_code == 200, removed.text
    gone = world.call("member", "GET", f"{CHATS}/{chat}")
    missing = world.call("member", "GET", f"{CHATS}/{uuid.uuid4()}")
    assert gone.status_code == missing.status_code == 404
    assert error_of(gone) == error_of(missing)
    assert chat not in shared_ids(world, "member")

    # A deleted group's entry grants nobody anything and is not shown.
    back = world.call(
        "org_admin", "PATCH", f"{GROUPS}/{group}", json={"add_users": [uid(world, "member")]}
    )
    assert back.status_code == 200
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 200
    assert world.call("org_admin", "DELETE", f"{GROUPS}/{group}").status_code == 204
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 404
    assert world.call("chatter", "GET", f"{CHATS}/{chat}/acl").json()["groups"] == []


def test_a_token_scoped_to_one_shared_chat_reads_that_chat_only(world: World) -> None:
    group = new_group(world, "member")
    first, second = new_org_chat(world, "first"), new_org_chat(world, "second")
    for chat in (first, second):
        assert share(world, "org_admin", chat, {group: "read"}).status_code == 204
    minted = world.call(
        "member",
        "POST",
        "/api/v2/users/me/keys/tokens",
        json={"scopes": ["chat:read"], "allow_list": [{"type": "chat", "id": first}]},
    )
    assert minted.status_code == 201, minted.text
    scoped = {"Authorization": f"Bearer {minted.json()['key']}"}

    assert shared_ids(world, "member") >= {first, second}  # the session sees both
    assert shared_ids(world, "member", scoped) == {first}  # the token, only its chat
    assert world.call("member", "GET", f"{CHATS}/{first}", headers=scoped).status_code == 200
    assert world.call("member", "GET", f"{CHATS}/{second}", headers=scoped).status_code == 404


def test_a_read_scoped_token_of_the_owner_cannot_share(world: World) -> None:
    chat = new_org_chat(world, "mine")
    group = new_group(world, "chatter")
    minted = world.call(
        "chatter", "POST", "/api/v2/users/me/keys/tokens", json={"scopes": ["chat:read"]}
    )
    assert minted.status_code == 201, minted.text
    scoped = {"Authorization": f"Bearer {minted.json()['key']}"}
    refused = world.call(
        "chatter",
        "PATCH",
        f"{CHATS}/{chat}/acl",
        json={"user_roles": {}, "group_roles": {group: "read"}},
        headers=scoped,
    )
    assert refused.status_code == 403, refused.text
    assert world.call("chatter", "GET", f"{CHATS}/{chat}/acl").json()["groups"] == []
    # `chat:use` is what the chat UI needs, and sharing is not part of it either.
    use = world.call(
        "chatter", "POST", "/api/v2/users/me/keys/tokens", json={"scopes": ["chat:use"]}
    )
    assert use.status_code == 201, use.text
    control = share(world, "chatter", chat, {group: "read"})
    assert control.status_code == 204  # the session may
    assert (
        world.call(
            "chatter",
            "DELETE",
            f"{CHATS}/{chat}/acl",
            headers={"Authorization": f"Bearer {use.json()['key']}"},
        ).status_code
        == 403
    )


def test_a_group_the_sharer_cannot_see_is_refused_like_an_unknown_one(world: World) -> None:
    chat = new_org_chat(world, "careful")
    hidden = new_group(world, "member")
    mine = new_group(world, "chatter")
    assert world.call("chatter", "GET", f"{GROUPS}/{hidden}").status_code == 404

    unseen = share(world, "chatter", chat, {hidden: "read"})
    unknown = share(world, "chatter", chat, {str(uuid.uuid4()): "read"})
    assert unseen.status_code == unknown.status_code == 400
    assert without_ids(error_of(unseen)) == without_ids(error_of(unknown))
    assert world.call("chatter", "GET", f"{CHATS}/{chat}/acl").json()["groups"] == []
    # Its own group and the organization's Everyone group it may share with; an org admin,
    # who reads every group of the organization, with the hidden one too.
    assert share(world, "chatter", chat, {mine: "read"}).status_code == 204
    assert share(world, "chatter", chat, {str(world.org_a.id): "read"}).status_code == 204
    assert share(world, "org_admin", chat, {hidden: "read"}).status_code == 204


def stored_acls(world: World, chat_id: str) -> tuple[Any, Any]:
    with world.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT user_acl, group_acl FROM chats WHERE id = :id"), {"id": chat_id}
        ).one()
    return row.user_acl, row.group_acl


def test_leaving_the_organization_or_deleting_a_group_scrubs_its_entries(world: World) -> None:
    """Stale entries would grant again on rejoining, and count against the bound unseen."""
    chat = new_org_chat(world, "scrub")
    group = new_group(world, "chatter")
    reader = uid(world, "member")
    body = {"user_roles": {reader: "read"}, "group_roles": {group: "read"}}
    assert world.call("chatter", "PATCH", f"{CHATS}/{chat}/acl", json=body).status_code == 204
    assert stored_acls(world, chat) == ({reader: ["read"]}, {group: ["read"]})

    member_url = f"/api/v2/organizations/{world.org_a.id}/members/{reader}"
    assert world.call("owner", "DELETE", member_url).status_code == 204
    assert world.call("owner", "PUT", member_url, json={"roles": []}).status_code in (200, 201)
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 404  # back, not shared
    assert stored_acls(world, chat)[0] == {}
    assert world.call("chatter", "GET", f"{CHATS}/{chat}/acl").json()["users"] == []

    assert world.call("org_admin", "DELETE", f"{GROUPS}/{group}").status_code == 204
    assert stored_acls(world, chat) == ({}, {})
