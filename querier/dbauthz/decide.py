"""The access patterns: sans-I/O decisions that both faces of the authorizing querier call.

Every method of `AsyncAuthzQuerier` (and of its generated sync twin `AuthzQuerier`) states its
authorization once, as one of these patterns around the query it runs:

=========================  ==================================================================
`Decider.check`            a fixed object, decided before any SQL (insert, guard, system)
`Decider.readable`         fetch, then read on the row it returned (not-found stays the DB's)
`Decider.allowed_on`       raw fetch of the stored row, the action on it, then the write
`Decider.list_filter`      the actor's policy as the list query's WHERE clause (pages stay
                           full); `None` when nothing can be allowed: an empty page, no SQL
`Decider.chat_list_filter` the same for chats, with the "shared with me" ACL terms when asked
`Decider.aggregate_filter` the same filter for a count or aggregate: always a filter (FALSE
                           when nothing is allowed), so the query still answers 0 / empty sums
`Decider.role_changes`     every changed role checked twice (permission + assignment table)
`Decider.may_use_models`   whoever may use chats somewhere, or read model configs
`Decider.cost_scope`       one's own cost, or read on the owner's chats
`Decider.mintable_scope`   a new token's scope: valid, and no broader than the actor's own
=========================  ==================================================================

Nothing here awaits or runs SQL: a decision takes the actor and what was fetched and raises
`NotAuthorizedError` or returns. The I/O between decisions (which row, locked or not, in which
order) is the method body, written once in the async source and mechanically turned into the
sync face (`querier/gen/unasync.py`), so the two faces cannot drift.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import JSONB

from authz import (
    Action,
    AuthorizerProtocol,
    InvalidRoleError,
    NotAuthorizedError,
    Object,
    Permission,
    PreparedProtocol,
    RoleIdentifier,
    Subject,
    assignment,
    resources,
    roles,
)
from authz.custom_roles import CustomRole
from authz.escalation import check_may_grant_role
from authz.token_scopes import check_may_mint, requested_scope

log = logging.getLogger("dbauthz")


class _HasRbacObject(Protocol):
    def rbac_object(self) -> Object: ...


Row = TypeVar("Row", bound=_HasRbacObject)


@dataclass(frozen=True)
class FilterColumns:
    """Where a list query's rows keep the object's owner, org and id (None: no such column)."""

    owner: ColumnElement[Any] | None
    org: ColumnElement[Any] | None
    id: ColumnElement[Any] | None


def _uuid_column(name: str) -> ColumnElement[Any]:
    return sa.literal_column(name, sa.Uuid())


CHAT_COLUMNS = FilterColumns(
    owner=_uuid_column("chats.owner_id"),
    org=_uuid_column("chats.organization_id"),
    id=_uuid_column("chats.id"),
)
CHAT_USER_ACL: ColumnElement[Any] = sa.literal_column("chats.user_acl", JSONB())
CHAT_GROUP_ACL: ColumnElement[Any] = sa.literal_column("chats.group_acl", JSONB())
"""The chat list's ACL columns, for the shared modes (`Decider.chat_list_filter`)."""


_SHARED_TYPE = resources.CHAT.type
"""The one type whose ACL is a share the kill switch takes away. Other objects carry ACL
entries that are not shares — a group's `{its id: [read]}`, by which its members read it and
its roster — and keep them whether or not chat sharing is on."""


class SharedMode(enum.StrEnum):
    """Which chats a list shows besides one's own: `GET /api/v2/chats?shared=`."""

    EXCLUDE = "exclude"
    """Today's list: what the roles allow (the default)."""
    INCLUDE = "include"
    """Also the chats shared with me (a user entry, or one of my groups, Everyone included)."""
    ONLY = "only"
    """Only the chats shared with me that I do not own."""


