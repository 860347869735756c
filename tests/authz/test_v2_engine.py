"""Model v2 by example: ACLs, groups, scopes, any-org objects, the SQL they compile to, explain.

The Hypothesis suites (test_equivalence, test_v2_properties) prove agreement and the
properties; these pin the rules one by one, so a regression names the rule it broke.
"""

from __future__ import annotations

import copy
import json
import pickle
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, NotAuthorizedError, Object, Scope, Subject, resources
from authz.scopes import COMPOSITES, SCOPE_NAMES

ME = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
ORG_A = UUID("00000000-0000-4000-8000-0000000000a0")
ORG_B = UUID("00000000-0000-4000-8000-0000000000b0")
GROUP = UUID("00000000-0000-4000-8000-0000000000c0")
CHAT_ID = UUID("00000000-0000-4000-8000-0000000000d0")
OTHER_CHAT_ID = UUID("00000000-0000-4000-8000-0000000000d1")

AUTHORIZER = Authorizer()
READ, UPDATE, SHARE, CREATE = Action.READ, Action.UPDATE, Action.SHARE, Action.CREATE
_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]


def allows(subject: Subject, action: Action, obj: Object) -> bool:
    try:
        AUTHORIZER.authorize(subject, action, obj)
    except NotAuthorizedError:
        return False
    return True


def member_of(*orgs: UUID, roles: tuple[str, ...] = (), **kw: object) -> Subject:
    org_roles = tuple(f"organization-member:{o}" for o in orgs)
    return Subject(id=ME, roles=("member", *roles, *org_roles), **kw)  # type: ignore[arg-type]


OTHERS_CHAT_IN_A = resources.CHAT.with_id(CHAT_ID).with_owner(OTHER).in_org(ORG_A)
OTHERS_PERSONAL_CHAT = resources.CHAT.with_id(CHAT_ID).with_owner(OTHER)


# --- ACL ---------------------------------------------------------------------------------------


def test_a_user_entry_allows_its_actions_only() -> None:
    shared = OTHERS_CHAT_IN_A.with_acl(users={ME: {READ}})
    subject = member_of(ORG_A)
    assert allows(subject, READ, shared)
    assert not allows(subject, UPDATE, shared)
    assert not allows(subject, READ, OTHERS_CHAT_IN_A)


def test_a_user_entry_needs_membership_in_the_object_s_org_unlike_coder() -> None:
    shared = OTHERS_CHAT_IN_A.with_acl(users={str(ME): ["read"]})
    assert not allows(member_of(ORG_B), READ, shared)
    assert not allows(member_of(), READ, shared)
    # An object without an org: the user entry applies to anyone it names.
    assert allows(member_of(), READ, OTHERS_PERSONAL_CHAT.with_acl(users={ME: {READ}}))


def test_a_wildcard_entry_grants_every_action_share_included() -> None:
    shared = OTHERS_CHAT_IN_A.with_acl(users={ME: {"*"}})
    for action in (READ, UPDATE, Action.DELETE, SHARE):
        assert allows(member_of(ORG_A), action, shared)


def test_group_entries_need_the_group_and_membership() -> None:
    shared = OTHERS_CHAT_IN_A.with_acl(groups={GROUP: {READ}})
    assert allows(member_of(ORG_A, groups=(GROUP,)), READ, shared)
    assert not allows(member_of(ORG_A), READ, shared)
    assert not allows(member_of(ORG_B, groups=(GROUP,)), READ, shared)
    # Groups belong to organizations: never on an object without an org.
    personal = OTHERS_PERSONAL_CHAT.with_acl(groups={GROUP: {READ}})
    assert not allows(member_of(ORG_A, groups=(GROUP,)), READ, personal)


def test_every_member_org_is_an_everyone_group() -> None:
    everyone_in_a = OTHERS_CHAT_IN_A.with_acl(groups={ORG_A: {READ}})
    assert allows(member_of(ORG_A), READ, everyone_in_a)
    assert not allows(member_of(ORG_B), READ, everyone_in_a)


