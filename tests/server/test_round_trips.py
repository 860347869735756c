"""PostgreSQL round trips per request, counted (statements, BEGIN, COMMIT) — not timed.

Issue #10's targets for the whole request: `GET /api/v2/chats/{id}` ≤ 2, `GET /api/v2/chats`
≤ 2, `POST /api/v2/chats` ≤ 4. The request path is async: the gate authenticates on the
request's pooled connection in autocommit with one statement (the key, the user's status and
roles), and the handler goes on on the same connection — a read that one statement answers
sends no BEGIN/COMMIT, and no checkout pings. The world's app runs on
`CountingAsyncConnection`, so these counts are what crosses the wire on the async path.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from authz import Authorizer
from querier.aio import conninfo
from querier.roundtrips import (
    CountingAsyncConnection,
    RoundTripCounter,
    count_async_round_trips,
    count_round_trips,
)
from server.auth import AuthenticationError, authenticate
from server.routes import ROUTERS
from server.tokens import parse_token
from tests.server.conftest import World


def counted(world: World, method: str, path: str, **kwargs: Any) -> RoundTripCounter:
    world.call("chatter", "GET", "/api/v2/chats")  # warm: a fresh last_used, a pooled connection
    with count_async_round_trips() as trips:
        response = world.call("chatter", method, path, **kwargs)
    assert response.status_code < 300, response.text
    assert trips.connects == 0
    return trips


def authenticate_counted(world: World, header: str) -> tuple[RoundTripCounter, Any]:
    async def run() -> tuple[RoundTripCounter, Any]:
        conn = await CountingAsyncConnection.connect(conninfo(world.engine), autocommit=True)
        async with conn:
            with count_async_round_trips() as trips:
                subject = await authenticate(conn, Authorizer(), header)
        return trips, subject

    return asyncio.run(run())


def test_authentication_is_one_round_trip(world: World) -> None:
    header = world.headers("chatter")["Authorization"]
    authenticate_counted(world, header)  # last_used fresh from here on
    trips, subject = authenticate_counted(world, header)
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
    stale, _ = authenticate_counted(world, header)
    fresh, _ = authenticate_counted(world, header)
    # The authorized update reads the stored key, then writes: both in autocommit.
    assert dict(stale.kinds) == {"statement": 3}
    assert dict(fresh.kinds) == {"statement": 1}


def test_a_request_without_a_token_takes_no_round_trip(world: World) -> None:
    with count_async_round_trips() as trips:
        response = world.client.get("/api/v2/chats")
    assert response.status_code == 401
    assert trips.total == 0
    assert trips.connects == 0


def test_a_refused_token_is_refused_on_the_same_single_statement(world: World) -> None:
    with count_async_round_trips() as trips:
        response = world.client.get(
            "/api/v2/chats", headers={"Authorization": "Bearer abcdefghij-wrongsecretwrongsecret"}
        )
    assert response.status_code == 401
    assert dict(trips.kinds) == {"statement": 1}


def test_get_chat_round_trips(world: World) -> None:
    created = world.call("chatter", "POST", "/api/v2/chats", json={"title": "rt"}).json()
    trips = counted(world, "GET", f"/api/v2/chats/{created['id']}")
    assert dict(trips.kinds) == {"statement": 2}  # auth 1 + the chat 1: the target, ≤ 2
    assert trips.total <= 2


def test_list_chats_round_trips(world: World) -> None:
    trips = counted(world, "GET", "/api/v2/chats?limit=50")
    assert dict(trips.kinds) == {"statement": 2}  # auth 1 + the page 1
    assert trips.total <= 2


def test_post_chat_round_trips(world: World) -> None:
    trips = counted(world, "POST", "/api/v2/chats", json={"title": "rt"})
    # auth 1 + the default model config 1 + the insert 1: no transaction needed (target ≤ 4)
    assert dict(trips.kinds) == {"statement": 3}
    assert trips.total <= 4


def test_authentication_and_the_handler_share_one_connection(world: World) -> None:
    created = world.call("chatter", "POST", "/api/v2/chats", json={"title": "rt"}).json()
    for _ in range(3):  # whatever connection the pool lends, the request keeps it throughout
        trips = counted(world, "GET", f"/api/v2/chats/{created['id']}")
        assert len(trips.backends) == 2
        assert len(set(trips.backends)) == 1, trips.backends


def test_every_api_endpoint_and_dependency_runs_on_the_event_loop() -> None:
    """A sync endpoint or dependency would hop to the thread pool (and could not await the
    async querier): every `/api/` route is `async def`, dependencies included."""
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 20

    def calls(dependant: Dependant) -> Iterator[Any]:
        if dependant.call is not None:
            yield dependant.call
        for sub in dependant.dependencies:
            yield from calls(sub)

    sync = [
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in calls(route.dependant)
        if not (
            inspect.iscoroutinefunction(call)
            or inspect.isasyncgenfunction(call)
            or inspect.iscoroutinefunction(type(call).__call__)  # a security scheme object
        )
    ]
    assert sync == []


def test_a_multi_statement_write_is_one_transaction(world: World) -> None:
    created = world.call("chatter", "POST", "/api/v2/chats", json={"title": "rt"}).json()
    trips = counted(world, "PATCH", f"/api/v2/chats/{created['id']}", json={"title": "new"})
    # auth 1, then one transaction on the same connection: BEGIN, the handler's read, the
    # authorized update (which fetches the chat it checks, then writes), COMMIT
    assert dict(trips.kinds) == {"statement": 4, "begin": 1, "commit": 1}


def test_the_async_counter_sees_begin_commit_and_rollback(world: World) -> None:
    async def run() -> RoundTripCounter:
        conn = await CountingAsyncConnection.connect(conninfo(world.engine), autocommit=True)
        async with conn:
            with count_async_round_trips() as trips:
                await conn.execute("SELECT 1")
                async with conn.transaction():
                    await conn.execute("SELECT 2")
                try:
                    async with conn.transaction():
                        await conn.execute("SELECT 3")
                        raise ZeroDivisionError
                except ZeroDivisionError:
                    pass
        return trips

    trips = asyncio.run(run())
    assert dict(trips.kinds) == {"statement": 3, "begin": 2, "commit": 1, "rollback": 1}


def test_the_sync_counter_sees_psycopg_begin_commit_and_pings(world: World) -> None:
    """The engine's counter (CLI, scripts): BEGIN and COMMIT psycopg sends, a pre-ping."""
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


def test_authenticate_refuses_without_a_round_trip_when_there_is_no_token(world: World) -> None:
    with pytest.raises(AuthenticationError):
        authenticate_counted(world, "")
