"""authorize ≡ prepare().authorize ≡ explain ≡ the SQL filter on PostgreSQL ≡ the reference.

Each Hypothesis example draws one subject (named built-in roles, unknown names, and inline
custom roles with negations and wildcards across orgs) and checks it for every (type, action)
pair of the registry against every (owner, org) shape of the small universe in `strategies`.
A generated case is one (subject, action, resource type); each example yields
`len(CONCRETE_PAIRS)` of them (38 today), so the counts below add up to well over 10,000
cases — each one checked over ~26 objects or rows.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, NotAuthorizedError, Object, Subject
from authz.registry import CONCRETE_PAIRS
from tests.authz.reference import reference_allows
from tests.authz.strategies import (
    FOREIGN_ORG,
    FOREIGN_USER,
    OBJECT_ORGS,
    OWNERS,
    all_object_shapes,
    pairs,
    subjects,
)

EXAMPLES_IN_MEMORY = 400
EXAMPLES_EXPLAIN = 400
EXAMPLES_SQL = 300
CASES = (EXAMPLES_IN_MEMORY + EXAMPLES_SQL) * len(CONCRETE_PAIRS) + EXAMPLES_EXPLAIN

AUTHORIZER = Authorizer()
SHAPES = {resource_type: all_object_shapes(resource_type) for resource_type, _ in CONCRETE_PAIRS}


def test_case_budget() -> None:
    assert CASES >= 10_000


def allowed(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except NotAuthorizedError:
        return False
    return True


@settings(max_examples=EXAMPLES_IN_MEMORY, deadline=None)
@given(subject=subjects())
def test_authorize_prepared_and_reference_agree(subject: Subject) -> None:
    for resource_type, action in CONCRETE_PAIRS:
        prepared = AUTHORIZER.prepare(subject, action, resource_type)
        decisions = []
        for obj in SHAPES[resource_type]:
            expected = reference_allows(subject, action, obj)
            assert allowed(AUTHORIZER.authorize, subject, action, obj) is expected, (action, obj)
            assert allowed(prepared.authorize, obj) is expected, (action, obj)
            decisions.append(expected)
        # The short-circuits are exact: they claim row-independence only when it holds.
        if prepared.always_allowed:
            assert all(decisions)
        if prepared.never_allowed:
            assert not any(decisions)


@settings(max_examples=EXAMPLES_EXPLAIN, deadline=None)
@given(subject=subjects(), pair=pairs())
def test_explain_agrees_with_authorize(subject: Subject, pair: tuple[str, Action]) -> None:
    resource_type, action = pair
    for obj in SHAPES[resource_type]:
        explanation = AUTHORIZER.explain(subject, action, obj)
        assert explanation.allowed is allowed(AUTHORIZER.authorize, subject, action, obj)
        assert (explanation.permission is None) is (explanation.decided_by is None)


# --- SQL -------------------------------------------------------------------------------------

_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
OWNER_COL = sa.column("owner_id", sa.Uuid)
ORG_COL = sa.column("org_id", sa.Uuid)
ID_COL = sa.column("id", sa.Uuid)
ROWS: list[tuple[int, Any, Any]] = [
    (index, owner, org)
    for index, (owner, org) in enumerate(
        [(owner, org) for owner in OWNERS for org in OBJECT_ORGS] + [(FOREIGN_USER, FOREIGN_ORG)]
    )
]


def compile_spliceable(expr: sa.ColumnElement[bool], prefix: str) -> tuple[str, dict[str, Any]]:
    """Compile the way the querier does, then give parameter names a per-filter prefix."""
    compiled = expr.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    params: dict[str, Any] = {}
    for name, value in compiled.params.items():
        sql = sql.replace(f"%({name})s", f"%({prefix}{name})s")
        params[prefix + name] = value
    return sql, params


@pytest.fixture
def object_rows(conn: Connection) -> Connection:
    conn.exec_driver_sql(
        "CREATE TEMP TABLE authz_rows (n int PRIMARY KEY, id uuid NOT NULL, owner_id uuid,"
        " org_id uuid) ON COMMIT DROP"
    )
    conn.exec_driver_sql(
        "INSERT INTO authz_rows (n, id, owner_id, org_id)"
        " VALUES (%(n)s, gen_random_uuid(), %(owner)s, %(org)s)",
        [{"n": n, "owner": owner, "org": org} for n, owner, org in ROWS],
    )
    return conn


def sql_decisions(conn: Connection, subject: Subject) -> dict[tuple[str, Action], set[int]]:
    """For every pair, the rows the filter admits — all pairs in one statement."""
    columns: list[str] = []
    params: dict[str, Any] = {}
    for i, (resource_type, action) in enumerate(CONCRETE_PAIRS):
        expr = AUTHORIZER.prepare(subject, action, resource_type).sql_filter(
            owner=OWNER_COL, org=ORG_COL, id=ID_COL
        )
        sql, bound = compile_spliceable(expr, f"p{i}_")
        columns.append(f"({sql}) IS TRUE")
        params.update(bound)
    result = conn.exec_driver_sql(
        f"SELECT n, {', '.join(columns)} FROM authz_rows ORDER BY n", params
    ).all()
    return {pair: {row[0] for row in result if row[i + 1]} for i, pair in enumerate(CONCRETE_PAIRS)}


@settings(
    max_examples=EXAMPLES_SQL,
    deadline=None,
    # The temp table is created once per test and only read by the examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(subject=subjects())
def test_sql_filter_agrees_on_postgresql(object_rows: Connection, subject: Subject) -> None:
    admitted = sql_decisions(object_rows, subject)
    for resource_type, action in CONCRETE_PAIRS:
        expected = {
            n
            for n, owner, org in ROWS
            if reference_allows(subject, action, Object(resource_type, None, owner, org))
        }
        assert admitted[(resource_type, action)] == expected, (resource_type, action)


def test_sql_filter_without_org_column_agrees_on_postgresql(object_rows: Connection) -> None:
    """`org=None` means the table has no org column: objects there have no org (users)."""
    for subject_roles in (("member",), ("owner",), ("user-admin",), ("auditor",)):
        subject = Subject(id=OWNERS[1] or FOREIGN_USER, roles=subject_roles)
        for action in (Action.READ, Action.UPDATE_PERSONAL, Action.DELETE):
            expr = AUTHORIZER.prepare(subject, action, "user").sql_filter(
                owner=OWNER_COL, org=None, id=ID_COL
            )
            sql, params = compile_spliceable(expr, "u_")
            got = {
                n
                for (n,) in object_rows.exec_driver_sql(
                    f"SELECT n FROM authz_rows WHERE org_id IS NULL AND ({sql})", params
                )
            }
            expected = {
                n
                for n, owner, org in ROWS
                if org is None
                and reference_allows(subject, action, Object("user", None, owner, None))
            }
            assert got == expected, (subject_roles, action)
