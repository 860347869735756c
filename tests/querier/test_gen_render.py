"""Generator rules that are easiest to see on one query: scalar returns, single-row aggregates
(decided by PostgreSQL's planner), docstrings that say what really happens."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from querier.gen.analyze import always_one_row, single_row_queries
from querier.gen.render import Col, Query, docstring, return_type
from querier.gen.render_sql import render_return

COUNT = Col("count", "int", False, False, None, False)
STATUS = Col("status", "ChatStatus", True, False, "ChatStatus", False)


def query(cmd: str, columns: list[Col], *, single_row: bool = False, sql: str = "SELECT") -> Query:
    return Query("CountChats", "count_chats", cmd, sql, [], columns, [], single_row=single_row)


def test_a_one_column_query_returns_the_value_not_a_row() -> None:
    assert return_type(query(":one", [COUNT])) == "int"
    assert return_type(query(":many", [STATUS])) == "list[ChatStatus | None]"
    one = render_return(query(":one", [STATUS]), "RUN")
    # fetched once, then converted: the nullable enum does not run the query twice
    assert one.count("RUN") == 1
    assert 'value = first_row(RUN, "CountChats")[0]' in one
    assert "_CHAT_STATUS_MEMBERS[value]" in one  # a dict lookup: a tenth of ChatStatus(value)
    assert "[r[0] for r in RUN.fetchall()]" in render_return(query(":many", [COUNT]), "RUN")


def test_docstrings_promise_what_the_method_does() -> None:
    aggregate = docstring(query(":one", [COUNT], single_row=True), "")
    assert "never `NotFoundError`" in aggregate
    assert "raises `NotFoundError`" not in aggregate
    assert "raises `NotFoundError` when no row matches" in docstring(query(":one", [COUNT]), "")
    assert "`[]` when none match" in docstring(query(":many", [COUNT]), "")
    write = docstring(query(":one", [COUNT], sql="-- c\nINSERT INTO x"), "")
    assert "ConstraintViolationError" in write
    assert "ConstraintViolationError" not in docstring(query(":one", [COUNT]), "")


def test_plan_shapes_that_always_yield_one_row() -> None:
    plain = {"Node Type": "Aggregate", "Strategy": "Plain", "Plans": [{"Node Type": "Seq Scan"}]}
    assert always_one_row(plain)
    assert always_one_row({"Node Type": "Result"})  # SELECT 1
    assert always_one_row({"Node Type": "Result", "Plans": [plain]})
    assert not always_one_row({**plain, "Filter": "(count(*) > 1)"})  # HAVING
    assert not always_one_row({**plain, "Strategy": "Hashed"})  # GROUP BY
    assert not always_one_row({"Node Type": "Limit", "Plans": [plain]})  # LIMIT 0 is possible
    assert not always_one_row({"Node Type": "Result", "One-Time Filter": "false"})
    assert not always_one_row({"Node Type": "Index Scan"})


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT count(*) FROM chats WHERE owner_id = $1\n-- @authorize_filter\n", True),
        ("SELECT coalesce(sum(context_limit), 0)::bigint FROM chat_model_configs", True),
        ("SELECT count(*) FROM chats GROUP BY owner_id", False),
        ("SELECT count(*) FROM chats HAVING count(*) > $1::int", False),
        ("SELECT id FROM chats WHERE id = $1", False),
        ("WITH c AS (SELECT * FROM chats) SELECT count(*) FROM c", True),
    ],
)
def test_postgresql_decides_which_queries_always_return_a_row(
    engine: Engine, sql: str, expected: bool
) -> None:
    # The generator asks its own throwaway embedded server (PostgreSQL 18); EXPLAIN
    # (GENERIC_PLAN) exists from PostgreSQL 16 on, so an older DATABASE_URL server cannot answer.
    with engine.connect() as conn:
        if conn.dialect.server_version_info < (16,):  # type: ignore[operator]
            pytest.skip("EXPLAIN (GENERIC_PLAN) needs PostgreSQL >= 16 (the generator's is 18)")
    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    assert single_row_queries(uri, [("Q", sql)]) == (frozenset({"Q"}) if expected else frozenset())