def test_an_acl_allows_even_where_a_role_denies() -> None:
    """`role OR acl`: a negated role permission does not block an ACL entry (as in Coder)."""
    from authz import OrgPermissions, Permission, Role

    ban = Role("ban", "Ban", by_org={ORG_A: OrgPermissions(org=(Permission(True, "chat", "*"),))})
    subject = Subject(id=ME, roles=(f"organization-member:{ORG_A}",), inline_roles=(ban,))
    assert allows(subject, READ, OTHERS_CHAT_IN_A.with_acl(users={ME: {READ}}))


def test_acl_values_are_validated() -> None:
    with pytest.raises(ValueError, match="has no action 'assign'"):
        OTHERS_CHAT_IN_A.with_acl(users={ME: {"assign"}})
    with pytest.raises(ValueError, match="not a UUID"):
        OTHERS_CHAT_IN_A.with_acl(users={"bob": {"read"}})
    with pytest.raises(TypeError):
        OTHERS_CHAT_IN_A.with_acl(users={ME: "read"})


def test_objects_with_acls_compose_and_compare_by_value() -> None:
    shared = resources.CHAT.with_acl(users={ME: [READ]}, groups={GROUP: ["*"]})
    built = shared.with_id(CHAT_ID).with_owner(OTHER).in_org(ORG_A)
    assert built == OTHERS_CHAT_IN_A.with_acl(users={ME: {READ}}, groups={GROUP: {"*"}})
    assert built.acl_users == {ME: frozenset({READ})}
    assert built.acl_groups == {GROUP: frozenset({Action.WILDCARD})}
    assert built != OTHERS_CHAT_IN_A
    assert hash(built) == hash(OTHERS_CHAT_IN_A)  # ACLs compare, they do not hash
    assert built.with_acl() == OTHERS_CHAT_IN_A
    assert copy.deepcopy(built) == built
    assert pickle.loads(pickle.dumps(built)) == built  # noqa: S301 - our own bytes


# --- scopes ------------------------------------------------------------------------------------


def chat_user(scope: Scope = Scope.ALL) -> Subject:
    return Subject(id=ME, roles=("member", "chat-access"), scope=scope)


OWN_CHAT = resources.CHAT.with_id(CHAT_ID).with_owner(ME)


def test_a_scope_restricts_to_its_permissions() -> None:
    reader = chat_user(Scope.from_names(["chat:read"]))
    assert allows(reader, READ, OWN_CHAT)
    assert not allows(reader, UPDATE, OWN_CHAT)
    assert not allows(reader, READ, resources.user_object(ME))


def test_a_scope_never_grants() -> None:
    everything = Scope.from_names(["all"])
    assert not allows(Subject(id=ME, roles=("member",), scope=everything), READ, OWN_CHAT)


def test_an_allow_list_admits_listed_ids_and_wildcards_only() -> None:
    one_chat = chat_user(Scope(["chat:*"], [("chat", CHAT_ID)]))
    assert allows(one_chat, UPDATE, OWN_CHAT)
    assert not allows(one_chat, UPDATE, OWN_CHAT.with_id(OTHER_CHAT_ID))
    # An object without an id (a create check) needs a wildcard entry.
    assert not allows(one_chat, CREATE, resources.CHAT.with_owner(ME))
    any_chat = chat_user(Scope(["chat:*"], [("chat", "*")]))
    assert allows(any_chat, CREATE, resources.CHAT.with_owner(ME))


def test_a_scope_restricts_acl_access_too() -> None:
    shared = OTHERS_PERSONAL_CHAT.with_acl(users={ME: {READ}})
    assert allows(member_of(scope=Scope.from_names(["chat:read"])), READ, shared)
    assert not allows(member_of(scope=Scope.from_names(["user:profile"])), READ, shared)
    elsewhere = Scope(["chat:read"], [("chat", OTHER_CHAT_ID)])
    assert not allows(member_of(scope=elsewhere), READ, shared)


