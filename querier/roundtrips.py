"""Counting PostgreSQL round trips on an engine: statements, and the BEGIN/COMMIT psycopg adds.

SQLAlchemy's `before_cursor_execute` sees only the statements the application sends. psycopg 3
sends the others itself, each one a round trip of its own outside pipeline mode: `BEGIN` before
the first statement of a transaction (when the connection is not in autocommit), `COMMIT` or
`ROLLBACK` when a transaction that actually began ends (nothing is sent for a transaction in
which no statement ran), and the pool's pre-ping `SELECT 1` on checkout. `RoundTripCounter`
counts each of them where it happens, reading psycopg's own transaction status, so the figure is
what crosses the wire — deterministic, unlike a time, and so fit for a test's assertion.
Connecting is counted apart (`connects`): it is several messages, and a warm pool does none.

The async request path runs on psycopg directly, where no SQLAlchemy event sees anything:
`CountingAsyncConnection` (the connection class of the test app's pool) reports each statement
and each BEGIN/COMMIT/ROLLBACK psycopg sends to the counters of `count_async_round_trips()`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from psycopg import AsyncConnection, AsyncCursor
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _in_transaction(dbapi_connection: Any) -> bool:
    status = dbapi_connection.info.transaction_status
    return bool(status != TransactionStatus.IDLE)


class RoundTripCounter:
    """`kinds` counts each kind: `statement`, `begin`, `commit`, `rollback`, `ping`."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.connects = 0
        self.statements: list[str] = []
        """The text of each statement, in order (to assert what was asked, not only how often)."""
        self.backends: list[int] = []
        """The server process of each async statement, in order: which connection sent it."""

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def reset(self) -> None:
        self.kinds.clear()
        self.connects = 0
        self.statements.clear()
        self.backends.clear()

    # --- listeners -----------------------------------------------------------------------------

    def _before_cursor_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement)
        dbapi = conn.connection.dbapi_connection
        if not dbapi.autocommit and not _in_transaction(dbapi):
            self.kinds["begin"] += 1  # psycopg sends BEGIN first, and waits for it
        self.kinds["statement"] += 1

    def _commit(self, conn: Any) -> None:
        if _in_transaction(conn.connection.dbapi_connection):
            self.kinds["commit"] += 1

    def _rollback(self, conn: Any) -> None:
        if _in_transaction(conn.connection.dbapi_connection):
            self.kinds["rollback"] += 1

    def _reset(self, dbapi_connection: Any, *_: Any) -> None:  # the pool's reset on return
        if _in_transaction(dbapi_connection):
            self.kinds["rollback"] += 1

    def _connect(self, *_: Any) -> None:
        self.connects += 1

    @contextmanager
    def attached(self, engine: Engine) -> Iterator[RoundTripCounter]:
        """Count every round trip `engine` makes inside the block."""
        ping = engine.dialect.do_ping
        listeners: list[tuple[Any, str, Any]] = [
            (engine, "before_cursor_execute", self._before_cursor_execute),
            (engine, "commit", self._commit),
            (engine, "rollback", self._rollback),
            (engine.pool, "reset", self._reset),
            (engine.pool, "connect", self._connect),
        ]
        for target, name, fn in listeners:
            event.listen(target, name, fn)

        def counted_ping(dbapi_connection: Any) -> bool:
            self.kinds["ping"] += 1
            return ping(dbapi_connection)

        engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]
        try:
            yield self
        finally:
            engine.dialect.do_ping = ping  # type: ignore[method-assign]
            for target, name, fn in listeners:
                event.remove(target, name, fn)


@contextmanager
def count_round_trips(engine: Engine) -> Iterator[RoundTripCounter]:
    """`with count_round_trips(engine) as trips: …; trips.total`."""
    with RoundTripCounter().attached(engine) as counter:
        yield counter


# --- the async face: counted on psycopg's own connection ----------------------------------------

_ACTIVE: list[RoundTripCounter] = []
"""Counters inside `count_async_round_trips` blocks; every `CountingAsyncConnection` reports to
each (a list, not a per-connection attribute, so a pool's connections need no wiring)."""


def _record(kind: str) -> None:
    for counter in _ACTIVE:
        counter.kinds[kind] += 1


class CountingAsyncConnection(AsyncConnection[Any]):
    """An `AsyncConnection` that reports its round trips to the active async counters.

    Statements are counted where the generated querier sends them (`execute`); `BEGIN`,
    `COMMIT`, `ROLLBACK` and savepoints where psycopg sends every one of them itself
    (`_exec_command`, which `transaction()`, `commit()` and `rollback()` all go through).
    Nothing is counted while no counter is active: the class costs one empty loop per call.
    """

    @classmethod
    async def connect(cls, *args: Any, **kwargs: Any) -> Self:
        if _ACTIVE:
            for counter in _ACTIVE:
                counter.connects += 1
        return await super().connect(*args, **kwargs)

    async def execute(self, query: Any, *args: Any, **kwargs: Any) -> AsyncCursor[Any]:
        if _ACTIVE:
            _record("statement")
            for counter in _ACTIVE:
                counter.statements.append(str(query))
                counter.backends.append(self.info.backend_pid)
        return await super().execute(query, *args, **kwargs)

    def _exec_command(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        text = command if isinstance(command, bytes) else str(command).encode()
        word = text.split(None, 1)[0].lower().decode() if text.strip() else "command"
        _record(word if word in ("begin", "commit", "rollback") else "savepoint")
        return super()._exec_command(command, *args, **kwargs)


@contextmanager
def count_async_round_trips() -> Iterator[RoundTripCounter]:
    """Count what every `CountingAsyncConnection` sends inside the block (deterministic when
    only the code under test uses the database meanwhile, as in a test)."""
    counter = RoundTripCounter()
    _ACTIVE.append(counter)
    try:
        yield counter
    finally:
        _ACTIVE.remove(counter)
