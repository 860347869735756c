"""Async connections on the database an engine points at (the async face's entry point).

The async face runs on psycopg's `AsyncConnection` directly, not SQLAlchemy's async engine:
for a primary-key get the async engine costs about 2.4x a direct `AsyncConnection` call (it runs
the sync core in a greenlet per statement); `bench/bench_dbauthz.py` prints the figure. The
engine stays the one place that knows the database (URL, embedded server, migrations).
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from sqlalchemy.engine import Engine


def conninfo(engine: Engine) -> str:
    """The libpq URI of the engine's database (password included: it is for connecting)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def connect_async(engine: Engine, *, autocommit: bool = False) -> AsyncConnection[Any]:
    """A new psycopg `AsyncConnection` to the engine's database.

    `autocommit=True` suits request handlers: a read answered by one statement then costs one
    round trip (no BEGIN/COMMIT pair); `q.transaction()` still opens a real transaction.
    """
    return await AsyncConnection.connect(conninfo(engine), autocommit=autocommit)