def test_scope_names() -> None:
    assert SCOPE_NAMES[0] == "all"
    for name in ("chat:read", "chat:share", "chat:*", "user:read_personal", "chat:use"):
        assert name in SCOPE_NAMES
    assert set(COMPOSITES) <= set(SCOPE_NAMES)
    with pytest.raises(ValueError, match="unknown scope 'chat:fly'"):
        Scope.from_names(["chat:fly"])
    with pytest.raises(TypeError):
        Scope.from_names("chat:read")
    assert Scope.from_names(["all"]).admits_all
    assert Scope.from_names(["chat:*", "chat:read"]) == Scope.from_names(["chat:*", "chat:read"])


def test_scope_values_are_validated() -> None:
    with pytest.raises(ValueError, match="expected 'type:action'"):
        Scope(["chat"])
    with pytest.raises(ValueError, match="has no action"):
        Scope(["chat:assign"])
    with pytest.raises(ValueError, match="needs a '\\*' id"):
        Scope(["chat:read"], [("*", CHAT_ID)])
    with pytest.raises(ValueError, match="neither"):
        Scope(["chat:read"], [("chat", "nope")])


def test_the_table_is_keyed_by_role_set_and_scope() -> None:
    authorizer = Authorizer()
    narrow = Scope.from_names(["chat:read"])
    plain = authorizer.table(chat_user())
    scoped = authorizer.table(chat_user(narrow))
    assert scoped is not plain
    assert authorizer.table(chat_user(Scope.from_names(["chat:read"]))) is scoped
    assert authorizer.table(chat_user(Scope.from_names(["all"]))) is plain
    # Scope.ALL compiles to the role set's table itself: the fast path is unchanged.
    assert plain.rules is authorizer._compile_roles(chat_user().role_key).rules


# --- any-org -----------------------------------------------------------------------------------


def test_any_org_asks_personally_or_in_some_member_org() -> None:
    org_admin = Subject(id=ME, roles=("member", f"organization-admin:{ORG_A}"))
    somewhere = resources.CHAT.with_owner(ME).any_org()
    assert allows(org_admin, CREATE, somewhere)
    assert not allows(org_admin, CREATE, resources.CHAT.with_owner(ME))
    assert allows(chat_user(), CREATE, somewhere)
    assert not allows(member_of(ORG_A), CREATE, somewhere)


def test_any_org_never_mixes_votes_across_orgs() -> None:
    """Org A denies at org level and allows at member level; org B abstains at org level and
    denies at member level. No single org allows, so neither does any-org."""
    from authz import OrgPermissions, Permission, Role

    deny, allow = Permission(True, "chat", "*"), Permission(False, "chat", "*")
    mixed = Role(
        "mixed",
        "Mixed",
        by_org={
            ORG_A: OrgPermissions(org=(deny,), member=(allow,)),
            ORG_B: OrgPermissions(member=(deny,)),
        },
    )
    subject = Subject(id=ME, inline_roles=(mixed,))
    assert not allows(subject, READ, resources.CHAT.with_owner(ME).any_org())


def test_in_org_and_any_org_replace_each_other() -> None:
    somewhere = resources.CHAT.with_owner(ME).any_org()
    assert somewhere.org is None
    assert somewhere.in_any_org
    assert not somewhere.in_org(ORG_A).in_any_org
    assert somewhere.in_org(ORG_A).any_org() == somewhere
    with pytest.raises(ValueError, match="any-org"):
        Object("chat", owner=ME, org=ORG_A, any_org=True)


# --- prepared and SQL --------------------------------------------------------------------------

USER_ACL = sa.column("user_acl", JSONB)
GROUP_ACL = sa.column("group_acl", JSONB)
OWNER_COL = sa.column("owner_id", sa.Uuid)
ORG_COL = sa.column("organization_id", sa.Uuid)
ID_COL = sa.column("id", sa.Uuid)


