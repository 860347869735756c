"""`runtime.execute` sends statements on the psycopg connection under SQLAlchemy's, and keeps
SQLAlchemy's transaction state, error wrapping and event listeners right."""

from __future__ import annotations

import uuid

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from querier.errors import UniqueViolationError
from querier.generated.models import ChatStatus, UserStatus
from querier.generated.sql import SqlQuerier
from tests.conftest import NewDatabase


def _insert_user(q: SqlQuerier, name: str) -> uuid.UUID:
    user_id = uuid.uuid4()
    q.insert_user(
        id=user_id,
        email=f"{name}@example.com",
        username=name,
        rbac_roles=(),
        status=UserStatus.ACTIVE,
    )
    return user_id


def _users(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM users").scalar_one())


def test_a_direct_statement_begins_the_sqlalchemy_transaction(new_database: NewDatabase) -> None:
    engine = new_database()
    with engine.connect() as conn:
        assert not conn._has_events  # the direct path, not SQLAlchemy's
        assert not conn.in_transaction()
        _insert_user(SqlQuerier(conn), "kept")
        assert conn.in_transaction()  # what autobegin would have done
        conn.commit()
        _insert_user(SqlQuerier(conn), "dropped")
        conn.rollback()
        with conn.begin_nested():  # a savepoint inside the (again begun) transaction
            _insert_user(SqlQuerier(conn), "nested")
        conn.commit()
    with engine.connect() as other:
        names = other.exec_driver_sql("SELECT username FROM users ORDER BY username").scalars()
        assert list(names) == ["kept", "nested"]
    with engine.connect() as conn:
        _insert_user(SqlQuerier(conn), "closed-without-commit")
    with engine.connect() as other:
        assert _users(other) == 2


def test_driver_errors_are_wrapped_like_sqlalchemy_does(conn: Connection) -> None:
    q = SqlQuerier(conn)
    with pytest.raises(DBAPIError) as caught, conn.begin_nested():
        q.get_chat_messages(chat_id=uuid.uuid4(), after_id=0, page_limit=2**40)  # int overflow
    assert isinstance(caught.value.orig, psycopg.errors.NumericValueOutOfRange)
    user_id = _insert_user(q, "twice")
    with pytest.raises(UniqueViolationError), conn.begin_nested():
        q.insert_user(
            id=user_id, email="x@example.com", username="x", rbac_roles=(), status=UserStatus.ACTIVE
        )


def test_listeners_still_see_every_statement(conn: Connection) -> None:
    seen: list[str] = []
    sa.event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
    q = SqlQuerier(conn)
    owner = _insert_user(q, "owner")
    q.insert_chat(id=uuid.uuid4(), owner_id=owner, title="t", status=ChatStatus.WAITING)
    assert len(seen) == 2
