"""The gate admits no more requests into the database path than the pool has connections."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from querier.db import DEFAULT_POOL_SIZE, create_engine
from server.pool import DatabaseSlots


def test_at_most_limit_holders_at_once() -> None:
    slots = DatabaseSlots(2)
    inside = peak = 0

    async def request() -> None:
        nonlocal inside, peak
        async with slots.held():
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    async def burst() -> None:
        await asyncio.gather(*(request() for _ in range(12)))

    asyncio.run(burst())
    asyncio.run(burst())  # another event loop (a test client's): a semaphore of its own
    assert peak == 2


def test_the_limit_is_the_pool_size(engine: Engine) -> None:
    sized = create_engine(engine.url)
    unpooled = create_engine(engine.url, poolclass=NullPool)
    try:
        assert DatabaseSlots.for_engine(sized).limit == DEFAULT_POOL_SIZE
        assert DatabaseSlots.for_engine(unpooled).limit is None
    finally:
        sized.dispose()
        unpooled.dispose()