def sql_of(subject: Subject, **columns: object) -> str:
    expr = AUTHORIZER.prepare(subject, READ, "chat").sql_filter(
        owner=OWNER_COL,
        org=ORG_COL,
        **columns,  # type: ignore[arg-type]
    )
    return str(expr.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True}))


def test_acl_terms_are_containment_tests_with_bound_parameters() -> None:
    subject = member_of(ORG_A, groups=(GROUP,))
    assert sql_of(subject, user_acl=USER_ACL, group_acl=GROUP_ACL) == (
        "(organization_id IS NULL OR organization_id = %(authz_acl_orgs_1)s::UUID)"
        " AND ((user_acl @> %(authz_acl_me_1)s::JSONB) OR (user_acl @> %(authz_acl_me_2)s::JSONB))"
        " OR organization_id = %(authz_acl_orgs_2)s::UUID"
        " AND ((group_acl @> %(authz_acl_group_1)s::JSONB)"
        " OR (group_acl @> %(authz_acl_group_2)s::JSONB)"
        " OR (group_acl @> %(authz_acl_group_3)s::JSONB)"
        " OR (group_acl @> %(authz_acl_group_4)s::JSONB))"
    )
    params = (
        AUTHORIZER.prepare(subject, READ, "chat")
        .sql_filter(owner=OWNER_COL, org=ORG_COL, user_acl=USER_ACL, group_acl=GROUP_ACL)
        .compile(dialect=_DIALECT)
        .params
    )
    assert params["authz_acl_me_1"] == {str(ME): ["read"]}
    assert params["authz_acl_me_2"] == {str(ME): ["*"]}
    assert [params[f"authz_acl_group_{n}"] for n in (1, 3)] == [
        {str(GROUP): ["read"]},
        {str(ORG_A): ["read"]},
    ]
    # Without ACL columns the filter is the role filter: FALSE for a member without chat-access.
    assert sql_of(subject) == "false"


def test_the_scope_term_is_id_any_of_the_allow_list() -> None:
    one_chat = chat_user(Scope(["chat:read"], [("chat", CHAT_ID), ("chat", OTHER_CHAT_ID)]))
    assert sql_of(one_chat, id=ID_COL) == (
        "owner_id = %(authz_me_1)s::UUID AND organization_id IS NULL"
        " AND id = ANY (%(authz_scope_ids_1)s::UUID[])"
    )
    assert sql_of(one_chat) == "false"  # no id column: only wildcard entries admit
    assert sql_of(chat_user(Scope.from_names(["user:profile"])), id=ID_COL) == "false"


def test_never_allowed_distinguishes_acl_access() -> None:
    member = AUTHORIZER.prepare(member_of(ORG_A), READ, "chat")
    assert member.never_allowed
    assert not member.never_allowed_with_acl
    scoped = AUTHORIZER.prepare(chat_user(Scope.from_names(["user:profile"])), READ, "chat")
    assert scoped.never_allowed_with_acl


def test_a_gin_index_serves_shared_with_me(conn: Connection) -> None:
    conn.exec_driver_sql(
        "CREATE TEMP TABLE shared (id uuid PRIMARY KEY, owner_id uuid, organization_id uuid,"
        " user_acl jsonb NOT NULL DEFAULT '{}') ON COMMIT DROP"
    )
    conn.exec_driver_sql("CREATE INDEX shared_acl ON shared USING gin (user_acl jsonb_path_ops)")
    conn.exec_driver_sql(
        "INSERT INTO shared SELECT gen_random_uuid(), gen_random_uuid(), NULL,"
        " jsonb_build_object(gen_random_uuid()::text, '[\"read\"]'::jsonb)"
        " FROM generate_series(1, 2000)"
    )
    conn.exec_driver_sql(
        "INSERT INTO shared VALUES (%s, %s, NULL, %s::jsonb)",
        (CHAT_ID, OTHER, f'{{"{ME}": ["*"]}}'),
    )
    conn.exec_driver_sql("ANALYZE shared")
    expr = AUTHORIZER.prepare(member_of(), READ, "chat").sql_filter(
        owner=OWNER_COL, org=None, id=ID_COL, user_acl=USER_ACL
    )
    query: sa.Select[tuple[UUID]] = (
        sa.select(sa.literal_column("id", sa.Uuid)).select_from(sa.table("shared")).where(expr)
    )
    assert [row[0] for row in conn.execute(query)] == [CHAT_ID]  # the "*" entry counts
    compiled = query.compile(dialect=_DIALECT)
    params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in compiled.params.items()}
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # usable, not merely chosen
    plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", params))
    assert "Bitmap Index Scan on shared_acl" in plan, plan


