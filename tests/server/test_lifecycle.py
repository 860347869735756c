"""Token, status and membership lifecycle over HTTP; usage and references that cannot be abused.

Each test that changes the world's owners or tokens makes its own users first, so the module's
shared world stays as `tests/server/conftest.py` describes it.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from authz import Authorizer
from querier.dbauthz import AuthzQuerier, as_chatd
from querier.generated.models import ChatMessageRole, User
from querier.generated.sql import SqlQuerier
from server.errors import NOT_FOUND_DETAIL
from server.schemas import USAGE_REFUSED
from server.tokens import mint_token
from tests import factories as f
from tests.server.conftest import World

USERS = "/api/v2/users"
ORGS = "/api/v2/organizations"
CHATS = "/api/v2/chats"
MAX_BIGINT = 2**63 - 1


def new_user(world: World, *roles: str) -> tuple[User, dict[str, str]]:
    """A committed user with a fresh token, and the headers that carry it."""

    def make(q: SqlQuerier) -> tuple[User, str]:
        user = f.user(q, *roles)
        return user, str(mint_token(q, user.id, timedelta(days=1))[0])

    user, token = world.run(make)
    return user, {"Authorization": f"Bearer {token}"}


def as_user(world: World, headers: dict[str, str], method: str, url: str, **kw: Any) -> Any:
    return world.client.request(method, url, headers=headers, **kw)


# --- item 2: usage is the system's; sums never overflow ----------------------------------------


def test_the_cost_attack_is_refused_and_summaries_still_answer(world: World) -> None:
    """The issue's attack: an org admin (who may not read alice's cost) posts assistant replies
    with cost 2^63-1 into alice's org chat. Refused (422); and when the *system* records such
    values, alice's and the owner's summaries still answer 200 with the exact sum."""
    chat = world.call("chatter", "POST", CHATS, json={"organization_id": str(world.org_a.id)})
    assert chat.status_code == 201
    chat_id = chat.json()["id"]
    url = f"{CHATS}/{chat_id}/messages"
    attack = {"role": "assistant", "content": "x", "total_cost_micros": MAX_BIGINT}
    for _ in range(2):
        refused = world.call("org_admin", "POST", url, json=attack)
        assert refused.status_code == 422
        assert USAGE_REFUSED in json.dumps(refused.json())
    plain = world.call("org_admin", "POST", url, json={"role": "assistant", "content": "x"})
    assert plain.status_code == 201
    assert plain.json()["total_cost_micros"] == 0

    with world.engine.begin() as conn, as_chatd():
        q = AuthzQuerier(SqlQuerier(conn), Authorizer())
        for _ in range(2):
            q.insert_chat_message(
                chat_id=uuid.UUID(chat_id),
                role=ChatMessageRole.ASSISTANT,
                content={"text": "costly"},
                input_tokens=MAX_BIGINT,
                output_tokens=1,
                total_cost_micros=MAX_BIGINT,
            )
    for actor, ref in (("chatter", "me"), ("owner", str(world.user("chatter").id))):
        summary = world.call(actor, "GET", f"{CHATS}/cost/{ref}/summary")
        assert summary.status_code == 200, summary.text
        body = summary.json()
        assert body["total_cost_micros"] >= 2 * MAX_BIGINT
        assert body["total_input_tokens"] >= 2 * MAX_BIGINT
        assert [c["total_cost_micros"] for c in body["by_chat"] if c["chat_id"] == chat_id] == [
            2 * MAX_BIGINT
        ]


@pytest.mark.parametrize("field", ["input_tokens", "output_tokens", "total_cost_micros"])
def test_any_usage_field_from_a_client_is_422(world: World, field: str) -> None:
    chat = world.call("chatter", "POST", CHATS, json={}).json()
    body = {"content": "x", field: 0}
    response = world.call("owner", "POST", f"{CHATS}/{chat['id']}/messages", json=body)
    assert response.status_code == 422
    assert USAGE_REFUSED in json.dumps(response.json())


# --- item 3: the last owner --------------------------------------------------------------------


def test_the_only_owner_cannot_demote_or_suspend_itself(world: World) -> None:
    before = world.snapshot()
    demote = world.call("owner", "PUT", f"{USERS}/me/roles", json={"roles": []})
    assert demote.status_code == 409
    assert "last active owner" in demote.json()["detail"]
    suspend = world.call("owner", "PUT", f"{USERS}/me/status/suspend")
    assert suspend.status_code == 409
    assert world.snapshot() == before


def test_with_a_second_owner_the_first_may_step_down(world: World) -> None:
    _, headers = new_user(world, "owner")
    response = as_user(world, headers, "PUT", f"{USERS}/me/roles", json={"roles": []})
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == []
    # ... and the original owner, now the only one again, still cannot.
    assert world.call("owner", "PUT", f"{USERS}/me/roles", json={"roles": []}).status_code == 409


# --- item 4: status ----------------------------------------------------------------------------


def test_suspend_takes_effect_at_once_and_activate_restores(world: World) -> None:
    target, headers = new_user(world, "chat-access")
    assert as_user(world, headers, "GET", f"{USERS}/me").status_code == 200
    url = f"{USERS}/{target.id}/status"
    suspended = world.call("user_admin", "PUT", f"{url}/suspend")
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    refused = as_user(world, headers, "GET", f"{USERS}/me")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "User account is suspended."
    assert world.call("owner", "PUT", f"{url}/activate").json()["status"] == "active"
    assert as_user(world, headers, "GET", f"{USERS}/me").status_code == 200


@pytest.mark.parametrize(("actor", "status"), [("member", 404), ("org_admin", 404)])
def test_status_changes_need_update_on_the_user(world: World, actor: str, status: int) -> None:
    target, _ = new_user(world)
    before = world.snapshot()
    response = world.call(actor, "PUT", f"{USERS}/{target.id}/status/suspend")
    assert response.status_code == status
    # A user may read itself but not change its own status.
    assert world.call(actor, "PUT", f"{USERS}/me/status/suspend").status_code == 403
    assert world.snapshot() == before


def test_status_of_a_missing_user_is_404(world: World) -> None:
    assert world.call("owner", "PUT", f"{USERS}/{uuid.uuid4()}/status/suspend").status_code == 404


# --- item 4: keys ------------------------------------------------------------------------------


def test_keys_list_metadata_only_and_revoke(world: World) -> None:
    target, headers = new_user(world, "chat-access")
    second = world.run(lambda q: mint_token(q, target.id, timedelta(days=1))[0])
    listed = as_user(world, headers, "GET", f"{USERS}/me/keys")
    assert listed.status_code == 200
    keys = listed.json()
    assert len(keys) == 2
    assert set(keys[0]) == {
        "id",
        "user_id",
        "created_at",
        "expires_at",
        "last_used",
        "scopes",  # scoped tokens (#13): what the key may do, never its secret
        "allow_list",
    }
    assert second.id in {k["id"] for k in keys}
    assert second.secret not in listed.text
    assert world.call("owner", "GET", f"{USERS}/{target.id}/keys").json() == keys
    # user-admins manage users, not their keys: hidden like anything unreadable
    assert world.call("user_admin", "GET", f"{USERS}/{target.id}/keys").status_code == 404

    revoked = as_user(world, headers, "DELETE", f"{USERS}/me/keys/{second.id}")
    assert revoked.status_code == 204
    second_headers = {"Authorization": f"Bearer {second}"}
    assert as_user(world, second_headers, "GET", f"{USERS}/me").status_code == 401
    assert as_user(world, headers, "GET", f"{USERS}/me").status_code == 200
    assert as_user(world, headers, "DELETE", f"{USERS}/me/keys/{second.id}").status_code == 404


def test_a_key_is_revoked_only_under_its_own_user(world: World) -> None:
    target, headers = new_user(world)
    theirs = world.run(lambda q: mint_token(q, world.user("member").id, timedelta(days=1))[0])
    for actor_headers, url in (
        (headers, f"{USERS}/me/keys/{theirs.id}"),  # someone else's key, under my name
        (world.headers("owner"), f"{USERS}/{target.id}/keys/{theirs.id}"),  # wrong user
        (headers, f"{USERS}/me/keys/{'z' * 12}"),  # no such key
    ):
        response = world.client.delete(url, headers=actor_headers)
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND_DETAIL
    assert world.client.get(f"{USERS}/me", headers={"Authorization": f"Bearer {theirs}"}).is_success


# --- item 4: members and organizations ---------------------------------------------------------


def test_remove_a_member(world: World) -> None:
    target, headers = new_user(world)
    url = f"{ORGS}/{world.org_a.id}/members/{target.id}"
    added = world.call("owner", "PUT", url, json={"roles": ["organization-auditor"]})
    assert added.status_code == 200
    assert as_user(world, headers, "GET", f"{ORGS}/{world.org_a.id}").status_code == 200
    # A plain member cannot see memberships: the same 404 as for a missing one.
    assert world.call("member", "DELETE", url).status_code == 404
    assert world.call("org_admin", "DELETE", url).status_code == 204
    assert world.call("org_admin", "DELETE", url).status_code == 404
    assert as_user(world, headers, "GET", f"{ORGS}/{world.org_a.id}").status_code == 404


def test_organizations_list_what_the_caller_may_read(world: World) -> None:
    def names(actor: str) -> set[str]:
        response = world.call(actor, "GET", ORGS)
        assert response.status_code == 200
        return {o["name"] for o in response.json()}

    assert names("member") == {"org-a"}
    assert names("other") == {"org-b"}
    assert {"org-a", "org-b"} <= names("owner")
    assert names("user_admin") == set()
    page = world.call("owner", "GET", ORGS, params={"limit": 1, "after_name": "org-a"}).json()
    assert [o["name"] for o in page] == ["org-b"]


# --- item 8: foreign keys are no existence oracle ----------------------------------------------


def probes(world: World) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """Pairs of requests that differ only in whether the referenced row exists."""
    owner_id, missing = world.user("owner").id, uuid.uuid4()
    chat = world.call("chatter", "POST", CHATS, json={"organization_id": str(world.org_a.id)})
    msgs = f"{CHATS}/{chat.json()['id']}/messages"
    return [
        ("org_admin", "PUT", f"{ORGS}/{world.org_a.id}/members/{owner_id}", {"roles": []}),
        ("org_admin", "PUT", f"{ORGS}/{world.org_a.id}/members/{missing}", {"roles": []}),
        ("user_admin", "PUT", f"{ORGS}/{world.org_b.id}/members/me", {"roles": []}),
        ("user_admin", "PUT", f"{ORGS}/{missing}/members/me", {"roles": []}),
        (
            "org_admin",
            "POST",
            msgs,
            {"content": "x", "model_config_id": str(world.other_config.id)},
        ),
        ("org_admin", "POST", msgs, {"content": "x", "model_config_id": str(missing)}),
        ("owner", "PUT", f"{ORGS}/{world.org_a.id}/members/{missing}", {"roles": []}),
        ("owner", "PUT", f"{ORGS}/{missing}/members/me", {"roles": []}),
        ("user_admin", "GET", f"{ORGS}/{world.org_b.id}/members", None),
        ("user_admin", "GET", f"{ORGS}/{missing}/members", None),
        ("user_admin", "DELETE", f"{ORGS}/{world.org_b.id}/members/{world.user('other').id}", None),
        ("user_admin", "DELETE", f"{ORGS}/{missing}/members/{world.user('other').id}", None),
    ]


def test_references_answer_unreadable_exactly_like_missing(world: World) -> None:
    before = world.snapshot()
    answers = [
        world.call(actor, method, url, json=body) for actor, method, url, body in probes(world)
    ]
    for response in answers:
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == NOT_FOUND_DETAIL
        for leak in ("fkey", "constraint", "violates", "organization_members", "chat_messages"):
            assert leak not in response.text.lower()
    assert world.snapshot() == before  # the site owner was not added to org A
