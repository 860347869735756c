"""authorize ≡ prepare().authorize ≡ explain ≡ the SQL filter on PostgreSQL ≡ the reference.

Each Hypothesis example draws one subject (named built-in roles, unknown names, inline ad-hoc
roles with negations and wildcards across orgs, custom organization roles — held definitions
with wildcards, unheld ones, held names without a definition —, groups, and half the time a
narrowed scope with an allow-list) and a batch of objects (user and group ACLs naming users, groups and
Everyone groups, `*` entries, any-org questions). A *case* is one (subject, action, object)
decision compared across implementations; every test counts the cases it really ran and
asserts its share of the budget, so the total is visible and cannot silently shrink (and at
least a fifth of the cases are decided for subjects holding custom organization roles):

    in memory (authorize, prepared, reference)   >= 100,000
    SQL on PostgreSQL (filter vs reference)      >=  50,000
    explain vs authorize                         >=   4,000

The SQL test evaluates every pair's filter over a table of rows in one statement per example.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, NotAuthorizedError, Object, Subject
from authz.acl import AclEntries
from authz.registry import CONCRETE_PAIRS, REGISTRY
from tests.authz.reference import reference_allows
from tests.authz.strategies import (
    FOREIGN_ORG,
    FOREIGN_USER,
    OBJECT_IDS,
    OBJECT_ORGS,
    OWNERS,
    all_object_shapes,
    objects,
    subjects,
)

EXAMPLES_IN_MEMORY = 100
EXAMPLES_EXPLAIN = 60
EXAMPLES_SQL = 30
OBJECTS_PER_EXAMPLE = 24
SQL_RANDOM_ROWS = 40

MIN_CASES_IN_MEMORY = 100_000
MIN_CASES_SQL = 50_000
MIN_CASES_EXPLAIN = 4_000

SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
"""Each example checks thousands of cases: slow examples are the point."""

AUTHORIZER = Authorizer()
SHAPES = {resource_type: all_object_shapes(resource_type) for resource_type, _ in CONCRETE_PAIRS}


def allowed(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except NotAuthorizedError:
        return False
    return True


def test_case_budget_adds_up() -> None:
    assert MIN_CASES_IN_MEMORY + MIN_CASES_SQL >= 150_000


MIN_CUSTOM_SHARE = 0.2


def test_authorize_prepared_and_reference_agree() -> None:
    cases = custom = 0

    @settings(
        max_examples=EXAMPLES_IN_MEMORY,
        deadline=None,
        database=None,
        suppress_health_check=SLOW_OK,
        # Fixed examples: the case and custom-role shares below are counts, not chances.
        derandomize=True,
    )
    @given(
        subject=subjects(),
        batch=st.lists(objects(), min_size=OBJECTS_PER_EXAMPLE, max_size=OBJECTS_PER_EXAMPLE),
    )
    def run(subject: Subject, batch: list[Object]) -> None:
        nonlocal cases, custom
        before = cases
        for resource_type, action in CONCRETE_PAIRS:
            prepared = AUTHORIZER.prepare(subject, action, resource_type)
            decisions = []
            plain = []
            for obj in [*SHAPES[resource_type], *(o for o in batch if o.type == resource_type)]:
                expected = reference_allows(subject, action, obj)
                assert allowed(AUTHORIZER.authorize, subject, action, obj) is expected, obj
                assert allowed(prepared.authorize, obj) is expected, (action, obj)
                decisions.append(expected)
                if obj._acl is None:
                    plain.append(expected)
                cases += 1
            # The short-circuits are exact: they claim row-independence only when it holds.
            if prepared.always_allowed:
                assert all(decisions)
            if prepared.never_allowed:
                assert not any(plain)
            if prepared.never_allowed_with_acl:
                assert not any(decisions)
        if subject.custom_roles:
            custom += cases - before

    run()
    print(f"in-memory equivalence: {cases:,} cases ({custom:,} with custom roles)")
    assert cases >= MIN_CASES_IN_MEMORY
    assert custom >= MIN_CUSTOM_SHARE * cases


def test_explain_agrees_with_authorize() -> None:
    cases = 0

    @settings(
        max_examples=EXAMPLES_EXPLAIN, deadline=None, database=None, suppress_health_check=SLOW_OK
    )
    @given(subject=subjects(), batch=st.lists(objects(), min_size=20, max_size=20))
    def run(subject: Subject, batch: list[Object]) -> None:
        nonlocal cases
        for obj in batch:
            for action in sorted(REGISTRY[obj.type]):
                explanation = AUTHORIZER.explain(subject, action, obj)
                assert explanation.allowed is allowed(AUTHORIZER.authorize, subject, action, obj)
                assert (explanation.permission is None) is (explanation.decided_by is None)
                if explanation.allowed:
                    assert explanation.path in ("role", "acl")
                    assert explanation.scope is not None
                    assert explanation.scope.admitted
                cases += 1

    run()
    print(f"explain equivalence: {cases:,} cases")
    assert cases >= MIN_CASES_EXPLAIN


# --- SQL -------------------------------------------------------------------------------------

_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]
OWNER_COL = sa.column("owner_id", sa.Uuid)
ORG_COL = sa.column("org_id", sa.Uuid)
ID_COL = sa.column("id", sa.Uuid)
USER_ACL_COL = sa.column("user_acl", JSONB)
GROUP_ACL_COL = sa.column("group_acl", JSONB)

Row = tuple[UUID, UUID | None, UUID | None, AclEntries, AclEntries]
"""id, owner, org, user ACL, group ACL — an object without its type."""

FIXED_ROWS: list[Row] = [
    (OBJECT_IDS[(i + j) % 2], owner, org, {}, {})
    for i, owner in enumerate(OWNERS)
    for j, org in enumerate(OBJECT_ORGS)
] + [(OBJECT_IDS[0], FOREIGN_USER, FOREIGN_ORG, {}, {})]


def compile_spliceable(expr: sa.ColumnElement[bool], prefix: str) -> tuple[str, dict[str, Any]]:
    """Compile the way the querier does, then give parameter names a per-filter prefix."""
    compiled = expr.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    params: dict[str, Any] = {}
    for name, value in compiled.params.items():
        sql = sql.replace(f"%({name})s", f"%({prefix}{name})s")
        if isinstance(value, dict):
            value = json.dumps(value)  # JSONB binds are dicts; the raw driver takes text
        params[prefix + name] = value
    return sql, params


def _acl_json(entries: AclEntries) -> str | None:
    """Coder's shape; an empty ACL is NULL or `{}` alternately — both mean "no entry"."""
    if not entries:
        return None
    return json.dumps({str(k): sorted(a.value for a in v) for k, v in entries.items()})


