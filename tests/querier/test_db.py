"""Where the database is: DATABASE_URL parsing and one-line errors."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from querier.db import DatabaseConfigError, check_connection, create_engine, parse_database_url


def test_psycopg_driver_is_always_used() -> None:
    assert parse_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not a url", "not a valid database URL"),
        ("mysql://u@h/db", "must be a PostgreSQL URL"),
        ("postgresql://u@h", "must name a database"),
    ],
)
def test_bad_urls_are_one_line_errors(raw: str, message: str) -> None:
    with pytest.raises(DatabaseConfigError, match=message) as info:
        parse_database_url(raw)
    assert "\n" not in str(info.value)


def test_unreachable_server_is_one_line_error() -> None:
    engine = create_engine(
        "postgresql+psycopg://u@127.0.0.1:1/db", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(DatabaseConfigError, match="cannot connect to") as info:
        check_connection(engine)
    assert "\n" not in str(info.value)


def test_a_failing_statement_never_shows_its_bound_values(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Bound values are content (message text, titles): the raised and logged text omits them."""
    secret = "private message text 4711"
    with engine.connect() as conn, pytest.raises(DBAPIError) as info:
        conn.execute(sa.text("SELECT CAST(:content AS text), 1 / 0"), {"content": secret})
    assert secret not in str(info.value)
    assert "parameters hidden" in str(info.value)
    logging.getLogger("test").error("failed", exc_info=info.value)
    assert secret not in caplog.text
