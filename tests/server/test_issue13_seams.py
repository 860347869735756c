"""Where the three parts of #13 meet (groups, chat sharing, scoped tokens), attacked through
the API on the embedded database: each test here failed before the fix it names."""

from __future__ import annotations

import uuid
from typing import Any

from querier.roundtrips import count_async_round_trips
from server.settings import Settings
from tests.server.conftest import World, error_of

GROUPS = "/api/v2/groups"


def uid(world: World, actor: str) -> str:
    return str(world.user(actor).id)


def new_group(world: World, *members: str) -> str:
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
            f"{GROUPS}/{group_id}",
            json={"add_users": [uid(world, m) for m in members]},
        )
        assert added.status_code == 200, added.text
    return group_id


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