COST_CHAT_COLUMNS = FilterColumns(
    owner=_uuid_column("c.owner_id"),
    org=_uuid_column("c.organization_id"),
    id=_uuid_column("c.id"),
)
"""The cost queries join chats as `c`: aggregates only cover chats the reader may read."""
USER_COLUMNS = FilterColumns(owner=_uuid_column("users.id"), org=None, id=_uuid_column("users.id"))
ORGANIZATION_COLUMNS = FilterColumns(
    owner=None, org=_uuid_column("organizations.id"), id=_uuid_column("organizations.id")
)


class RoleAssignmentError(NotAuthorizedError):
    """The actor may not grant or revoke this role; the public message names the role."""

    def __init__(self, actor: Subject, action: Action, role: RoleIdentifier) -> None:
        verb = "assign" if action is Action.ASSIGN else "unassign"
        super().__init__(
            subject_id=actor.id,
            action=action,
            object=resources.ASSIGN_ROLE if role.org_id is None else resources.ASSIGN_ORG_ROLE,
            internal=f"{actor} may not {verb} role {role} (assignment table)",
            public=f"not allowed to {verb} the role {role.name!r}",
        )
        self.role = role


class FilterNotAllowedError(TypeError):
    """The authorizing querier derives list filters from the actor; callers may not pass one."""


def chat_object(owner_id: UUID, organization_id: UUID | None) -> Object:
    obj = resources.CHAT.with_owner(owner_id)
    return obj.in_org(organization_id) if organization_id is not None else obj


def member_object(organization_id: UUID) -> Object:
    """Memberships are checked as `organization_member` in their org (no owner, no id)."""
    return resources.ORGANIZATION_MEMBER.in_org(organization_id)


def organization_object(organization_id: UUID) -> Object:
    return resources.ORGANIZATION.with_id(organization_id).in_org(organization_id)


def chats_anywhere(actor: Subject) -> Object:
    """The actor's own chats personally or in any of its orgs: "may it use chats at all"."""
    return resources.CHAT.with_owner(actor.id).any_org()


