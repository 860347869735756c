"""Scoped API tokens through the API, on the real database: minting, the scope names, and
every request authenticated by a scoped token authorized with that scope."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from authz.token_scopes import PUBLIC_SCOPE_NAMES
from querier.roundtrips import count_async_round_trips
from server.errors import NOT_FOUND_DETAIL
from tests.server.conftest import World, error_of, error_of_text

TOKENS = "/api/v2/users/{user}/keys/tokens"


def mint(world: World, actor: str, body: dict[str, Any], user: str = "me") -> dict[str, Any]:
    response = world.call(actor, "POST", TOKENS.format(user=user), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def as_token(world: World, token: str, method: str, url: str, **kwargs: Any) -> Any:
    return world.client.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def new_chat(world: World, actor: str, title: str) -> str:
    response = world.call(actor, "POST", "/api/v2/chats", json={"title": title})
    assert response.status_code == 201, response.text
    chat_id: str = response.json()["id"]
    return chat_id


# --- minting -------------------------------------------------------------------------------------


def test_mint_returns_the_token_once_and_the_listing_shows_its_scope(world: World) -> None:
    chat = new_chat(world, "chatter", "x")
    created = mint(
        world,
        "chatter",
        {
            "scopes": ["chat:read", "chat:read"],
            "allow_list": [{"type": "chat", "id": chat.upper()}],
            "lifetime_seconds": 3600,
        },
    )
    assert created["scopes"] == ["chat:read"]
    assert created["allow_list"] == [{"type": "chat", "id": chat}]  # canonical
    assert created["key"].startswith(created["id"] + "-")
    listed = world.call("chatter", "GET", "/api/v2/users/me/keys").json()
    (row,) = [k for k in listed if k["id"] == created["id"]]
    assert row == {k: v for k, v in created.items() if k != "key"}
    assert all(created["key"] not in str(k) and "key" not in k for k in listed)
    assert all("hashed_secret" not in k for k in listed)


def test_defaults_are_an_unscoped_token_of_thirty_days(world: World) -> None:
    created = mint(world, "member", {})
    assert created["scopes"] == ["all"]
    assert created["allow_list"] == [{"type": "*", "id": "*"}]
    response = as_token(world, created["key"], "GET", "/api/v2/users/me")
    assert response.status_code == 200
    old_keys = world.call("member", "GET", "/api/v2/users/me/keys").json()
    assert all(k["scopes"] == ["all"] for k in old_keys)  # keys minted before scopes existed


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"scopes": ["chat:read", "chat:fly", "root"]}, "unknown scopes 'chat:fly', 'root'"),
        ({"scopes": ["system:read"]}, "unknown scope 'system:read'"),
        ({"scopes": []}, "at least one scope"),
        ({"allow_list": []}, "at least one allow-list entry"),
        ({"allow_list": [{"type": "chat", "id": "42"}]}, "neither '*' nor a UUID"),
        ({"allow_list": [{"type": "nope", "id": "*"}]}, "unknown resource type"),
        ({"allow_list": [{"type": "*", "id": str(uuid.uuid4())}]}, "a '*' type needs a '*' id"),
        ({"scopes": list(PUBLIC_SCOPE_NAMES[:33])}, "at most 32 scopes"),
    ],
)
def test_bad_scopes_are_400_naming_them(world: World, body: dict[str, Any], message: str) -> None:
    response = world.call("chatter", "POST", TOKENS.format(user="me"), json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]


@pytest.mark.parametrize("seconds", [0, 59, 365 * 86400 + 1])
def test_lifetime_is_bounded(world: World, seconds: int) -> None:
    body = {"lifetime_seconds": seconds}
    assert world.call("chatter", "POST", TOKENS.format(user="me"), json=body).status_code == 422


def test_minting_for_another_user_is_404_without_permission(world: World) -> None:
    chatter = str(world.user("chatter").id)
    missing = world.call("user_admin", "POST", TOKENS.format(user=uuid.uuid4()), json={})
    assert missing.status_code == 404
    for actor in ("member", "user_admin", "org_admin"):  # user_admin may read chatter
        response = world.call(actor, "POST", TOKENS.format(user=chatter), json={})
        assert (response.status_code, error_of(response)) == (404, error_of(missing)), actor
    created = mint(world, "owner", {"scopes": ["chat:read"]}, user=chatter)
    assert created["user_id"] == chatter
    by_name = mint(world, "owner", {"scopes": ["chat:read"]}, user="chatter")
    assert by_name["user_id"] == chatter


def test_a_scoped_token_never_mints_a_broader_one(world: World) -> None:
    minter = mint(world, "chatter", {"scopes": ["api_key:create", "chat:read"]})["key"]
    url = TOKENS.format(user="me")
    unscoped = as_token(world, minter, "POST", url, json={})
    assert unscoped.status_code == 403
    assert "broader than the one that mints it" in unscoped.json()["message"]
    narrower = as_token(world, minter, "POST", url, json={"scopes": ["chat:read"]})
    assert narrower.status_code == 201
    assert narrower.json()["scopes"] == ["chat:read"]
    # A chat:read token cannot mint at all: its scope lacks api_key:create.
    reader = narrower.json()["key"]
    refused = as_token(world, reader, "POST", url, json={"scopes": ["chat:read"]})
    assert (refused.status_code, refused.json()["message"]) == (
        403,
        "Forbidden: you are not allowed to perform this action.",
    )


def test_a_token_narrowed_to_one_chat_mints_nothing_wider(world: World) -> None:
    chat = new_chat(world, "chatter", "narrow")
    minter = mint(
        world,
        "chatter",
        {
            "scopes": ["api_key:create", "chat:read"],
            "allow_list": [{"type": "api_key", "id": "*"}, {"type": "chat", "id": chat}],
        },
    )["key"]
    url = TOKENS.format(user="me")
    wider = {"scopes": ["chat:read"], "allow_list": [{"type": "chat", "id": "*"}]}
    response = as_token(world, minter, "POST", url, json=wider)
    assert response.status_code == 403
    assert "allow-list entry chat:*" in response.json()["message"]
    same = {"scopes": ["chat:read"], "allow_list": [{"type": "chat", "id": chat}]}
    assert as_token(world, minter, "POST", url, json=same).status_code == 201


def test_scope_names_are_listed_to_any_token(world: World) -> None:
    reader = mint(world, "member", {"scopes": ["chat:read"]})["key"]
    response = as_token(world, reader, "GET", "/api/v2/auth/scopes")
    assert response.status_code == 200
    scopes = {s["name"]: s["permissions"] for s in response.json()}
    assert list(scopes) == list(PUBLIC_SCOPE_NAMES)
    assert scopes["all"] == ["*:*"]
    assert scopes["chat:read"] == ["chat:read"]
    assert "chat_model_config:read" in scopes["chat:use"]
    assert not any(name.startswith("system:") for name in scopes)
    assert world.client.get("/api/v2/auth/scopes").status_code == 401


# --- every request is authorized with its token's scope ------------------------------------------


def test_chat_read_token_reads_chats_but_does_not_change_them(world: World) -> None:
    chat = new_chat(world, "chatter", "read me")
    token = mint(world, "chatter", {"scopes": ["chat:read"]})["key"]
    assert as_token(world, token, "GET", f"/api/v2/chats/{chat}").status_code == 200
    listed = as_token(world, token, "GET", "/api/v2/chats?limit=100").json()
    assert chat in {c["id"] for c in listed}
    assert as_token(world, token, "POST", "/api/v2/chats", json={"title": "no"}).status_code == 403
    patch = as_token(world, token, "PATCH", f"/api/v2/chats/{chat}", json={"title": "no"})
    assert patch.status_code == 403
    assert as_token(world, token, "DELETE", f"/api/v2/chats/{chat}").status_code == 403
    post = as_token(
        world, token, "POST", f"/api/v2/chats/{chat}/messages", json={"content": {"text": "hi"}}
    )
    assert post.status_code == 403
    assert world.call("chatter", "GET", f"/api/v2/chats/{chat}").json()["title"] == "read me"


def test_token_allowed_one_chat_sees_only_that_chat(world: World) -> None:
    x, y = new_chat(world, "chatter", "x"), new_chat(world, "chatter", "y")
    message = {"content": {"text": "in x"}}
    assert world.call("chatter", "POST", f"/api/v2/chats/{x}/messages", json=message).is_success
    assert world.call("chatter", "POST", f"/api/v2/chats/{y}/messages", json=message).is_success
    token = mint(
        world, "chatter", {"scopes": ["chat:read"], "allow_list": [{"type": "chat", "id": x}]}
    )["key"]
    assert as_token(world, token, "GET", f"/api/v2/chats/{x}").status_code == 200
    hidden = as_token(world, token, "GET", f"/api/v2/chats/{y}")
    missing = as_token(world, token, "GET", f"/api/v2/chats/{uuid.uuid4()}")
    assert (hidden.status_code, error_of(hidden)) == (404, error_of(missing))
    assert error_of(hidden) == error_of_text(NOT_FOUND_DETAIL)
    listed = as_token(world, token, "GET", "/api/v2/chats?limit=100").json()
    assert [c["id"] for c in listed] == [x]
    messages = as_token(world, token, "GET", f"/api/v2/chats/{x}/messages")
    assert [m["content"] for m in messages.json()] == [{"text": "in x"}]
    assert as_token(world, token, "GET", f"/api/v2/chats/{y}/messages").status_code == 404
    # A cursor on the hidden chat is the 404 of a missing one too.
    assert as_token(world, token, "GET", f"/api/v2/chats?after_id={y}").status_code == 404


@pytest.mark.parametrize(
    ("scopes", "me", "cost"),
    [
        (["chat:read"], 404, 403),  # no user:read: its own user is unreadable to it
        (["chat:use"], 200, 200),  # the chat UI's scope: profile and own cost too
        (["user:profile"], 200, 403),
        (["all"], 200, 200),
    ],
)
def test_own_user_and_cost_by_scope(world: World, scopes: list[str], me: int, cost: int) -> None:
    token = mint(world, "chatter", {"scopes": scopes})["key"]
    assert as_token(world, token, "GET", "/api/v2/users/me").status_code == me
    summary = as_token(world, token, "GET", "/api/v2/chats/cost/me/summary")
    assert summary.status_code == cost, summary.text


def test_chat_use_token_creates_and_uses_chats_but_mints_nothing(world: World) -> None:
    token = mint(world, "chatter", {"scopes": ["chat:use"]})["key"]
    created = as_token(world, token, "POST", "/api/v2/chats", json={"title": "via token"})
    assert created.status_code == 201
    chat = created.json()["id"]
    message = {"content": {"text": "hi"}}
    posted = as_token(world, token, "POST", f"/api/v2/chats/{chat}/messages", json=message)
    assert posted.status_code == 201
    assert as_token(world, token, "GET", "/api/v2/chats/model-configs").status_code == 200
    assert as_token(world, token, "GET", "/api/v2/users/me/keys").status_code == 404
    assert as_token(world, token, "POST", TOKENS.format(user="me"), json={}).status_code == 403


def test_a_scope_never_grants_what_the_roles_do_not(world: World) -> None:
    """`member` has no chat-access: a chat:use token of its own is no more than the member."""
    token = mint(world, "member", {"scopes": ["chat:use"]})["key"]
    assert as_token(world, token, "POST", "/api/v2/chats", json={"title": "x"}).status_code == 403
    assert as_token(world, token, "GET", "/api/v2/chats").json() == []


def test_scoped_requests_cost_no_extra_round_trip(world: World) -> None:
    """The scope comes with the key in the authentication statement; minting for oneself is
    that statement and the insert (a scope check is pure: no read)."""
    chat = new_chat(world, "chatter", "trips")
    token = mint(world, "chatter", {"scopes": ["chat:read"]})["key"]
    as_token(world, token, "GET", "/api/v2/chats")  # warm: a fresh last_used
    for url in ("/api/v2/chats", f"/api/v2/chats/{chat}"):
        with count_async_round_trips() as trips:
            assert as_token(world, token, "GET", url).status_code == 200
        assert dict(trips.kinds) == {"statement": 2}, url
    world.call("chatter", "GET", "/api/v2/chats")
    with count_async_round_trips() as trips:
        response = world.call("chatter", "POST", TOKENS.format(user="me"), json={})
    assert response.status_code == 201
    assert dict(trips.kinds) == {"statement": 2}
