"""Messages (authorized as their chat) and the cost summary (403, never 500)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from authz import Authorizer
from querier.dbauthz import AuthzQuerier, as_chatd
from querier.generated.models import ChatMessageRole
from querier.generated.sql import SqlQuerier
from server.errors import NOT_FOUND_DETAIL
from tests.server.conftest import World

CHATS = "/api/v2/chats"


def cost_url(user: str) -> str:
    return f"{CHATS}/cost/{user}/summary"


@pytest.fixture(scope="module")
def chat(world: World) -> dict[str, Any]:
    response = world.call("chatter", "POST", CHATS, json={"title": "costly"})
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def record_reply(world: World, chat_id: str, content: Any, usage: dict[str, Any]) -> int:
    """An assistant reply with its usage, recorded the only way there is: as `chatd`."""
    with world.engine.begin() as conn, as_chatd():
        q = AuthzQuerier(SqlQuerier(conn), Authorizer())
        message = q.insert_chat_message(
            chat_id=uuid.UUID(chat_id),
            role=ChatMessageRole.ASSISTANT,
            content=content,
            model_config_id=usage.get("model_config_id"),
            input_tokens=usage.get("input_tokens", 0),
            output_tokens=usage.get("output_tokens", 0),
            total_cost_micros=usage.get("total_cost_micros", 0),
        )
    return message.id


@pytest.fixture(scope="module")
def priced(world: World, chat: dict[str, Any]) -> dict[str, Any]:
    """Two assistant replies on two models, one user message, and one old reply."""
    url = f"{CHATS}/{chat['id']}/messages"
    response = world.call("chatter", "POST", url, json={"role": "user", "content": {"text": "hi"}})
    assert response.status_code == 201, response.text
    replies: list[tuple[Any, dict[str, Any]]] = [
        (
            {"text": "hello"},
            {
                "model_config_id": world.default_config.id,
                "input_tokens": 100,
                "output_tokens": 50,
                "total_cost_micros": 700,
            },
        ),
        (
            ["anything", 1, None, {"json": True}],
            {
                "model_config_id": world.other_config.id,
                "input_tokens": 10,
                "output_tokens": 5,
                "total_cost_micros": 30,
            },
        ),
        ("old", {"input_tokens": 1, "total_cost_micros": 99}),
    ]
    made = [response.json()]
    for content, usage in replies:
        made.append({"id": record_reply(world, chat["id"], content, usage)})
    with world.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE chat_messages SET created_at = now() - interval '90 days' WHERE id = :id"
            ),
            {"id": made[-1]["id"]},
        )
    return {"messages": made}


def test_post_and_list_messages(world: World, chat: dict[str, Any], priced: dict[str, Any]) -> None:
    response = world.call("chatter", "GET", f"{CHATS}/{chat['id']}/messages")
    assert response.status_code == 200
    listed = response.json()
    assert [m["id"] for m in listed] == [m["id"] for m in priced["messages"]]
    assert listed[0]["created_by"] == str(world.user("chatter").id)
    assert listed[2]["content"] == ["anything", 1, None, {"json": True}]
    page = world.call(
        "chatter",
        "GET",
        f"{CHATS}/{chat['id']}/messages",
        params={"after_id": listed[0]["id"], "limit": 1},
    ).json()
    assert [m["id"] for m in page] == [listed[1]["id"]]


@pytest.mark.parametrize("actor", ["other", "member", "org_admin", "user_admin"])
def test_messages_of_an_unreadable_chat_are_404(
    world: World, chat: dict[str, Any], actor: str
) -> None:
    url = f"{CHATS}/{chat['id']}/messages"
    for response in (
        world.call(actor, "GET", url),
        world.call(actor, "POST", url, json={"content": "sneaky"}),
        world.call(actor, "POST", f"{CHATS}/{uuid.uuid4()}/messages", json={"content": "x"}),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND_DETAIL


def test_owner_may_post_into_any_chat(world: World, chat: dict[str, Any]) -> None:
    url = f"{CHATS}/{chat['id']}/messages"
    response = world.call("owner", "POST", url, json={"role": "system", "content": "audit"})
    assert response.status_code == 201
    assert response.json()["created_by"] == str(world.user("owner").id)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"content": "x", "role": "wizard"},
        {"content": "x", "input_tokens": -1},
        {"content": "x", "total_cost_micros": 2**63},
        {"content": "nul\x00"},
        {"content": {"k\x00": 1}},
    ],
)
def test_bad_messages_are_422(world: World, chat: dict[str, Any], body: dict[str, Any]) -> None:
    response = world.call("chatter", "POST", f"{CHATS}/{chat['id']}/messages", json=body)
    assert response.status_code == 422


def test_unknown_model_config_is_404(world: World, chat: dict[str, Any]) -> None:
    response = world.call(
        "chatter",
        "POST",
        f"{CHATS}/{chat['id']}/messages",
        json={"content": "x", "model_config_id": str(uuid.uuid4())},
    )
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND_DETAIL


# --- cost --------------------------------------------------------------------------------------


def test_own_cost_with_breakdowns(
    world: World, chat: dict[str, Any], priced: dict[str, Any]
) -> None:
    response = world.call("chatter", "GET", cost_url("me"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == str(world.user("chatter").id)
    assert (body["total_cost_micros"], body["message_count"]) == (730, 2)
    assert (body["total_input_tokens"], body["total_output_tokens"]) == (110, 55)
    assert [(m["model"], m["total_cost_micros"]) for m in body["by_model"]] == [
        ("large", 700),
        ("small", 30),
    ]
    assert [(c["chat_id"], c["total_cost_micros"]) for c in body["by_chat"]] == [(chat["id"], 730)]


def test_cost_window(world: World, priced: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    wide = world.call(
        "chatter",
        "GET",
        cost_url("me"),
        params={"start_date": (now - timedelta(days=365)).isoformat(), "end_date": now.isoformat()},
    ).json()
    assert wide["total_cost_micros"] == 829
    naive = world.call(
        "chatter", "GET", cost_url("me"), params={"start_date": "2000-01-01T00:00:00"}
    )
    assert naive.status_code == 200
    assert naive.json()["start_date"].startswith("2000-01-01T00:00:00")


def test_org_admin_without_chat_access_reads_its_own_cost(world: World) -> None:
    """It may create chats in its org (any-org check), so it may see what its chats cost."""
    response = world.call("org_admin", "GET", cost_url("me"))
    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == str(world.user("org_admin").id)
    assert response.json()["total_cost_micros"] == 0


def test_owner_reads_anyones_cost(world: World, priced: dict[str, Any]) -> None:
    response = world.call("owner", "GET", cost_url(str(world.user("chatter").id)))
    assert response.status_code == 200
    assert response.json()["total_cost_micros"] == 730


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("member", "me"),  # no chat-access: 403 for its own cost, not 500
        ("member", "chatter"),
        ("chatter", "other"),
        ("user_admin", "chatter"),
        ("org_admin", "chatter"),
    ],
)
def test_cost_of_what_the_caller_may_not_read_is_403(world: World, actor: str, target: str) -> None:
    ref = target if target == "me" else str(world.user(target).id)
    response = world.call(actor, "GET", cost_url(ref))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("ref", "params", "status"),
    [
        ("bob", {}, 404),  # a username, as the CLI takes: nobody is called bob
        ("me", {"start_date": "yesterday"}, 422),
        ("me", {"start_date": "2024-02-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"}, 400),
        ("me", {"end_date": "0001-01-01T00:00:00Z"}, 400),
    ],
)
def test_cost_bad_input(world: World, ref: str, params: dict[str, str], status: int) -> None:
    assert world.call("chatter", "GET", cost_url(ref), params=params).status_code == status
