"""Hypothesis strategies for the policy engine: one place that generates the domain.

The universe is small on purpose — three users, three orgs, two groups, two object ids, plus
"foreign" ids nobody holds — so generated subjects and objects collide often: owners that match
and owners that do not, member orgs and others, org-less objects; custom roles mix negations
and wildcards at every level. v2: subjects carry groups and scopes (permissions with
wildcards, allow-lists with ids), objects carry user and group ACLs (Everyone groups = org ids
included, `*` included) and may ask about any org. Custom organization roles: subjects hold
definitions (`CustomRole`, positive org / member permissions with wildcards, random versions),
sometimes a definition they do not hold (dropped) or a held name without one (deleted).
"""

from __future__ import annotations

from uuid import UUID

from hypothesis import strategies as st

from authz import (
    Action,
    CustomRole,
    Object,
    OrgPermissions,
    Permission,
    Role,
    RoleIdentifier,
    Scope,
    Subject,
)
from authz import roles as r
from authz.registry import CONCRETE_PAIRS, CONCRETE_TYPES, REGISTRY, WILDCARD

USERS = tuple(UUID(int=0x1000 + i) for i in range(3))
ORGS = tuple(UUID(int=0x2000 + i) for i in range(3))
FOREIGN_USER = UUID(int=0x1FFF)
FOREIGN_ORG = UUID(int=0x2FFF)

GROUPS = tuple(UUID(int=0x3000 + i) for i in range(2))
OBJECT_IDS = tuple(UUID(int=0x4000 + i) for i in range(2))

OWNERS: tuple[UUID | None, ...] = (None, *USERS, FOREIGN_USER)
OBJECT_ORGS: tuple[UUID | None, ...] = (None, *ORGS, FOREIGN_ORG)

NAMED_ROLES: tuple[RoleIdentifier, ...] = (
    *(RoleIdentifier(name) for name in (r.OWNER, r.MEMBER, r.AUDITOR, r.USER_ADMIN, r.CHAT_ACCESS)),
    *(
        RoleIdentifier(name, org)
        for name in (
            r.ORG_ADMIN,
            r.ORG_MEMBER,
            r.ORG_AUDITOR,
            r.ORG_USER_ADMIN,
            r.ORG_SERVICE_ACCOUNT,
        )
        for org in ORGS
    ),
    # Unknown, retired and reserved names: they must grant nothing, membership included.
    RoleIdentifier("agents-access"),
    RoleIdentifier("no-such-role", ORGS[0]),
    RoleIdentifier(r.SYSTEM_RESTRICTED_NAME),
)

# Permissions on a few types (plus the wildcard) so that custom roles often touch the same
# pairs and their negations interact; every type still appears through `*`.
PERMISSION_TYPES = (WILDCARD, "chat", "user", "organization_member")


@st.composite
def permissions(draw: st.DrawFn) -> Permission:
    resource_type = draw(st.sampled_from(PERMISSION_TYPES))
    choices = (
        sorted(REGISTRY[resource_type] | {Action.WILDCARD})
        if resource_type != WILDCARD
        else list(Action)
    )
    action = draw(st.sampled_from(choices))
    negate = draw(st.booleans())
    return Permission(negate, resource_type, action)


def permission_lists() -> st.SearchStrategy[list[Permission]]:
    return st.lists(permissions(), max_size=3)


CUSTOM_NAMES = ("reviewer", "helper")
"""Names of the universe's custom roles (each may be defined in every org)."""
GUARD_TYPES = (WILDCARD, "chat", "chat", "chat", "organization_member", "organization", "api_key")
"""Types for the escalation guard's roles, weighted: chats are where own objects and others'
differ most (chat-access, member-level grants); every other type is reached through `*`."""


@st.composite
def positive_permissions(draw: st.DrawFn, types: tuple[str, ...] = PERMISSION_TYPES) -> Permission:
    """What a custom role may hold: positive, `*` for the type or the action allowed."""
    resource_type = draw(st.sampled_from(types))
    choices = (
        sorted(REGISTRY[resource_type] | {Action.WILDCARD})
        if resource_type != WILDCARD
        else [Action.WILDCARD]
    )
    return Permission(False, resource_type, draw(st.sampled_from(choices)))


@st.composite
def custom_role_definitions(
    draw: st.DrawFn,
    org: UUID | None = None,
    name: str | None = None,
    types: tuple[str, ...] = PERMISSION_TYPES,
    max_perms: int = 3,
) -> CustomRole:
    """A custom role of `org` (else one of ORGS) named `name` (else one of CUSTOM_NAMES)."""
    perms = st.lists(positive_permissions(types), max_size=max_perms)
    return CustomRole(
        org if org is not None else draw(st.sampled_from(ORGS)),
        name if name is not None else draw(st.sampled_from(CUSTOM_NAMES)),
        "Custom",
        org=draw(perms),
        member=draw(perms),
        version=draw(st.integers(0, 3)),
    )


