"""The requests' async connections: one `AsyncConnectionPool` per serving event loop.

A request's connection is in autocommit: a read that one statement answers costs one round
trip (no BEGIN/COMMIT pair); a handler that writes with several statements opens one
transaction on it (`RequestContext.transaction`). No pre-ping on checkout (`check=None`): a
connection the server dropped shows itself on its next use — psycopg marks it broken, the pool
discards it on return, that request answers 503 — and then `pool.check()` probes the idle ones
at once, so the requests after it get fresh connections instead of one failure per stale one
(`tests/server/test_outage.py`).

A pool belongs to the event loop it was opened on: the application's lifespan opens one for
the loop that serves it (a uvicorn worker's, a `with TestClient(app)` block's) and closes it
at shutdown. A request on a loop without a pool (a test client used without `with`, which runs
each request in a loop of its own) gets a connection of its own, closed when it ends.

Admission (`DatabaseSlots`): at most as many requests hold a connection at once as the pool
has; the others wait in the event loop, holding nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from querier.aio import conninfo
from querier.db import DEFAULT_POOL_SIZE

POOL_WAIT_S = 5.0
"""How long a request waits for a pooled connection before a 503. Requests beyond the pool's
size wait for a slot, not here: this bounds only a wait for a connection being (re)opened —
during an outage, a fast 503 rather than a hang."""


class DatabaseSlots:
    """At most `limit` holders at once (None: no limit); one semaphore per event loop.

    A semaphore belongs to the loop it first waits on; a server worker runs one loop, but a
    test client may run each request in a loop of its own.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    @classmethod
    def for_engine(cls, engine: Engine) -> DatabaseSlots:
        pool = engine.pool
        if isinstance(pool, QueuePool) and pool._max_overflow >= 0:
            return cls(pool.size() + pool._max_overflow)
        return cls(None)

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        if self.limit is None:
            yield
            return
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            self._semaphores = {  # forget closed loops (test clients)
                lp: sem for lp, sem in self._semaphores.items() if not lp.is_closed()
            }
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        async with semaphore:
            yield


class RequestConnections:
    """Where requests get their connection; sized like the engine's pool (16 per worker)."""

    def __init__(
        self,
        engine: Engine,
        *,
        connection_class: type[AsyncConnection[Any]] = AsyncConnection,
    ) -> None:
        self.conninfo = conninfo(engine)
        self.slots = DatabaseSlots.for_engine(engine)
        self.size = self.slots.limit or DEFAULT_POOL_SIZE
        self.connection_class = connection_class
        self._pools: dict[asyncio.AbstractEventLoop, AsyncConnectionPool[Any]] = {}

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[AsyncConnectionPool[Any]]:
        """A pool for the running loop while the block runs (the application's lifespan).

        Connections open on demand (`min_size=0`, as the engine's pool): an app that serves
        nothing holds none, and a busy one keeps up to `size`.
        """
        loop = asyncio.get_running_loop()
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self.conninfo,
            min_size=0,
            max_size=self.size,
            open=False,
            connection_class=self.connection_class,
            kwargs={"autocommit": True},
            check=None,
            timeout=POOL_WAIT_S,
            max_lifetime=3600.0,
            name="dbauthz-requests",
        )
        await pool.open(wait=False)
        self._pools[loop] = pool
        try:
            yield pool
        finally:
            self._pools.pop(loop, None)
            await pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A connection in autocommit for one request, inside an admission slot."""
        async with self.slots.held():
            pool = self._pools.get(asyncio.get_running_loop())
            if pool is None:
                async with await self.connection_class.connect(
                    self.conninfo, autocommit=True
                ) as own:
                    yield own
                return
            broken = False
            try:
                async with pool.connection() as conn:
                    try:
                        yield conn
                    finally:
                        broken = conn.broken or conn.closed
            finally:
                if broken:  # the server dropped it: probe the idle ones now, not one by one
                    await pool.check()
