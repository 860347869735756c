"""PostgreSQL round trips per request, counted (statements, BEGIN, COMMIT, pings) — not timed.

Issue #10's targets for the whole request: `GET /api/v2/chats/{id}` ≤ 2, `GET /api/v2/chats`
≤ 2, `POST /api/v2/chats` ≤ 4. Authentication already costs exactly one (the key, the user's
status and roles in one statement, in autocommit, no pre-ping). The handlers still run in one
explicit transaction each (BEGIN and COMMIT around even a single read): that is two round trips
above the target for every request here, and it goes with the async request path (one
transaction at most, none for a single read), which these counts then tighten to the targets.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from authz import Authorizer
from querier.roundtrips import RoundTripCounter, count_round_trips
from server.auth import authenticate_with
from server.tokens import parse_token
from tests.server.conftest import World

HANDLER_TRANSACTION = {"begin": 1, "commit": 1}
"""What the sync handlers' one transaction per request adds to their statements."""


def counted(world: World, method: str, path: str, **kwargs: Any) -> RoundTripCounter:
    world.call("chatter", "GET", "/api/v2/chats")  # warm: a fresh last_used, pooled connections
    with count_round_trips(world.engine) as trips:
        response = world.call("chatter", method, path, **kwargs)
    assert response.status_code < 300, response.text
    assert trips.connects == 0
    return trips


def test_authentication_is_one_round_trip(world: World) -> None:
    header = world.headers("chatter")["Authorization"]
    authenticate_with(world.engine, Authorizer(), header)  # last_used fresh from here on
    with count_round_trips(world.engine) as trips:
        subject = authenticate_with(world.engine, Authorizer(), header)
    assert subject.id == world.user("chatter").id
    assert dict(trips.kinds) == {"statement": 1}  # no ping, no BEGIN, no COMMIT


def test_a_stale_last_used_costs_its_write_once(world: World) -> None:
    header = world.headers("other")["Authorization"]
    token = parse_token(header.removeprefix("Bearer "))
    assert token is not None
    with world.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_keys SET last_used = now() - interval '2 minutes' WHERE id = :id"),
            {"id": token.id},
        )
    with count_round_trips(world.engine) as stale:
        authenticate_with(world.engine, Authorizer(), header)
    with count_round_trips(world.engine) as fresh:
        authenticate_with(world.engine, Authorizer(), header)
    # The authorized update reads the stored key, then writes: both in autocommit.
    assert dict(stale.kinds) == {"statement": 3}
    assert dict(fresh.kinds) == {"statement": 1}


def test_get_chat_round_trips(world: World) -> None:
    created = world.call("chatter", "POST", "/api/v2/chats", json={"title": "rt"}).json()
    trips = counted(world, "GET", f"/api/v2/chats/{created['id']}")
    # auth 1 + the chat 1 (target ≤ 2) + the handler's BEGIN/COMMIT
    assert dict(trips.kinds) == {"statement": 2, **HANDLER_TRANSACTION}
    assert trips.total - sum(HANDLER_TRANSACTION.values()) <= 2


def test_list_chats_round_trips(world: World) -> None:
    trips = counted(world, "GET", "/api/v2/chats?limit=50")
    assert dict(trips.kinds) == {"statement": 2, **HANDLER_TRANSACTION}
    assert trips.total - sum(HANDLER_TRANSACTION.values()) <= 2


def test_post_chat_round_trips(world: World) -> None:
    trips = counted(world, "POST", "/api/v2/chats", json={"title": "rt"})
    # auth 1 + the default model config 1 + the insert 1 (target ≤ 4) + BEGIN/COMMIT
    assert dict(trips.kinds) == {"statement": 3, **HANDLER_TRANSACTION}
    assert trips.total <= 4 + sum(HANDLER_TRANSACTION.values())


def test_the_counter_sees_psycopg_begin_commit_and_pings(world: World) -> None:
    """The counter itself: BEGIN and COMMIT psycopg sends, a pre-ping, an empty transaction."""
    pinging = sa.create_engine(world.engine.url, pool_pre_ping=True)
    try:
        with pinging.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        with count_round_trips(pinging) as trips:
            with pinging.begin() as conn:
                conn.execute(sa.text("SELECT 1"))
                conn.execute(sa.text("SELECT 2"))
            with pinging.begin():
                pass  # nothing ran: psycopg sends neither BEGIN nor COMMIT
            with pinging.connect() as conn:
                conn.execute(sa.text("SELECT 3"))  # rolled back on return to the pool
        assert dict(trips.kinds) == {
            "ping": 3,
            "begin": 2,
            "statement": 3,
            "commit": 1,
            "rollback": 1,
        }
    finally:
        pinging.dispose()
