"""Concurrent writers on a committed database: conflicts are answered, never a 500 or a 400.

Threads drive the app over separate connections (the `world` database is committed, not a
rolled-back test transaction), the way a busy server would see them.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server.app import create_app
from server.context import Ctx
from server.errors import CONFLICT_DETAIL
from tests.server.conftest import World

CHATS = "/api/v2/chats"
CONFIGS = "/api/v2/chats/model-configs"
THREADS = 8


def run_threads(world: World, work: Callable[[TestClient, int], list[int]]) -> Counter[int]:
    """`work(client, index)` in THREADS threads at once, each with its own client."""
    start = threading.Barrier(THREADS)

    def one(index: int) -> list[int]:
        with TestClient(world.app) as client:
            start.wait()
            return work(client, index)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(one, range(THREADS)))
    return Counter(status for statuses in results for status in statuses)


def test_concurrent_default_changes_all_succeed(world: World) -> None:
    headers = world.headers("owner")
    configs = [
        world.call(
            "owner",
            "POST",
            CONFIGS,
            json={"provider": "race", "model": f"m{i}", "context_limit": 10},
        ).json()["id"]
        for i in range(THREADS)
    ]

    def work(client: TestClient, index: int) -> list[int]:
        rng = random.Random(index)
        statuses = []
        for step in range(25):
            if step % 5 == 4:
                payload = {"provider": "race", "model": uuid.uuid4().hex, "context_limit": 10}
                response = client.post(
                    CONFIGS, headers=headers, json=payload | {"is_default": True}
                )
            else:
                target = rng.choice(configs)
                response = client.patch(
                    f"{CONFIGS}/{target}", headers=headers, json={"is_default": True}
                )
            statuses.append(response.status_code)
        return statuses

    statuses = run_threads(world, work)
    assert set(statuses) <= {200, 201}, statuses
    with world.engine.connect() as conn:
        defaults = conn.execute(
            sa.text("SELECT count(*) FROM chat_model_configs WHERE is_default")
        ).scalar()
    assert defaults == 1


def test_posting_to_a_chat_being_deleted_is_404(world: World) -> None:
    headers = world.headers("chatter")
    rounds = 12
    chats = [
        [
            world.call("chatter", "POST", CHATS, json={"title": "doomed"}).json()["id"]
            for _ in range(rounds)
        ]
        for _ in range(THREADS // 2)
    ]

    def work(client: TestClient, index: int) -> list[int]:
        statuses = []
        for chat_id in chats[index // 2]:
            if index % 2:
                statuses.append(client.delete(f"{CHATS}/{chat_id}", headers=headers).status_code)
            else:
                for _ in range(4):
                    response = client.post(
                        f"{CHATS}/{chat_id}/messages", headers=headers, json={"content": "hi"}
                    )
                    statuses.append(response.status_code)
        return statuses

    statuses = run_threads(world, work)
    assert set(statuses) <= {201, 204, 404}, statuses
    assert statuses[204] == rounds * THREADS // 2


@pytest.mark.parametrize(
    "sqlstate",
    [
        "40P01",  # deadlock_detected
        "40001",  # serialization_failure
        "55P03",  # lock_not_available (lock_timeout)
    ],
)
def test_transaction_conflicts_are_409_with_retry_after(world: World, sqlstate: str) -> None:
    app = create_app(world.engine, world.app.state.dbauthz.settings)

    async def conflicting(ctx: Ctx) -> None:
        async with ctx.transaction():
            await ctx.connection.execute(
                f"DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{sqlstate}'; END $$"
            )

    app.add_api_route("/test/conflict", conflicting, include_in_schema=False)
    with TestClient(app) as client:
        response = client.get("/test/conflict", headers=world.headers("chatter"))
    assert response.status_code == 409
    assert response.headers["Retry-After"] == "1"
    assert response.json()["detail"] == CONFLICT_DETAIL
