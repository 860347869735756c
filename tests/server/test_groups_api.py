"""Groups over HTTP (#13): every status the issue names, the Everyone group, escalation
attempts refused (and nothing changed), and roster changes in force on the next request.

Actors (tests/server/conftest.py): org_admin (organization-admin of A), member and chatter
(members of A), other (member of B), owner; plus org_user_admin (organization-user-admin of A)
added here. The status recorder checks that every status seen is documented.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from querier.generated.sql import SqlQuerier
from server.tokens import mint_token
from tests import factories as f
from tests.conftest import NewDatabase
from tests.server.conftest import World, error_of, make_world

GROUPS = "/api/v2/groups"


@pytest.fixture(scope="module")
def world(new_database: NewDatabase) -> World:
    w = make_world(new_database())

    def org_user_admin(q: SqlQuerier) -> str:
        user = f.user(q, name="orguseradmin")
        f.member(q, user, w.org_a, "organization-user-admin")
        w.users["org_user_admin"] = user
        return str(mint_token(q, user.id, timedelta(days=1))[0])

    w.tokens["org_user_admin"] = w.run(org_user_admin)

    def org_b_admin(q: SqlQuerier) -> str:
        user = f.user(q, name="orgbadmin")
        f.member(q, user, w.org_b, "organization-admin")
        w.users["org_b_admin"] = user
        return str(mint_token(q, user.id, timedelta(days=1))[0])

    w.tokens["org_b_admin"] = w.run(org_b_admin)
    return w


def org_groups(w: World) -> str:
    return f"/api/v2/organizations/{w.org_a.id}/groups"


def create(w: World, name: str, *members: str, actor: str = "org_admin") -> dict[str, Any]:
    r = w.call(actor, "POST", org_groups(w), json={"name": name, "display_name": name.title()})
    assert r.status_code == 201, r.text
    group: dict[str, Any] = r.json()
    if members:
        ids = [str(w.user(m).id) for m in members]
        r = w.call("org_admin", "PATCH", f"{GROUPS}/{group['id']}", json={"add_users": ids})
        assert r.status_code == 200, r.text
        group = r.json()
    return group


def roster(w: World, group_id: str) -> set[str]:
    r = w.call("owner", "GET", f"{GROUPS}/{group_id}")
    assert r.status_code == 200, r.text
    return set(r.json()["members"])


def uid(w: World, actor: str) -> str:
    return str(w.user(actor).id)


def test_create_list_and_read(world: World) -> None:
    team = create(world, "team", "member")
    assert team["members"] == [uid(world, "member")]
    assert not team["everyone"]
    # Members of the group read it and its roster; everyone else in the org does not see it.
    r = world.call("member", "GET", f"{GROUPS}/{team['id']}")
    assert r.status_code == 200
    assert r.json()["members"] == [uid(world, "member")]
    hidden = world.call("chatter", "GET", f"{GROUPS}/{team['id']}")
    missing = world.call("chatter", "GET", f"{GROUPS}/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden) == error_of(missing)
    # The list is filtered: the Everyone group first, then the groups the caller may read.
    names = [g["name"] for g in world.call("member", "GET", org_groups(world)).json()]
    assert names[0] == "everyone"
    assert "team" in names
    assert [g["name"] for g in world.call("chatter", "GET", org_groups(world)).json()] == [
        "everyone"
    ]
    assert world.call("other", "GET", org_groups(world)).status_code == 404


def test_create_refusals(world: World) -> None:
    create(world, "dup")
    r = world.call("org_admin", "POST", org_groups(world), json={"name": "dup"})
    assert r.status_code == 409
    r = world.call("org_admin", "POST", org_groups(world), json={"name": "everyone"})
    assert r.status_code == 409  # the implicit Everyone group holds the name
    for bad in ("Has Space", "UPPER", "", "x" * 65, "-lead"):
        r = world.call("org_admin", "POST", org_groups(world), json={"name": bad})
        assert r.status_code == 422, bad
    for actor in ("member", "org_user_admin"):
        assert (
            world.call(actor, "POST", org_groups(world), json={"name": "mine"}).status_code == 403
        )
    r = world.call(
        "org_admin",
        "POST",
        f"/api/v2/organizations/{world.org_b.id}/groups",
        json={"name": "theirs"},
    )
    assert r.status_code == 404  # an organization the caller cannot read


def test_add_users_refuses_non_members_with_one_text_and_adds_nothing(world: World) -> None:
    g = create(world, "strict")
    url = f"{GROUPS}/{g['id']}"
    bodies = []
    for bad in (uid(world, "other"), str(uuid.uuid4())):  # a user of org B; an unknown id
        r = world.call("org_admin", "PATCH", url, json={"add_users": [uid(world, "member"), bad]})
        assert r.status_code == 400, r.text
        bodies.append({k: v.replace(bad, "<id>") for k, v in error_of(r).items()})
    assert bodies[0] == bodies[1]
    assert roster(world, g["id"]) == set()  # member was not added either: all or nothing
    both = world.call(
        "org_admin",
        "PATCH",
        url,
        json={"add_users": [uid(world, "member")], "remove_users": [uid(world, "member")]},
    )
    assert both.status_code == 400
    too_many = world.call("org_admin", "PATCH", url, json={"add_users": [str(uuid.uuid4())] * 1001})
    assert too_many.status_code == 422


def test_patch_is_one_transaction(world: World) -> None:
    g = create(world, "atomic", "chatter")
    create(world, "taken")
    r = world.call(
        "org_admin",
        "PATCH",
        f"{GROUPS}/{g['id']}",
        json={"name": "taken", "remove_users": [uid(world, "chatter")]},
    )
    assert r.status_code == 409
    assert roster(world, g["id"]) == {uid(world, "chatter")}  # the removal was rolled back
    r = world.call(
        "org_admin",
        "PATCH",
        f"{GROUPS}/{g['id']}",
        json={
            "name": "atomic-2",
            "display_name": "Atomic",
            "add_users": [uid(world, "member")],
            "remove_users": [uid(world, "chatter")],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["display_name"], body["members"]) == (
        "atomic-2",
        "Atomic",
        [uid(world, "member")],
    )


def test_escalations_are_refused_and_change_nothing(world: World) -> None:
    g = create(world, "locked", "member")
    url = f"{GROUPS}/{g['id']}"
    # A member of the group reads it but cannot add itself or others, rename or delete it.
    for body in (
        {"add_users": [uid(world, "chatter")]},
        {"name": "mine"},
        {"remove_users": [uid(world, "member")]},
    ):
        assert world.call("member", "PATCH", url, json=body).status_code == 403, body
    assert world.call("member", "DELETE", url).status_code == 403
    # Not in the group: it is missing (404), also for adding oneself.
    assert (
        world.call("chatter", "PATCH", url, json={"add_users": [uid(world, "chatter")]}).status_code
        == 404
    )
    # The organization user admin manages members, not groups.
    assert world.call("org_user_admin", "PATCH", url, json={"name": "renamed"}).status_code == 403
    assert world.call("org_user_admin", "DELETE", url).status_code == 403
    # ...and cannot add a user of another organization.
    r = world.call("org_user_admin", "PATCH", url, json={"add_users": [uid(world, "other")]})
    assert r.status_code == 400
    # Another organization's admin sees nothing.
    assert world.call("other", "PATCH", url, json={"name": "x"}).status_code == 404
    after = world.call("owner", "GET", url).json()
    assert (after["name"], after["members"]) == ("locked", [uid(world, "member")])
    r = world.call("org_user_admin", "PATCH", url, json={"add_users": [uid(world, "chatter")]})
    assert r.status_code == 200
    assert set(r.json()["members"]) == {
        uid(world, "member"),
        uid(world, "chatter"),
    }


def test_membership_changes_are_in_force_on_the_next_request(world: World) -> None:
    g = create(world, "fresh", "chatter")
    url = f"{GROUPS}/{g['id']}"
    assert world.call("chatter", "GET", url).status_code == 200
    r = world.call("org_admin", "PATCH", url, json={"remove_users": [uid(world, "chatter")]})
    assert r.status_code == 200
    assert world.call("chatter", "GET", url).status_code == 404
    world.call("org_admin", "PATCH", url, json={"add_users": [uid(world, "chatter")]})
    assert world.call("chatter", "GET", url).status_code == 200
    assert world.call("org_admin", "DELETE", url).status_code == 204
    assert world.call("chatter", "GET", url).status_code == 404
    assert world.call("org_admin", "GET", url).status_code == 404
    assert world.call("org_admin", "DELETE", url).status_code == 404


def test_leaving_the_organization_leaves_its_groups(world: World) -> None:
    def leaver(q: SqlQuerier) -> str:
        user = f.user(q, name="leaver")
        f.member(q, user, world.org_a)
        world.users["leaver"] = user
        return str(mint_token(q, user.id, timedelta(days=1))[0])

    world.tokens["leaver"] = world.run(leaver)
    g = create(world, "leavers", "leaver", "member")
    assert world.call("leaver", "GET", f"{GROUPS}/{g['id']}").status_code == 200
    r = world.call("owner", "DELETE", f"/api/v2/organizations/{world.org_a.id}/members/leaver")
    assert r.status_code == 204
    assert roster(world, g["id"]) == {uid(world, "member")}
    assert world.call("leaver", "GET", f"{GROUPS}/{g['id']}").status_code == 404


def test_the_everyone_group_is_listed_readable_and_never_editable(world: World) -> None:
    url = f"{GROUPS}/{world.org_a.id}"
    r = world.call("member", "GET", url)
    assert r.status_code == 200
    body = r.json()
    assert (body["name"], body["everyone"], body["members"]) == ("everyone", True, None)
    # Whoever may list the organization's members sees them as its roster.
    members = set(world.call("org_admin", "GET", url).json()["members"])
    assert {uid(world, "member"), uid(world, "org_admin")} <= members
    for actor in ("owner", "org_admin", "member"):
        assert world.call(actor, "PATCH", url, json={"name": "all"}).status_code == 403
        assert (
            world.call(actor, "PATCH", url, json={"add_users": [uid(world, "member")]}).status_code
            == 403
        )
        assert world.call(actor, "DELETE", url).status_code == 403
    assert "cannot be changed or deleted" in world.call("owner", "DELETE", url).json()["message"]
    # Not a member of org A: the same 404 as a missing group.
    assert world.call("other", "GET", url).status_code == 404
    assert world.call("other", "DELETE", url).status_code == 404


def test_generated_requests_on_real_groups_never_get_a_5xx(world: World) -> None:
    """Schemathesis over the group operations, with the path pointing at a real group, the
    Everyone group or org A (random ids would only ever meet the 404), as several actors."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        op = result.ok()
        if "/groups" in op.path:
            operations.append(op)
    assert {(op.method.upper(), op.path) for op in operations} == {
        ("GET", "/api/v2/organizations/{org_id}/groups"),
        ("POST", "/api/v2/organizations/{org_id}/groups"),
        ("GET", "/api/v2/groups/{group_id}"),
        ("PATCH", "/api/v2/groups/{group_id}"),
        ("DELETE", "/api/v2/groups/{group_id}"),
    }
    real = create(world, "fuzzed", "member")["id"]
    targets = {"org_id": [str(world.org_a.id)], "group_id": [real, str(world.org_a.id)]}
    seen: set[tuple[str, int]] = set()
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_5xx(case: Any) -> None:
            for name, values in targets.items():
                if name in (case.path_parameters or {}):
                    for value in values:
                        case.path_parameters[name] = value
                        for actor in ("org_admin", "org_user_admin", "member", "other"):
                            response = case.call(headers=world.headers(actor))
                            seen.add((case.method, response.status_code))
                            assert response.status_code < 500, (
                                f"{case.method} {case.formatted_path} as {actor}: "
                                f"{response.status_code} {response.text}"
                            )

        no_5xx()
    # The generated requests reached the handlers, not only validation.
    assert {("GET", 200), ("PATCH", 200), ("PATCH", 403), ("DELETE", 403)} <= seen, seen