@st.composite
def custom_roles(draw: st.DrawFn) -> Role:
    """A role held inline, with permissions at any mix of levels and orgs."""
    orgs = draw(st.lists(st.sampled_from(ORGS), unique=True, max_size=2))
    by_org = {
        org: OrgPermissions(tuple(draw(permission_lists())), tuple(draw(permission_lists())))
        for org in orgs
    }
    return Role(
        RoleIdentifier("custom"),
        "Custom",
        site=draw(permission_lists()),
        user=draw(permission_lists()),
        by_org=by_org,
    )


SCOPE_TYPES = (WILDCARD, "chat", "user")


@st.composite
def scope_permissions(draw: st.DrawFn) -> str:
    resource_type = draw(st.sampled_from(SCOPE_TYPES))
    if resource_type == WILDCARD:
        return "*:*"
    action = draw(st.sampled_from(sorted(REGISTRY[resource_type] | {Action.WILDCARD})))
    return f"{resource_type}:{action.value}"


def allow_entries() -> st.SearchStrategy[tuple[str, UUID | str]]:
    return st.one_of(
        st.just((WILDCARD, WILDCARD)),
        st.tuples(st.sampled_from(("chat", "user", "organization")), st.just(WILDCARD)),
        st.tuples(st.sampled_from(("chat", "user")), st.sampled_from(OBJECT_IDS)),
    )


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    """Half the time `Scope.ALL`; otherwise a few permissions and a short allow-list."""
    if draw(st.booleans()):
        return Scope.ALL
    perms = draw(st.lists(scope_permissions(), min_size=1, max_size=3))
    entries = draw(st.lists(allow_entries(), min_size=1, max_size=3))
    return Scope(perms, entries)


@st.composite
def subjects(draw: st.DrawFn) -> Subject:
    named = draw(st.lists(st.sampled_from(NAMED_ROLES), max_size=4))
    inline = draw(st.lists(custom_roles(), max_size=2))
    groups = draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=2))
    definitions = draw(st.lists(custom_role_definitions(), max_size=2, unique_by=lambda d: d.key))
    # Most definitions are held; an unheld one must change nothing. A held name whose
    # definition is missing (deleted) must grant nothing.
    named += [d.identifier for d in definitions if draw(st.integers(0, 4))]
    if draw(st.integers(0, 5)) == 0:
        named.append(RoleIdentifier(draw(st.sampled_from(CUSTOM_NAMES)), ORGS[2]))
    return Subject(
        id=draw(st.sampled_from(USERS)),
        roles=named,
        inline_roles=inline,
        groups=groups,
        scope=draw(scopes()),
        custom_roles=definitions,
    )


ACL_USERS = (*USERS, FOREIGN_USER)
ACL_GROUPS = (*GROUPS, *ORGS, FOREIGN_ORG)
"""Group entries name real groups, Everyone groups (org ids) and a group nobody is in."""


def _acls(
    keys: tuple[UUID, ...], resource_type: str
) -> st.SearchStrategy[dict[UUID, frozenset[Action]]]:
    actions = st.frozensets(
        st.sampled_from(sorted(REGISTRY[resource_type] | {Action.WILDCARD})),
        min_size=1,
        max_size=2,
    )
    return st.dictionaries(st.sampled_from(keys), actions, max_size=2)


# Built once: constructing strategies per draw costs more than the checks they feed.
_USER_ACLS = {t: _acls(ACL_USERS, t) for t in CONCRETE_TYPES}
_GROUP_ACLS = {t: _acls(ACL_GROUPS, t) for t in CONCRETE_TYPES}
_TYPES = st.sampled_from(CONCRETE_TYPES)
_IDS = st.sampled_from((None, *OBJECT_IDS))
_OBJECT_IDS = st.sampled_from(OBJECT_IDS)
_OWNERS = st.sampled_from(OWNERS)
_ORGS = st.sampled_from(OBJECT_ORGS)


@st.composite
def objects(
    draw: st.DrawFn, resource_type: str | None = None, any_org: bool = True, with_id: bool = False
) -> Object:
    """An object of the universe, often with an ACL, sometimes an any-org question."""
    kind = resource_type or draw(_TYPES)
    asks_any_org = any_org and draw(st.integers(0, 5)) == 0
    users = draw(_USER_ACLS[kind])
    groups = draw(_GROUP_ACLS[kind])
    return Object(
        kind,
        draw(_OBJECT_IDS if with_id else _IDS),
        draw(_OWNERS),
        None if asks_any_org else draw(_ORGS),
        acl_users=users,
        acl_groups=groups,
        any_org=asks_any_org,
    )


def pairs() -> st.SearchStrategy[tuple[str, Action]]:
    return st.sampled_from(CONCRETE_PAIRS)


def all_object_shapes(resource_type: str) -> list[Object]:
    """Every (owner, org) combination of the universe for one type."""
    return [Object(resource_type, None, owner, org) for owner in OWNERS for org in OBJECT_ORGS]