@pytest.fixture
def object_rows(conn: Connection) -> Connection:
    conn.exec_driver_sql(
        "CREATE TEMP TABLE authz_rows (n int PRIMARY KEY, id uuid NOT NULL, owner_id uuid,"
        " org_id uuid, user_acl jsonb, group_acl jsonb) ON COMMIT DROP"
    )
    return conn


def _load(conn: Connection, rows: list[Row]) -> None:
    conn.exec_driver_sql("DELETE FROM authz_rows")
    conn.exec_driver_sql(
        "INSERT INTO authz_rows (n, id, owner_id, org_id, user_acl, group_acl)"
        " VALUES (%(n)s, %(id)s, %(owner)s, %(org)s, %(users)s::jsonb, %(groups)s::jsonb)",
        [
            {
                "n": n,
                "id": ident,
                "owner": owner,
                "org": org,
                "users": _acl_json(users),
                "groups": _acl_json(groups) if groups or n % 2 else "{}",
            }
            for n, (ident, owner, org, users, groups) in enumerate(rows)
        ],
    )


def sql_decisions(conn: Connection, subject: Subject) -> dict[tuple[str, Action], set[int]]:
    """For every pair, the rows the filter admits — all pairs in one statement."""
    columns: list[str] = []
    params: dict[str, Any] = {}
    for i, (resource_type, action) in enumerate(CONCRETE_PAIRS):
        expr = AUTHORIZER.prepare(subject, action, resource_type).sql_filter(
            owner=OWNER_COL, org=ORG_COL, id=ID_COL, user_acl=USER_ACL_COL, group_acl=GROUP_ACL_COL
        )
        sql, bound = compile_spliceable(expr, f"p{i}_")
        columns.append(f"({sql}) IS TRUE")
        params.update(bound)
    result = conn.exec_driver_sql(
        f"SELECT n, {', '.join(columns)} FROM authz_rows ORDER BY n", params
    ).all()
    return {pair: {row[0] for row in result if row[i + 1]} for i, pair in enumerate(CONCRETE_PAIRS)}


def _as_object(resource_type: str, row: Row) -> Object:
    """The row as an object of `resource_type`: ACL actions the type lacks can never match."""
    ident, owner, org, users, groups = row
    valid = REGISTRY[resource_type] | {Action.WILDCARD}

    def keep(entries: AclEntries) -> dict[UUID, set[Action]]:
        return {k: {a for a in v if a in valid} for k, v in entries.items()}

    return Object(resource_type, ident, owner, org, acl_users=keep(users), acl_groups=keep(groups))


def _row(obj: Object) -> Row:
    assert obj.id is not None
    return (obj.id, obj.owner, obj.org, obj.acl_users, obj.acl_groups)


sql_objects = objects(resource_type="chat", any_org=False, with_id=True)


def test_sql_filter_agrees_on_postgresql(object_rows: Connection) -> None:
    cases = custom = 0

    @settings(
        max_examples=EXAMPLES_SQL,
        deadline=None,
        database=None,
        suppress_health_check=SLOW_OK,
        # Fixed examples: the case and custom-role shares below are counts, not chances.
        derandomize=True,
    )
    @given(
        subject=subjects(),
        batch=st.lists(sql_objects, min_size=SQL_RANDOM_ROWS, max_size=SQL_RANDOM_ROWS),
    )
    def run(subject: Subject, batch: list[Object]) -> None:
        nonlocal cases, custom
        rows = FIXED_ROWS + [_row(o) for o in batch]
        _load(object_rows, rows)
        admitted = sql_decisions(object_rows, subject)
        for resource_type, action in CONCRETE_PAIRS:
            expected = {
                n
                for n, row in enumerate(rows)
                if reference_allows(subject, action, _as_object(resource_type, row))
            }
            assert admitted[(resource_type, action)] == expected, (resource_type, action)
            cases += len(rows)
            custom += len(rows) if subject.custom_roles else 0

    run()
    print(f"SQL equivalence: {cases:,} cases ({custom:,} with custom roles)")
    assert cases >= MIN_CASES_SQL
    assert custom >= MIN_CUSTOM_SHARE * cases


def test_sql_filter_without_org_column_agrees_on_postgresql(object_rows: Connection) -> None:
    """`org=None` means the table has no org column: objects there have no org (users)."""
    rows = FIXED_ROWS
    _load(object_rows, rows)
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
                for n, (ident, owner, org, _, _) in enumerate(rows)
                if org is None
                and reference_allows(subject, action, Object("user", ident, owner, None))
            }
            assert got == expected, (subject_roles, action)
