"""Ask PostgreSQL which `:one` queries always return exactly one row.

The rule (documented in the README): a `:one` query whose plan is a *plain aggregate* — an
aggregate without `GROUP BY` or `HAVING`, like `SELECT count(*) FROM …` — always returns one
row, so its method never raises `NotFoundError` and its docstring says so. The server's own
planner decides (`EXPLAIN (GENERIC_PLAN)`), not a parse of the SQL text, so a CTE, a subquery
or a comment cannot fool it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg

URI_ENV = "DBAUTHZ_GEN_DATABASE"
"""The throwaway database's libpq URI, handed to the plugin process by the generator."""


def always_one_row(plan: Mapping[str, Any]) -> bool:
    """True when the plan's top node yields exactly one row whatever the data."""
    node = plan
    # A Result node with one child only projects; without a child it is `SELECT <exprs>`.
    while node.get("Node Type") == "Result" and "One-Time Filter" not in node:
        children = node.get("Plans", [])
        if not children:
            return True
        if len(children) != 1:
            return False
        node = children[0]
    return (
        node.get("Node Type") == "Aggregate"
        and node.get("Strategy") == "Plain"
        and "Filter" not in node  # HAVING can drop the one row
    )


def single_row_queries(uri: str, queries: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Names of the given `(name, sql)` queries that always return exactly one row."""
    found = set()
    with psycopg.connect(uri, autocommit=True) as conn:
        for name, sql in queries:
            rows = conn.execute(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {sql}").fetchall()
            if always_one_row(rows[0][0][0]["Plan"]):
                found.add(name)
    return frozenset(found)
