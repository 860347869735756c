"""The small hand-written core that generated code calls: run a statement, splice a filter.

Kept apart from the generator's output so the generated files stay declarative and this logic
is tested once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg.errors
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Connection, CursorResult, Row
from sqlalchemy.exc import DBAPIError

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


def execute(conn: Connection, sql: str, params: Mapping[str, Any], query: str) -> CursorResult[Any]:
    """Run one statement; constraint violations come back as our own clear errors."""
    try:
        return conn.exec_driver_sql(sql, dict(params))
    except DBAPIError as exc:
        orig = exc.orig
        for driver_error, ours in _VIOLATIONS:
            if isinstance(orig, driver_error):
                diag = orig.diag  # type: ignore[attr-defined]
                raise ours(query, diag.constraint_name, diag.message_detail or "") from exc
        raise


def first_row(result: CursorResult[Any], query: str) -> Row[Any]:
    row = result.fetchone()
    if row is None:
        raise NotFoundError(query)
    return row


def compile_filter(expr: ColumnElement[bool]) -> tuple[str, dict[str, Any]]:
    """Compile a filter expression to pyformat SQL with its bound parameters.

    Parameter names are prefixed so they can never collide with the query's own.
    """
    compiled = expr.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    sql = compiled.string
    params: dict[str, Any] = {}
    for name, value in compiled.params.items():
        new = f"authz_{name}"
        sql = sql.replace(f"%({name})s", f"%({new})s")
        params[new] = value
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
