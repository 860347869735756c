"""Chats end to end: pre-flight 403, list filtering, and 404 for missing *or* unreadable."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from authz import Action, Object, Subject
from server.errors import NOT_FOUND_DETAIL
from tests.server.conftest import DenyingAuthorizer, World, error_of, error_of_text

CHATS = "/api/v2/chats"


def create(world: World, actor: str, **body: Any) -> dict[str, Any]:
    response = world.call(actor, "POST", CHATS, json=body)
    assert response.status_code == 201, response.text
    chat: dict[str, Any] = response.json()
    return chat


@pytest.fixture(scope="module")
def chats(world: World) -> dict[str, dict[str, Any]]:
    """A personal and an org-A chat of the chat-access user, and one of `other` in org B."""
    return {
        "personal": create(world, "chatter", title="personal"),
        "in_a": create(world, "chatter", title="in A", organization_id=str(world.org_a.id)),
        "other_b": create(world, "other", title="theirs", organization_id=str(world.org_b.id)),
    }


# --- create ------------------------------------------------------------------------------------


def test_create_uses_the_caller_and_the_default_model(world: World) -> None:
    chat = create(world, "chatter", title="hello")
    assert chat["owner_id"] == str(world.user("chatter").id)
    assert chat["organization_id"] is None
    assert chat["last_model_config_id"] == str(world.default_config.id)
    assert chat["status"] == "waiting"
    assert chat["archived"] is False


def test_create_with_an_explicit_model_and_org(world: World) -> None:
    chat = create(
        world,
        "chatter",
        organization_id=str(world.org_a.id),
        model_config_id=str(world.other_config.id),
    )
    assert chat["organization_id"] == str(world.org_a.id)
    assert chat["last_model_config_id"] == str(world.other_config.id)
    assert chat["title"] == "New chat"


def test_create_with_unknown_model_is_400(world: World) -> None:
    response = world.call("chatter", "POST", CHATS, json={"model_config_id": str(uuid.uuid4())})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"title": "ok"},
        {"title": 42, "model_config_id": "not-a-uuid"},  # invalid, but denied first
        {"organization_id": "ORG-A"},
        ["not", "an", "object"],
    ],
)
def test_member_without_chat_access_is_refused_before_validation(
    world: World, body: object
) -> None:
    response = world.call("member", "POST", CHATS, json=body)
    assert response.status_code == 403


def test_member_is_refused_with_a_malformed_body_too(world: World) -> None:
    response = world.call("member", "POST", CHATS, content=b"{not json")
    assert response.status_code == 403


def test_chat_access_user_may_not_create_in_an_org_it_is_not_in(world: World) -> None:
    response = world.call("chatter", "POST", CHATS, json={"organization_id": str(world.org_b.id)})
    assert response.status_code == 403


def test_org_admin_without_chat_access_creates_in_its_org_only(world: World) -> None:
    in_a = world.call("org_admin", "POST", CHATS, json={"organization_id": str(world.org_a.id)})
    assert in_a.status_code == 201
    assert world.call("org_admin", "POST", CHATS, json={}).status_code == 403


def test_owner_creating_in_a_missing_org_is_400(world: World) -> None:
    response = world.call("owner", "POST", CHATS, json={"organization_id": str(uuid.uuid4())})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"title": "nul\x00byte"},
        {"title": "ok", "owner_id": str(uuid.uuid4())},  # the owner is always the caller
        {"organization_id": "not-a-uuid"},
    ],
)
def test_create_validation_is_422(world: World, body: dict[str, Any]) -> None:
    assert world.call("chatter", "POST", CHATS, json=body).status_code == 422


def test_create_malformed_json_is_422(world: World) -> None:
    response = world.call("chatter", "POST", CHATS, content=b"{nope")
    assert response.status_code == 422
    assert world.call("chatter", "POST", CHATS).status_code == 422  # no body at all


# --- list --------------------------------------------------------------------------------------


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()}


def test_member_without_chat_access_lists_nothing(world: World, chats: dict[str, Any]) -> None:
    response = world.call("member", "GET", CHATS)
    assert response.status_code == 200
    assert response.json() == []


def test_chat_access_user_lists_only_its_own(world: World, chats: dict[str, Any]) -> None:
    seen = ids(world.call("chatter", "GET", CHATS, params={"limit": 100}))
    assert {chats["personal"]["id"], chats["in_a"]["id"]} <= seen
    assert chats["other_b"]["id"] not in seen
    assert (
        ids(world.call("chatter", "GET", CHATS, params={"owner": str(world.user("other").id)}))
        == set()
    )


def test_owner_lists_everyone_and_org_admin_its_org(world: World, chats: dict[str, Any]) -> None:
    everything = ids(world.call("owner", "GET", CHATS, params={"limit": 100}))
    assert {c["id"] for c in chats.values()} <= everything
    org_view = ids(world.call("org_admin", "GET", CHATS, params={"limit": 100}))
    assert chats["in_a"]["id"] in org_view
    assert chats["personal"]["id"] not in org_view
    assert chats["other_b"]["id"] not in org_view


def test_list_filters_and_pages(world: World, chats: dict[str, Any]) -> None:
    mine = world.call("chatter", "GET", CHATS, params={"owner": "me", "limit": 100}).json()
    assert all(c["owner_id"] == str(world.user("chatter").id) for c in mine)
    first = world.call("chatter", "GET", CHATS, params={"limit": 1}).json()
    rest = world.call(
        "chatter", "GET", CHATS, params={"after_id": first[0]["id"], "limit": 100}
    ).json()
    assert [c["id"] for c in first + rest] == [c["id"] for c in mine]
    archived = world.call("chatter", "GET", CHATS, params={"archived": True}).json()
    assert all(c["archived"] for c in archived)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"owner": "someone"}, {"after_id": "x"}]
)
def test_list_bad_params_are_422(world: World, params: dict[str, Any]) -> None:
    assert world.call("chatter", "GET", CHATS, params=params).status_code == 422


# --- one chat: 404 for missing and unreadable alike --------------------------------------------


def test_get_own_chat(world: World, chats: dict[str, Any]) -> None:
    response = world.call("chatter", "GET", f"{CHATS}/{chats['in_a']['id']}")
    assert response.status_code == 200
    assert response.json() == chats["in_a"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unreadable_and_missing_chats_are_the_same_404(
    world: World, chats: dict[str, Any], method: str
) -> None:
    body = {"json": {"title": "mine now"}} if method == "PATCH" else {}
    hidden = world.call("chatter", method, f"{CHATS}/{chats['other_b']['id']}", **body)
    missing = world.call("chatter", method, f"{CHATS}/{uuid.uuid4()}", **body)
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden) == error_of(missing) == error_of_text(NOT_FOUND_DETAIL)
    assert (
        world.call("other", "GET", f"{CHATS}/{chats['other_b']['id']}").json()["title"] == "theirs"
    )


def test_member_gets_404_even_for_its_own_legacy_chat(world: World) -> None:
    from tests import factories as f

    legacy = world.run(lambda q: f.chat(q, world.user("member")))
    response = world.call("member", "GET", f"{CHATS}/{legacy.id}")
    assert response.status_code == 404


def test_org_admin_reads_and_changes_chats_in_its_org(world: World, chats: dict[str, Any]) -> None:
    in_a = f"{CHATS}/{chats['in_a']['id']}"
    assert world.call("org_admin", "GET", in_a).status_code == 200
    assert world.call("org_admin", "GET", f"{CHATS}/{chats['personal']['id']}").status_code == 404
    assert world.call("org_admin", "GET", f"{CHATS}/{chats['other_b']['id']}").status_code == 404


def test_patch_changes_title_status_and_archive(world: World) -> None:
    chat = create(world, "chatter", title="before")
    url = f"{CHATS}/{chat['id']}"
    response = world.call(
        "chatter", "PATCH", url, json={"title": "after", "status": "running", "archived": True}
    )
    assert response.status_code == 200
    assert response.json()["title"] == "after"
    assert response.json()["status"] == "running"
    assert response.json()["archived"] is True
    assert world.call("chatter", "PATCH", url, json={"archived": False}).json()["archived"] is False
    assert world.call("chatter", "PATCH", url, json={"status": "bogus"}).status_code == 422


def test_owner_may_change_anyones_chat(world: World) -> None:
    chat = create(world, "other", title="theirs")
    response = world.call("owner", "PATCH", f"{CHATS}/{chat['id']}", json={"title": "owned"})
    assert response.status_code == 200
    assert response.json()["title"] == "owned"


def test_delete(world: World) -> None:
    chat = create(world, "chatter")
    url = f"{CHATS}/{chat['id']}"
    assert world.call("chatter", "DELETE", url).status_code == 204
    assert world.call("chatter", "GET", url).status_code == 404
    assert world.call("chatter", "DELETE", url).status_code == 404


def test_path_id_must_be_a_uuid(world: World) -> None:
    assert world.call("chatter", "GET", f"{CHATS}/not-a-uuid").status_code == 422


# --- readable but not changeable: 403 ----------------------------------------------------------


def read_only_chats(subject: Subject, action: Action, obj: Object) -> bool:
    return obj.type == "chat" and action is not Action.READ


def test_a_chat_readable_but_not_changeable_gives_403(world: World) -> None:
    chat = create(world, "chatter", title="look, don't touch")
    client = world.client_for(authorizer=DenyingAuthorizer(read_only_chats))
    headers = world.headers("chatter")
    url = f"{CHATS}/{chat['id']}"
    assert client.get(url, headers=headers).status_code == 200
    assert client.get(f"{url}/messages", headers=headers).status_code == 200
    assert client.patch(url, headers=headers, json={"title": "x"}).status_code == 403
    assert client.patch(url, headers=headers, json={}).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403
    posted = client.post(f"{url}/messages", headers=headers, json={"content": "hi"})
    assert posted.status_code == 403
    assert client.post(CHATS, headers=headers, json={}).status_code == 403
    assert world.call("chatter", "GET", url).json()["title"] == "look, don't touch"


def test_an_unreadable_cursor_is_the_same_404_as_a_missing_one(
    world: World, chats: dict[str, dict[str, Any]]
) -> None:
    theirs = world.call("chatter", "GET", CHATS, params={"after_id": chats["other_b"]["id"]})
    missing = world.call("chatter", "GET", CHATS, params={"after_id": str(uuid.uuid4())})
    assert theirs.status_code == missing.status_code == 404
    assert error_of(theirs) == error_of(missing) == error_of_text(NOT_FOUND_DETAIL)
    mine = world.call("chatter", "GET", CHATS, params={"after_id": chats["personal"]["id"]})
    assert mine.status_code == 200