def test_no_group_crosses_organizations(world: World) -> None:
    a_group = create(world, "a-only", "member")
    url_a = f"{GROUPS}/{a_group['id']}"
    # Org B's admin: org A's group is missing to it, whatever it tries.
    for method, body in (("GET", None), ("PATCH", {"name": "mine"}), ("DELETE", None)):
        r = world.call("org_b_admin", method, url_a, json=body)
        assert r.status_code == 404, (method, r.text)
    r = world.call(
        "org_b_admin",
        "POST",
        f"/api/v2/organizations/{world.org_b.id}/groups",
        json={"name": "b-team"},
    )
    assert r.status_code == 201
    url_b = f"{GROUPS}/{r.json()['id']}"
    # ...and it cannot pull org A's member into org B's group: the 400 of an unknown id.
    refused = world.call("org_b_admin", "PATCH", url_b, json={"add_users": [uid(world, "member")]})
    unknown_id = str(uuid.uuid4())
    unknown = world.call("org_b_admin", "PATCH", url_b, json={"add_users": [unknown_id]})
    assert refused.status_code == unknown.status_code == 400
    assert error_of(refused)["message"].replace(uid(world, "member"), "<id>") == error_of(unknown)[
        "message"
    ].replace(unknown_id, "<id>")
    # Org A's admin cannot touch org B's group either.
    assert (
        world.call(
            "org_admin", "PATCH", url_b, json={"add_users": [uid(world, "member")]}
        ).status_code
        == 404
    )
    assert world.call("owner", "GET", url_b).json()["members"] == []
    assert world.call("owner", "GET", url_a).json()["members"] == [uid(world, "member")]
