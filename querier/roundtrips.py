"""Counting PostgreSQL round trips on an engine: statements, and the BEGIN/COMMIT psycopg adds.

SQLAlchemy's `before_cursor_execute` sees only the statements the application sends. psycopg 3
sends the others itself, each one a round trip of its own outside pipeline mode: `BEGIN` before
the first statement of a transaction (when the connection is not in autocommit), `COMMIT` or
`ROLLBACK` when a transaction that actually began ends (nothing is sent for a transaction in
which no statement ran), and the pool's pre-ping `SELECT 1` on checkout. `RoundTripCounter`
counts each of them where it happens, reading psycopg's own transaction status, so the figure is
what crosses the wire — deterministic, unlike a time, and so fit for a test's assertion.
Connecting is counted apart (`connects`): it is several messages, and a warm pool does none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def reset(self) -> None:
        self.kinds.clear()
        self.connects = 0

    # --- listeners -----------------------------------------------------------------------------

    def _before_cursor_execute(self, conn: Any, *_: Any) -> None:
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