class Decider:
    """The access patterns over one authorizer; stateless beyond it, shared by both faces.

    `chat_sharing=False` is the kill switch (`serve --disable-chat-sharing`): stored chat ACLs
    grant nothing (every chat's object is built without them; a group keeps its own entry),
    chat lists ignore the shared modes, and ACL writes are refused (`ChatSharingDisabledError`,
    see `chat_acl`).
    """

    __slots__ = ("authorizer", "chat_sharing")

    def __init__(self, authorizer: AuthorizerProtocol, *, chat_sharing: bool = True) -> None:
        self.authorizer = authorizer
        self.chat_sharing = chat_sharing

    def row_object(self, row: _HasRbacObject) -> Object:
        """The row's object; a chat without its stored ACL when sharing is switched off."""
        obj = row.rbac_object()
        if not self.chat_sharing and obj.type == _SHARED_TYPE and (obj.acl_users or obj.acl_groups):
            return obj.with_acl()
        return obj

    def check(self, actor: Subject, action: Action, obj: Object) -> None:
        """Allow or raise `NotAuthorizedError`; a denial is logged (ids only) at DEBUG."""
        try:
            self.authorizer.authorize(actor, action, obj)
        except NotAuthorizedError:
            self._log_denial(actor, action, obj)
            raise

    def _log_denial(self, actor: Subject, action: Action, obj: Object) -> None:
        if log.isEnabledFor(logging.DEBUG):
            # Ids, action and object only: titles, messages and other content never appear.
            explanation = self.authorizer.explain(actor, action, obj)
            log.debug(
                "denied: actor=%s action=%s object=%s because %s",
                actor.id,
                action,
                obj,
                explanation,
            )

    def readable(self, actor: Subject, row: Row) -> Row:
        """The row the query returned, if the actor may read it (fetch-then-check)."""
        obj = row.rbac_object()
        if not self.chat_sharing and obj.type == _SHARED_TYPE and (obj.acl_users or obj.acl_groups):
            obj = obj.with_acl()  # the kill switch: stored chat ACLs grant nothing
        try:
            self.authorizer.authorize(actor, Action.READ, obj)  # the hot path: no extra frame
        except NotAuthorizedError:
            self._log_denial(actor, Action.READ, obj)
            raise
        return row

    def allowed_on(self, actor: Subject, action: Action, stored: _HasRbacObject) -> None:
        """`action` on the stored row (fetched raw, before the write that changes it)."""
        self.check(actor, action, self.row_object(stored))

    def list_filter(
        self,
        actor: Subject,
        resource_type: str,
        columns: FilterColumns,
        given: ColumnElement[bool] | None,
    ) -> ColumnElement[bool] | None:
        """The list query's filter; None when nothing can be allowed (answer `[]`, no SQL).

        Without ACL columns: `never_allowed` means "FALSE when the table has no ACL columns",
        which is true of every filter built here (a list with ACL terms goes through
        `chat_list_filter`, which asks `never_allowed_with_acl` instead)."""
        prepared = self._prepare(actor, resource_type, given)
        if prepared.never_allowed:
            return None
        return prepared.sql_filter(owner=columns.owner, org=columns.org, id=columns.id)

    def chat_list_filter(
        self,
        actor: Subject,
        shared: SharedMode,
        given: ColumnElement[bool] | None,
    ) -> ColumnElement[bool] | None:
        """A chat list's filter for `shared` (None: nothing can be allowed, no SQL).

        `exclude`: the role path only (today's list; what every mode is with the kill switch
        on). `include`: `(role OR acl) AND scope`, the whole compiled policy. `only`: that, AND
        the ACL terms alone (an entry names me or one of my groups, Everyone included), AND
        `owner_id <> me`: the chats shared with me that I do not own. The ACL terms are `@>`
        containments on `user_acl` / `group_acl`, which their GIN indexes serve.

        `never_allowed` means "FALSE for a table without ACL columns"; chats have them, so
        once ACL terms are in play only `never_allowed_with_acl` (the scope admits nothing)
        may skip the query.
        """
        if shared is SharedMode.EXCLUDE or not self.chat_sharing:
            return self.list_filter(actor, "chat", CHAT_COLUMNS, given)
        prepared = self._prepare(actor, "chat", given)
        if prepared.never_allowed_with_acl:
            return None
        c = CHAT_COLUMNS
        allowed = prepared.sql_filter(
            owner=c.owner, org=c.org, id=c.id, user_acl=CHAT_USER_ACL, group_acl=CHAT_GROUP_ACL
        )
        if shared is SharedMode.INCLUDE:
            return allowed
        acl = prepared.acl_sql_filter(
            org=c.org, id=c.id, user_acl=CHAT_USER_ACL, group_acl=CHAT_GROUP_ACL
        )
        return _shared_only(allowed, acl, actor.id)

    def aggregate_filter(
        self,
        actor: Subject,
        resource_type: str,
        columns: FilterColumns,
        given: ColumnElement[bool] | None,
    ) -> ColumnElement[bool]:
        """A count's or aggregate's filter: always run (FALSE when nothing is allowed), since
        "zero" and "empty sums" are answers the query itself must give."""
        prepared = self._prepare(actor, resource_type, given)
        return prepared.sql_filter(owner=columns.owner, org=columns.org, id=columns.id)

    def _prepare(
        self, actor: Subject, resource_type: str, given: ColumnElement[bool] | None
    ) -> PreparedProtocol:
        if given is not None:
            raise FilterNotAllowedError(
                "authorize_filter is derived from the actor; do not pass one to AuthzQuerier"
            )
        return self.authorizer.prepare(actor, Action.READ, resource_type)

    def role_changes(
        self,
        actor: Subject,
        old: Sequence[str],
        new: Sequence[str],
        organization_id: UUID | None,
        custom: Mapping[str, CustomRole] | None = None,
    ) -> tuple[tuple[str, ...], bool]:
        """Check every changed role twice; return the names to store and whether any changed.

        Implied roles are dropped from what is stored. The permission (assign/unassign on
        `assign_role`, or on `assign_org_role` in the org) and the assignment table
        (`assignment.can_assign_role`) must both pass. Unchanged roles are not checked, so an actor
        may edit a user who holds roles it could not grant itself.

        `custom`: the org's custom role definitions by name (fetched by the caller when a name
        is not built in, see `custom_names`). Assigning one also passes the escalation guard
        (`check_may_grant_role`: a `RoleEscalationError` naming the first lacking permission);
        unassigning needs only the permission — a deleted role's stored name can be removed.
        """
        custom = custom or {}
        new_ids = [requested_role(name, organization_id, custom) for name in new]
        old_ids = [r for r in (stored_role(name, organization_id) for name in old) if r]
        added, removed = assignment.change_role_set(old_ids, new_ids)
        target = (
            resources.ASSIGN_ROLE
            if organization_id is None
            else resources.ASSIGN_ORG_ROLE.in_org(organization_id)
        )
        for action, changed in ((Action.ASSIGN, added), (Action.UNASSIGN, removed)):
            for role_id in changed:
                try:
                    self.check(actor, action, target)
                except NotAuthorizedError as exc:
                    raise RoleAssignmentError(actor, action, role_id) from exc
                # A retired or unknown stored name grants nothing; whoever may unassign roles
                # may clean it up. Every built-in role must also be in the assignment table.
                if is_builtin(role_id.name) and not assignment.can_assign_role(actor, role_id):
                    raise RoleAssignmentError(actor, action, role_id)
                definition = custom.get(role_id.name)
                if action is Action.ASSIGN and definition is not None:
                    check_may_grant_role(actor, definition, self.authorizer)
        implied = roles.MEMBER if organization_id is None else roles.ORG_MEMBER
        stored = tuple(dict.fromkeys(r.name for r in new_ids if r.name != implied))
        return stored, bool(added or removed)

    def may_use_models(self, actor: Subject) -> None:
        """Whoever may create a chat somewhere (personally or in one of its orgs) may see the
        models; so may whoever holds read on model configs in some org or site-wide (the
        auditors). Nobody else."""
        try:
            self.authorizer.authorize(actor, Action.CREATE, chats_anywhere(actor))
        except NotAuthorizedError:
            self.check(actor, Action.READ, resources.CHAT_MODEL_CONFIG.any_org())

    def cost_scope(self, actor: Subject, owner_id: UUID) -> None:
        """One's own cost: whoever may use chats somewhere; another's: read on their chats.
        (The aggregate is then filtered to the chats the reader may read.)"""
        if owner_id == actor.id:
            self.check(actor, Action.CREATE, chats_anywhere(actor))
        else:
            self.check(actor, Action.READ, resources.CHAT.with_owner(owner_id))

    def mintable_scope(
        self, actor: Subject, names: Sequence[str], allow_list: Sequence[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A new token's scope names and allow-list, canonical, if the actor may mint them:
        `InvalidScopeError` for unknown names or malformed entries, `ScopeEscalationError`
        when they would reach further than the actor's own scope (`authz.token_scopes`)."""
        scope, stored_names, stored_entries = requested_scope(names, allow_list)
        check_may_mint(actor, scope)
        return stored_names, stored_entries


_SHARED_ONLY: OrderedDict[tuple[int, int, UUID], tuple[Any, Any, ColumnElement[bool]]] = (
    OrderedDict()
)
_SHARED_ONLY_LOCK = threading.Lock()


def _shared_only(
    allowed: ColumnElement[bool], acl: ColumnElement[bool], me: UUID
) -> ColumnElement[bool]:
    """`allowed AND acl AND owner_id <> me`, one object per (allowed, acl, me).

    `allowed` and `acl` come from the engine's filter cache (the same objects for the same
    actor), so the combination is kept too: the querier's compiled-SQL cache then finds it by
    identity, instead of re-deriving its shape (a few hundred microseconds) on every page.
    Bounded (LRU, 1024); entries keep their parts referenced, so an id is never reused.
    """
    key = (id(allowed), id(acl), me)
    with _SHARED_ONLY_LOCK:
        hit = _SHARED_ONLY.get(key)
        if hit is not None and hit[0] is allowed and hit[1] is acl:
            _SHARED_ONLY.move_to_end(key)
            return hit[2]
    owner = CHAT_COLUMNS.owner
    assert owner is not None
    not_mine = owner != sa.bindparam("shared_not_owner", me, type_=sa.Uuid())
    expr = sa.and_(allowed, acl, not_mine)
    with _SHARED_ONLY_LOCK:
        _SHARED_ONLY[key] = (allowed, acl, expr)
        while len(_SHARED_ONLY) > 1024:
            _SHARED_ONLY.popitem(last=False)
    return expr


def is_builtin(name: str) -> bool:
    return (
        name in roles.site_builtin_role_names()
        or name in roles.org_builtin_role_names()
        or name in (roles.MEMBER, roles.ORG_MEMBER)
    )


def new_custom_role(
    organization_id: UUID,
    name: str,
    display_name: str,
    org_permissions: Sequence[str],
    member_permissions: Sequence[str],
) -> CustomRole:
    """A definition as a caller submits it (version 0: storage assigns the real one);
    `InvalidRoleError` for a bad or built-in name, a negation, or an unknown pair."""
    return CustomRole(organization_id, name, display_name, org_permissions, member_permissions)


def permission_texts(perms: Sequence[Permission]) -> tuple[str, ...]:
    """How permissions are stored and shown: `type:action` (what `parse_permission` reads)."""
    return tuple(f"{p.resource_type}:{p.action.value}" for p in perms)


def custom_role_from_row(row: _CustomRoleRow) -> CustomRole:
    """The engine's definition of a stored row (stored rows were validated when written)."""
    return CustomRole(
        row.organization_id,
        row.name,
        row.display_name,
        org=row.org_permissions,
        member=row.member_permissions,
        version=row.version,
    )


class _CustomRoleRow(Protocol):
    @property
    def organization_id(self) -> UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def org_permissions(self) -> Sequence[str]: ...
    @property
    def member_permissions(self) -> Sequence[str]: ...
    @property
    def version(self) -> int: ...


def custom_names(names: Sequence[str], organization_id: UUID | None) -> list[str]:
    """The names in an org role list that no built-in role has: custom roles (or unknown)."""
    if organization_id is None:
        return []
    return [
        n
        for n in names
        if isinstance(n, str) and not roles.is_org_role_name(n) and n != roles.ORG_MEMBER
    ]


def requested_role(
    name: str, organization_id: UUID | None, custom: Mapping[str, CustomRole] | None = None
) -> RoleIdentifier:
    """A role name a caller asks for, at the level of the call; anything else is an error.

    Lists hold plain names (the org comes from the call). An org role in a site list, a site
    role in an org list, and names neither a built-in role nor (in an org list) one of the
    org's custom roles (`custom`, by name) has are `InvalidRoleError`s.
    """
    if not isinstance(name, str) or ":" in name:
        raise InvalidRoleError(f"role {name!r}: give the plain role name")
    if organization_id is None:
        if roles.is_org_role_name(name):
            raise InvalidRoleError(f"{name!r} is an organization role, not a site role")
        if name not in roles.site_builtin_role_names() and name != roles.MEMBER:
            raise InvalidRoleError(f"unknown site role {name!r}")
        return RoleIdentifier(name)
    if custom and name in custom:
        return RoleIdentifier(name, organization_id)
    if not roles.is_org_role_name(name) and name != roles.ORG_MEMBER:
        kind = "a site role" if is_builtin(name) else "not a known organization role"
        raise InvalidRoleError(f"{name!r} is {kind}; it cannot be an organization role")
    return RoleIdentifier(name, organization_id)


def stored_role(name: str, organization_id: UUID | None) -> RoleIdentifier | None:
    """A role name found in stored data; corrupt entries (unparseable) are dropped."""
    try:
        if organization_id is not None and roles.is_org_role_name(name):
            return RoleIdentifier(name, organization_id)
        return RoleIdentifier.parse(name)
    except InvalidRoleError:
        log.warning("ignoring malformed stored role %r", name)
        return None