# --- explain -----------------------------------------------------------------------------------


def test_explain_names_the_acl_entry_and_the_scope() -> None:
    subject = member_of(ORG_A, groups=(GROUP,), scope=Scope.from_names(["chat:read"]))
    subject = Subject(
        id=ME, roles=subject.roles, groups=subject.groups, scope=subject.scope, name="alice"
    )
    shared = OTHERS_CHAT_IN_A.with_acl(groups={GROUP: {READ}})
    explanation = AUTHORIZER.explain(subject, READ, shared)
    assert explanation.allowed
    assert explanation.path == "acl"
    assert explanation.acl is not None
    assert (explanation.acl.kind, explanation.acl.id, explanation.acl.action) == (
        "group",
        GROUP,
        READ,
    )
    assert explanation.scope is not None
    assert str(explanation.scope.permission) == "+chat:read"
    assert explanation.scope.entry == ("*", "*")
    assert f"ACL group entry {GROUP} grants read" in explanation.summary
    assert "scope [chat:read] on [*:*] admits by +chat:read" in explanation.summary
    report = str(explanation)
    assert f"\n  acl    allow   ACL group entry {GROUP} grants read" in report
    assert "\n  scope  admits  scope [chat:read]" in report


def test_explain_says_when_the_scope_refuses() -> None:
    subject = chat_user(Scope.from_names(["chat:read"]))
    explanation = AUTHORIZER.explain(subject, UPDATE, OWN_CHAT)
    assert not explanation.allowed
    assert explanation.path == "role"
    assert explanation.scope is not None
    assert not explanation.scope.admitted
    assert explanation.summary.endswith(
        "scope [chat:read] on [*:*] refuses: no scope permission matches"
    )


def test_explain_says_why_an_acl_entry_did_not_count() -> None:
    shared = OTHERS_CHAT_IN_A.with_acl(users={ME: {READ}})
    explanation = AUTHORIZER.explain(member_of(ORG_B), READ, shared)
    assert not explanation.allowed
    assert explanation.path is None
    assert f"user entries need membership in org {ORG_A}" in explanation.summary


def test_explain_shows_the_org_an_any_org_check_found() -> None:
    org_admin = Subject(id=ME, roles=("member", f"organization-admin:{ORG_A}"))
    explanation = AUTHORIZER.explain(org_admin, CREATE, resources.CHAT.with_owner(ME).any_org())
    assert explanation.allowed
    assert explanation.org_considered == ORG_A
    assert f"(evaluated in org {ORG_A})" in explanation.summary


def test_subject_groups_and_scope_are_validated() -> None:
    subject = Subject(id=ME, groups=[str(GROUP), GROUP])
    assert subject.groups == (GROUP,)
    assert subject.scope is Scope.ALL
    with pytest.raises(TypeError, match="not one string"):
        Subject(id=ME, groups=str(GROUP))
    with pytest.raises(ValueError, match="not a UUID"):
        Subject(id=ME, groups=["admins"])
    with pytest.raises(TypeError, match="must be a Scope"):
        Subject(id=ME, scope="all")  # type: ignore[arg-type]
    assert "scope: [chat:read]" in str(Subject(id=ME, scope=Scope.from_names(["chat:read"])))
