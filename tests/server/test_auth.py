"""Bearer tokens: stored hashed, compared in constant time, every failure a 401."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from querier.generated.models import UserStatus
from server.auth import LAST_USED_RESOLUTION
from server.tokens import Token, generate_token, mint_token, parse_token
from tests import factories as f
from tests.server.conftest import World

ME = "/api/v2/users/me"


def test_valid_token_authenticates(world: World) -> None:
    response = world.call("chatter", "GET", ME)
    assert response.status_code == 200
    assert response.json()["username"] == "chatter"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Authentication required"),
        ("", "Authentication required"),
        ("Basic dXNlcjpwYXNz", "Authentication required"),
        ("Bearer", "Authentication required"),
        ("Bearer not-a-token", "Invalid API token"),
        ("Bearer abcdefghijkl", "Invalid API token"),  # no secret part
        ("Bearer zzzzzzzzzzzz-" + "s" * 43, "Invalid API token"),  # well-formed, unknown id
    ],
)
def test_missing_or_bad_token_is_401(world: World, header: str | None, detail: str) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = world.client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"].startswith(detail)


def test_wrong_secret_for_a_real_id_is_401(world: World) -> None:
    real = parse_token(world.tokens["chatter"])
    assert real is not None
    forged = Token(id=real.id, secret=generate_token().secret)
    response = world.client.get(ME, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid API token."


def test_scheme_is_case_insensitive(world: World) -> None:
    response = world.client.get(ME, headers={"Authorization": f"bearer {world.tokens['owner']}"})
    assert response.status_code == 200


def test_expired_token_is_401(world: World) -> None:
    token, _ = world.run(lambda q: mint_token(q, world.user("chatter").id, timedelta(days=1)))
    with world.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": token.id},
        )
    response = world.client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "API token expired."


def test_suspended_user_is_401_everywhere(world: World) -> None:
    for method, url in [("GET", ME), ("GET", "/api/v2/chats"), ("POST", "/api/v2/chats")]:
        response = world.call("suspended", method, url, json={})
        assert response.status_code == 401, url
        assert response.json()["detail"] == "User account is suspended."


def test_suspending_takes_effect_on_the_next_request(world: World) -> None:
    user = world.run(lambda q: f.user(q, "chat-access"))
    token, _ = world.run(lambda q: mint_token(q, user.id, timedelta(days=1)))
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.get(ME, headers=headers).status_code == 200
    world.run(lambda q: q.update_user_status(status=UserStatus.SUSPENDED, id=user.id))
    assert world.client.get(ME, headers=headers).status_code == 401


def test_secret_is_stored_only_as_its_sha256(world: World) -> None:
    token = parse_token(world.tokens["member"])
    assert token is not None
    with world.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT hashed_secret, api_keys::text AS whole FROM api_keys WHERE id = :id"),
            {"id": token.id},
        ).one()
    assert bytes(row.hashed_secret) == hashlib.sha256(token.secret.encode()).digest()
    assert token.secret not in row.whole


def test_last_used_is_refreshed_at_most_once_a_minute(world: World) -> None:
    token = parse_token(world.tokens["user_admin"])
    assert token is not None
    stale = datetime.now(UTC) - LAST_USED_RESOLUTION - timedelta(seconds=5)

    def last_used() -> datetime:
        with world.engine.connect() as conn:
            value: datetime = conn.execute(
                sa.text("SELECT last_used FROM api_keys WHERE id = :id"), {"id": token.id}
            ).scalar_one()
        return value

    with world.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_keys SET last_used = :t WHERE id = :id"),
            {"t": stale, "id": token.id},
        )
    assert world.call("user_admin", "GET", ME).status_code == 200
    refreshed = last_used()
    assert refreshed > stale + LAST_USED_RESOLUTION
    assert world.call("user_admin", "GET", ME).status_code == 200
    assert last_used() == refreshed  # within the minute: no second write


def test_every_response_carries_a_request_id(world: World) -> None:
    ok = world.call("owner", "GET", ME)
    denied = world.client.get(ME)
    assert len(ok.headers["X-Request-ID"]) == 32
    assert denied.headers["X-Request-ID"] != ok.headers["X-Request-ID"]
    echoed = world.client.get(ME, headers={"X-Request-ID": "trace-123"})
    assert echoed.headers["X-Request-ID"] == "trace-123"
    unsafe = world.client.get(ME, headers={"X-Request-ID": "a b\tc"})
    assert unsafe.headers["X-Request-ID"] != "a b\tc"


class TestTokens:
    def test_format(self) -> None:
        token = generate_token()
        assert len(token.id) == 12
        assert token.id.isalnum()
        assert token.id == token.id.lower()
        assert parse_token(str(token)) == token
        assert len(token.hashed_secret) == 32

    def test_secret_may_contain_dashes(self) -> None:
        token = Token(id="abcdefghijkl", secret="ab-cd_ef-" * 3)
        assert parse_token(str(token)) == token

    @pytest.mark.parametrize(
        "raw", ["", "-", "abc-def", "ABCDEFGHIJKL-" + "x" * 43, "abcdefghijkl-", "abcdefghijkl-x y"]
    )
    def test_malformed(self, raw: str) -> None:
        assert parse_token(raw) is None
