"""The authorizer: programming errors, short-circuits, caches, and the exact SQL it emits."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Connection

from authz import (
    Action,
    Authorizer,
    AuthorizerProtocol,
    NotAuthorizedError,
    PreparedAuthorizer,
    PreparedProtocol,
    Subject,
    custom_roles,
    resources,
    roles,
)

ME = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
ORG_A = UUID("00000000-0000-4000-8000-0000000000a0")
ORG_B = UUID("00000000-0000-4000-8000-0000000000b0")

OWNER_COL = sa.column("owner_id", sa.Uuid)
ORG_COL = sa.column("organization_id", sa.Uuid)
ID_COL = sa.column("id", sa.Uuid)
_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]


def chat_user(*org_roles: str) -> Subject:
    return Subject(id=ME, roles=("member", "chat-access", *org_roles))


def compiled(expr: sa.ColumnElement[bool]) -> tuple[str, dict[str, Any]]:
    """Exactly how the querier compiles a filter before splicing it into raw SQL."""
    result = expr.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    return str(result), dict(result.params)


def test_authorizer_satisfies_the_protocols() -> None:
    authorizer: AuthorizerProtocol = Authorizer()
    prepared: PreparedProtocol = authorizer.prepare(chat_user(), Action.READ, "chat")
    assert isinstance(prepared, PreparedAuthorizer)


# --- programming errors are not denials -------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Action.ASSIGN, "'chat' has no action 'assign'"),
        (Action.WILDCARD, "a check needs a concrete action"),
        ("fly", "unknown action 'fly'"),
    ],
)
def test_actions_the_type_lacks_are_value_errors(action: Action, message: str) -> None:
    authorizer, subject = Authorizer(), Subject(id=ME, roles=["owner"])
    with pytest.raises(ValueError, match=message):
        authorizer.authorize(subject, action, resources.CHAT)
    with pytest.raises(ValueError, match=message):
        authorizer.prepare(subject, action, "chat")
    with pytest.raises(ValueError, match=message):
        authorizer.explain(subject, action, resources.CHAT)


def test_prepare_rejects_unknown_types_and_mismatched_objects() -> None:
    authorizer = Authorizer()
    with pytest.raises(ValueError, match="unknown resource type 'workspace'"):
        authorizer.prepare(chat_user(), Action.READ, "workspace")
    prepared = authorizer.prepare(chat_user(), Action.READ, "chat")
    with pytest.raises(ValueError, match="prepared for 'chat', asked about a 'user' object"):
        prepared.authorize(resources.user_object(ME))


def test_plain_string_actions_work() -> None:
    authorizer = Authorizer()
    authorizer.authorize(chat_user(), "read", resources.CHAT.with_owner(ME))  # type: ignore[arg-type]
    assert authorizer.prepare(chat_user(), "read", "chat").action is Action.READ  # type: ignore[arg-type]


def test_unknown_roles_never_crash(caplog: pytest.LogCaptureFixture) -> None:
    roles._warn_unresolved.cache_clear()
    custom_roles._warn_missing.cache_clear()
    subject = Subject(id=ME, roles=["member", "chat-access", "not-a-role", f"bogus:{ORG_A}"])
    with caplog.at_level(logging.WARNING, logger="authz"):
        Authorizer().authorize(subject, Action.READ, resources.CHAT.with_owner(ME))
    # An org-level name may be a custom role whose definition did not come (deleted?).
    assert sorted(r.getMessage() for r in caplog.records) == [
        f"role 'bogus:{ORG_A}' is neither built in nor a custom role defined for the subject"
        " (deleted?); it grants nothing",
        "role 'not-a-role' is not a known role; it grants nothing",
    ]


# --- the user-level rule (DESIGN.md: it differs from Coder on purpose) ------------------------


def test_user_level_grant_reaches_own_objects_in_member_orgs_only() -> None:
    authorizer, subject = Authorizer(), chat_user(f"organization-member:{ORG_A}")
    authorizer.authorize(subject, Action.DELETE, resources.CHAT.with_owner(ME).in_org(ORG_A))
    with pytest.raises(NotAuthorizedError):
        authorizer.authorize(subject, Action.DELETE, resources.CHAT.with_owner(ME).in_org(ORG_B))
    with pytest.raises(NotAuthorizedError):
        authorizer.authorize(subject, Action.READ, resources.CHAT.with_owner(OTHER).in_org(ORG_A))
    with pytest.raises(NotAuthorizedError):
        authorizer.authorize(subject, Action.READ, resources.CHAT.in_org(ORG_A))


# --- prepare ----------------------------------------------------------------------------------


def test_row_independent_answers_short_circuit_to_true_and_false() -> None:
    authorizer = Authorizer()
    owner = authorizer.prepare(Subject(id=ME, roles=["owner"]), Action.DELETE, "chat")
    assert owner.always_allowed
    assert not owner.never_allowed
    assert compiled(owner.sql_filter(owner=OWNER_COL, org=ORG_COL)) == ("true", {})

    member = authorizer.prepare(Subject(id=ME, roles=["member"]), Action.READ, "chat")
    assert member.never_allowed
    assert not member.always_allowed
    assert compiled(member.sql_filter(owner=OWNER_COL, org=ORG_COL)) == ("false", {})

    chat = authorizer.prepare(chat_user(), Action.READ, "chat")
    assert not chat.always_allowed
    assert not chat.never_allowed


def test_filter_for_a_chat_access_member_of_one_org() -> None:
    prepared = Authorizer().prepare(chat_user(f"organization-member:{ORG_A}"), Action.READ, "chat")
    sql, params = compiled(prepared.sql_filter(owner=OWNER_COL, org=ORG_COL, id=ID_COL))
    assert sql == (
        "owner_id = %(authz_me_1)s::UUID AND "
        "(organization_id IS NULL OR organization_id = %(authz_own_orgs_1)s::UUID)"
    )
    assert params == {"authz_me_1": ME, "authz_own_orgs_1": ORG_A}


def test_filter_with_org_level_grants_and_several_orgs() -> None:
    subject = chat_user(
        f"organization-admin:{ORG_A}",
        f"organization-member:{ORG_A}",
        f"organization-member:{ORG_B}",
        f"organization-member:{OTHER}",
    )
    prepared = Authorizer().prepare(subject, Action.READ, "chat")
    sql, params = compiled(prepared.sql_filter(owner=OWNER_COL, org=ORG_COL))
    assert sql == (
        "organization_id = %(authz_orgs_1)s::UUID OR "
        "owner_id = %(authz_me_1)s::UUID AND (organization_id IS NULL OR "
        "organization_id = ANY (%(authz_own_orgs_1)s::UUID[]))"
    )
    assert params == {
        "authz_orgs_1": ORG_A,
        "authz_me_1": ME,
        "authz_own_orgs_1": sorted([ORG_B, OTHER]),
    }


def test_filter_for_a_table_without_org_column() -> None:
    prepared = Authorizer().prepare(Subject(id=ME, roles=["member"]), Action.READ, "user")
    users_id = sa.literal_column("users.id", sa.Uuid)
    sql, params = compiled(prepared.sql_filter(owner=users_id, org=None, id=users_id))
    assert sql == "users.id = %(authz_me_1)s::UUID"
    assert params == {"authz_me_1": ME}


def test_filter_without_owner_column_can_only_use_org_grants() -> None:
    subject = chat_user(f"organization-admin:{ORG_A}", f"organization-member:{ORG_A}")
    prepared = Authorizer().prepare(subject, Action.READ, "chat")
    assert compiled(prepared.sql_filter(owner=None, org=ORG_COL))[0] == (
        "organization_id = %(authz_orgs_1)s::UUID"
    )
    personal = Authorizer().prepare(chat_user(), Action.READ, "chat")
    assert compiled(personal.sql_filter(owner=None, org=ORG_COL)) == ("false", {})


def test_filters_hold_no_literal_values() -> None:
    subject = chat_user(f"organization-admin:{ORG_A}", f"organization-member:{ORG_B}")
    expr = (
        Authorizer().prepare(subject, Action.READ, "chat").sql_filter(owner=OWNER_COL, org=ORG_COL)
    )
    sql, params = compiled(expr)
    for value in (ME, ORG_A, ORG_B):
        assert str(value) not in sql
        assert value.hex not in sql
    assert "'" not in sql
    assert ME in params.values()


def test_spliced_filter_runs_through_raw_psycopg(conn: Connection) -> None:
    """Compile as the querier does, splice `str(compiled)` into raw SQL, run it with psycopg."""
    conn.exec_driver_sql(
        "CREATE TEMP TABLE authz_chats (id uuid PRIMARY KEY, owner_id uuid NOT NULL,"
        " organization_id uuid) ON COMMIT DROP"
    )
    rows = {
        UUID(int=1): (ME, None),
        UUID(int=2): (ME, ORG_A),
        UUID(int=3): (ME, ORG_B),
        UUID(int=4): (OTHER, ORG_A),
        UUID(int=5): (OTHER, ORG_B),
        UUID(int=6): (OTHER, None),
    }
    conn.exec_driver_sql(
        "INSERT INTO authz_chats VALUES (%(id)s, %(owner)s, %(org)s)",
        [{"id": k, "owner": o, "org": g} for k, (o, g) in rows.items()],
    )
    subject = chat_user(
        f"organization-member:{ORG_A}",
        f"organization-member:{ORG_B}",
        f"organization-admin:{ORG_B}",
    )
    expr = (
        Authorizer().prepare(subject, Action.READ, "chat").sql_filter(owner=OWNER_COL, org=ORG_COL)
    )
    sql, params = compiled(expr)
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.execute(f"SELECT id FROM authz_chats WHERE {sql} ORDER BY id", params)
    assert [row[0] for row in cursor.fetchall()] == [UUID(int=n) for n in (1, 2, 3, 5)]


# --- caches -----------------------------------------------------------------------------------


def test_role_sets_are_compiled_once_and_memoized_on_the_subject() -> None:
    authorizer = Authorizer()
    first = Subject(id=ME, roles=["member", "chat-access"])
    same_roles_other_order = Subject(id=OTHER, roles=["chat-access", "member", "member"])
    table = authorizer.table(first)
    assert authorizer.table(first) is table
    assert authorizer.table(same_roles_other_order) is table
    info = authorizer.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_the_role_set_cache_is_bounded() -> None:
    authorizer = Authorizer(cache_size=2)
    for n in range(5):
        authorizer.table(Subject(id=ME, roles=[f"organization-member:{UUID(int=n)}"]))
    assert authorizer.cache_info().currsize == 2
    assert Authorizer().cache_info().maxsize == 4096
    with pytest.raises(ValueError, match="cache sizes must be >= 0"):
        Authorizer(cache_size=-1)


def test_filters_are_reused_for_the_same_columns_only() -> None:
    authorizer = Authorizer()
    subject = chat_user(f"organization-member:{ORG_A}")
    first = authorizer.prepare(subject, Action.READ, "chat").sql_filter(
        owner=OWNER_COL, org=ORG_COL
    )
    again = authorizer.prepare(subject, Action.READ, "chat").sql_filter(
        owner=OWNER_COL, org=ORG_COL
    )
    assert again is first
    fresh_owner = sa.column("owner_id", sa.Uuid)
    other = authorizer.prepare(subject, Action.READ, "chat").sql_filter(
        owner=fresh_owner, org=ORG_COL
    )
    assert other is not first
    assert compiled(other) == compiled(first)
    someone_else = Subject(id=OTHER, roles=subject.roles)
    theirs = authorizer.prepare(someone_else, Action.READ, "chat").sql_filter(
        owner=OWNER_COL, org=ORG_COL
    )
    assert compiled(theirs)[1]["authz_me_1"] == OTHER


def test_filter_cache_can_be_disabled_and_is_bounded() -> None:
    subject = chat_user()
    uncached = Authorizer(filter_cache_size=0).prepare(subject, Action.READ, "chat")
    assert uncached.sql_filter(owner=OWNER_COL, org=ORG_COL) is not uncached.sql_filter(
        owner=OWNER_COL, org=ORG_COL
    )
    small = Authorizer(filter_cache_size=2)
    columns = [sa.column(f"c{n}", sa.Uuid) for n in range(4)]
    exprs = [
        small.prepare(subject, Action.READ, "chat").sql_filter(owner=c, org=ORG_COL)
        for c in columns
    ]
    # The first two were evicted; the last is still cached.
    assert (
        small.prepare(subject, Action.READ, "chat").sql_filter(owner=columns[3], org=ORG_COL)
        is exprs[3]
    )
    assert (
        small.prepare(subject, Action.READ, "chat").sql_filter(owner=columns[0], org=ORG_COL)
        is not exprs[0]
    )
