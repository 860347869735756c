"""Errors the querier raises, translated from the driver so callers never match on psycopg.

QuerierError
├── NotFoundError                 a `:one` query matched no row (LookupError too)
├── MissingAuthorizeFilterError   a filtered query was called without its filter
└── ConstraintViolationError      the database refused the data (ValueError too)
    ├── UniqueViolationError
    ├── ForeignKeyViolationError
    ├── CheckViolationError
    └── NotNullViolationError
"""

from __future__ import annotations


class QuerierError(Exception):
    """Base of every error the querier raises on purpose."""


class NotFoundError(QuerierError, LookupError):
    """No row: the database's not-found, reported before any authorization decision."""

    def __init__(self, query: str) -> None:
        super().__init__(f"{query}: no rows")
        self.query = query


class MissingAuthorizeFilterError(QuerierError):
    """A query with `-- @authorize_filter` refuses to run unfiltered."""

    def __init__(self, query: str) -> None:
        super().__init__(f"{query} requires an authorize_filter and refuses to run without one")
        self.query = query


class ConstraintViolationError(QuerierError, ValueError):
    """The data broke a constraint; `constraint` names it so callers can explain the problem."""

    def __init__(self, query: str, constraint: str | None, detail: str) -> None:
        name = constraint or "unnamed constraint"
        super().__init__(f"{query}: violates {name}: {detail}" if detail else f"{query}: {name}")
        self.query = query
        self.constraint = constraint
        self.detail = detail


class UniqueViolationError(ConstraintViolationError):
    pass


class ForeignKeyViolationError(ConstraintViolationError):
    pass


class CheckViolationError(ConstraintViolationError):
    pass


class NotNullViolationError(ConstraintViolationError):
    pass
