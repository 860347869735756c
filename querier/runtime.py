"""The small hand-written core that generated code calls: run a statement, splice a filter.

Kept apart from the generator's output so the generated files stay declarative and this logic
is tested once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, cast

import psycopg.errors
from psycopg import AsyncConnection, AsyncCursor
from psycopg.types.json import Jsonb
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.cache_key import CacheKey

from querier.errors import (
    CheckViolationError,
    ConstraintViolationError,
    ForeignKeyViolationError,
    MissingAuthorizeFilterError,
    NotFoundError,
    NotNullViolationError,
    UniqueViolationError,
)

FILTER_MARKER = "-- @authorize_filter"
_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
_VIOLATIONS: tuple[tuple[type[Exception], type[ConstraintViolationError]], ...] = (
    (psycopg.errors.UniqueViolation, UniqueViolationError),
    (psycopg.errors.ForeignKeyViolation, ForeignKeyViolationError),
    (psycopg.errors.CheckViolation, CheckViolationError),
    (psycopg.errors.NotNullViolation, NotNullViolationError),
)


Cursor = CursorResult[Any] | psycopg.Cursor[Any]
"""What `execute` returns: both have `fetchone`, `fetchall` and `rowcount`."""


def execute(conn: Connection, sql: str, params: Mapping[str, Any], query: str) -> Cursor:
    """Run one statement; constraint violations come back as our own clear errors.

    The statement goes to the psycopg connection underneath `conn` directly: SQLAlchemy's
    `exec_driver_sql` more than doubles the cost of a primary-key get (bench/bench_dbauthz.py).
    SQLAlchemy's view stays right: a transaction is begun on `conn` first when none is (what its
    autobegin does; psycopg then sends BEGIN with the statement), so `commit()`, `rollback()`,
    `begin_nested()` and the pool's reset behave as before. A driver error is wrapped and the
    connection invalidated on a disconnect, as SQLAlchemy would. A connection or engine with
    event listeners (statement counters, loggers, `echo`) takes SQLAlchemy's own path, so every
    listener still sees every statement.
    """
    if conn._has_events or conn.engine._has_events or conn._echo:
        return _execute_via_sqlalchemy(conn, sql, params, query)
    if not conn.in_transaction():
        conn.begin()
    driver = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
    try:
        return driver.execute(sql, params)
    except psycopg.Error as exc:
        _raise_violation(exc, query)
        invalidated = conn.dialect.is_disconnect(exc, driver, None)  # type: ignore[arg-type]
        if invalidated:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            sql,
            dict(params),
            exc,
            psycopg.Error,
            hide_parameters=conn.engine.hide_parameters,
            connection_invalidated=invalidated,
            dialect=conn.dialect,
        ) from exc


def _execute_via_sqlalchemy(
    conn: Connection, sql: str, params: Mapping[str, Any], query: str
) -> CursorResult[Any]:
    try:
        return conn.exec_driver_sql(sql, dict(params))
    except DBAPIError as exc:
        if exc.orig is not None:
            _raise_violation(exc.orig, query)
        raise


def _raise_violation(exc: BaseException, query: str) -> None:
    for driver_error, ours in _VIOLATIONS:
        if isinstance(exc, driver_error):
            diag = exc.diag  # type: ignore[attr-defined]
            raise ours(query, diag.constraint_name, diag.message_detail or "") from exc


async def execute_async(
    conn: AsyncConnection[Any], sql: str, params: Mapping[str, Any], query: str
) -> AsyncCursor[Any]:
    """The async twin of `execute`, on a psycopg `AsyncConnection` (no SQLAlchemy per call)."""
    try:
        return await conn.execute(sql, params)
    except psycopg.errors.IntegrityError as exc:
        _raise_violation(exc, query)
        raise


def first_row(result: Cursor, query: str) -> Any:
    row = result.fetchone()
    if row is None:
        raise NotFoundError(query)
    return row


def row_or_not_found(row: Any, query: str) -> Any:
    """A fetched row, or `NotFoundError` when there was none (the async face's `first_row`)."""
    if row is None:
        raise NotFoundError(query)
    return row


class _CompiledFilters:
    """Compiled filter SQL, by expression identity and by shape; LRU, bounded, thread-safe.

    Compiling a filter costs tens of microseconds on every list call. Two levels:

    * identity: `FilterCache` (authz/sqlfilter.py) hands the same actor the same expression
      object, so its SQL and parameters are reused outright (the entry keeps the expression
      referenced, so its `id()` cannot be reused while the entry lives);
    * shape: SQLAlchemy's cache key of the expression (its structure, without the bound
      values); another actor with the same rule shape reuses the compiled SQL, and its own
      values are extracted from its key (`construct_params`), so parameters stay bound.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._by_id: OrderedDict[int, tuple[ColumnElement[bool], str, dict[str, Any]]] = (
            OrderedDict()
        )
        self._by_shape: OrderedDict[Any, tuple[str, tuple[str, ...]]] = OrderedDict()
        self._lock = threading.Lock()
        self.compiles = 0
        """How many compilations ran (tests assert the cache is used; counts, not times)."""

    def get(self, expr: ColumnElement[bool]) -> tuple[str, dict[str, Any]]:
        hit = self._by_id.get(id(expr))
        if hit is not None and hit[0] is expr:
            return hit[1], dict(hit[2])
        key = expr._generate_cache_key()
        shape = None if key is None else self._by_shape.get(key.key)
        if shape is not None and key is not None and len(shape[1]) == len(key.bindparams):
            sql, names = shape
            params = {
                n: _driver_value(bp.effective_value)
                for n, bp in zip(names, key.bindparams, strict=True)
            }
        else:
            sql, params, names_in_key_order = self._compile(expr, key)
            if key is not None and names_in_key_order is not None:
                with self._lock:
                    self._by_shape[key.key] = (sql, names_in_key_order)
                    self._trim(self._by_shape)
        with self._lock:
            self._by_id[id(expr)] = (expr, sql, params)
            self._trim(self._by_id)
        return sql, dict(params)

    def _compile(
        self, expr: ColumnElement[bool], key: CacheKey | None
    ) -> tuple[str, dict[str, Any], tuple[str, ...] | None]:
        """SQL, parameters, and the parameter names in cache-key order (None: not reusable)."""
        compiled = expr.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
        self.compiles += 1
        sql = compiled.string
        params: dict[str, Any] = {}
        for name, value in compiled.params.items():
            sql = sql.replace(f"%({name})s", f"%(authz_{name})s")
            params[f"authz_{name}"] = _driver_value(value)
        if key is None:
            return sql, params, None
        bind_names = compiled.bind_names
        ordered = tuple(f"authz_{bind_names.get(bp, '')}" for bp in key.bindparams)
        if set(ordered) != set(params) or len(ordered) != len(params):
            return sql, params, None  # a parameter used twice, or not a plain bind: no reuse
        return sql, params, ordered

    def _trim(self, entries: OrderedDict[Any, Any]) -> None:
        while len(entries) > self.maxsize:
            entries.popitem(last=False)


COMPILED_FILTERS = _CompiledFilters(maxsize=1024)


def _driver_value(value: Any) -> Any:
    """A filter parameter as psycopg takes it. The filter's values reach the driver without
    SQLAlchemy's bind processors, so a JSONB value (an ACL term's `{"<id>": ["read"]}`) is
    wrapped here; lists stay lists (UUID arrays), everything else is passed as it is."""
    return Jsonb(value) if isinstance(value, dict) else value


def compile_filter(expr: ColumnElement[bool]) -> tuple[str, dict[str, Any]]:
    """Compile a filter expression to pyformat SQL with its bound parameters (cached).

    Parameter names are prefixed so they can never collide with the query's own. The caller
    gets its own copy of the parameters (it merges them into the query's).
    """
    sql, params = COMPILED_FILTERS.get(expr)
    return sql, params


def with_filter(
    sql: str,
    params: dict[str, Any],
    authorize_filter: ColumnElement[bool] | None,
    query: str,
) -> tuple[str, dict[str, Any]]:
    """Replace the marker line with `AND (<filter>)`; refuse to run without a filter."""
    if authorize_filter is None:
        raise MissingAuthorizeFilterError(query)
    if FILTER_MARKER not in sql:
        raise ValueError(f"{query} has no {FILTER_MARKER} marker; it cannot take a filter")
    filter_sql, filter_params = compile_filter(authorize_filter)
    spliced = sql.replace(FILTER_MARKER, f"AND ({filter_sql})", 1)
    return spliced, {**params, **filter_params}
