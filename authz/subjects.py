"""`Subject`: who is acting — an id, the role identifiers it holds, and what kind of actor it is.

A subject is a *member* of organization X iff it holds a role with permissions in X: for
stored roles, a known built-in org role `name:X`. An unknown or retired name grants nothing,
membership included — otherwise a typo in stored data could open an org's member level.

Subjects are frozen values built once per request, so they carry what the engine needs
precomputed (the id as an integer, a hashable role-set key) plus a memo of the compiled
decision table: the warm `authorize` path neither re-hashes roles nor touches a shared cache.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from authz.custom_roles import CustomRole, held_definitions
from authz.objects import IdLike, to_uuid
from authz.roles import CHATD_ROLE, SYSTEM_RESTRICTED_ROLE, Role, RoleIdentifier
from authz.scopes import Scope

if TYPE_CHECKING:
    from authz.tables import DecisionTable

RoleSetKey = tuple[frozenset[RoleIdentifier], tuple[Role, ...], frozenset[CustomRole]]
"""What a compiled decision table depends on: the named roles (order-free), the inline roles,
and the definitions (with their versions) of the custom roles among the named ones."""

_NO_CUSTOM_ROLES: frozenset[CustomRole] = frozenset()


class SubjectType(enum.StrEnum):
    USER = "user"
    SYSTEM_RESTRICTED = "system_restricted"
    CHATD = "chatd"


@dataclass(frozen=True, slots=True, init=False)
class Subject:
    """An actor. `roles` are identifiers (strings are parsed); `inline_roles` are `Role` values
    held directly — the system subjects' in-process roles, or ad-hoc roles in tests. Inline
    roles are never built from stored data, so no stored name can reach them.

    `custom_roles` are the definitions of the custom organization roles named in `roles`, as
    the subject-loading query returns them (`authz.custom_roles`); definitions of roles the
    subject does not hold are dropped. A held custom name without a definition grants nothing.
    """

    id: UUID
    roles: tuple[RoleIdentifier, ...]
    groups: tuple[UUID, ...]
    """Group ids (the org *Everyone* groups are implied by membership, see `authz.acl`)."""
    scope: Scope
    """What an API key narrows the subject to; `Scope.ALL` restricts nothing."""
    type: SubjectType
    name: str
    inline_roles: tuple[Role, ...]
    custom_roles: frozenset[CustomRole]
    """Definitions of the held custom roles (part of the compiled table's cache key)."""
    id_key: int = field(repr=False, compare=False, hash=False)
    """`id.int`, for comparing with `Object` owners without `UUID.__eq__`."""
    group_keys: tuple[int, ...] = field(repr=False, compare=False, hash=False)
    """`UUID.int` of each group, for the ACL vote."""
    role_key: RoleSetKey = field(repr=False, compare=False, hash=False)
    """What the compiled decision table depends on; hashed once (a frozenset caches it)."""
    table: DecisionTable | None = field(repr=False, compare=False, hash=False)
    """Memo of the compiled decision table (a pure function of `role_key` and `scope`), set by
    the engine."""

    def __init__(
        self,
        id: IdLike,
        roles: Iterable[RoleIdentifier | str] = (),
        groups: Iterable[IdLike] = (),
        type: SubjectType | str = SubjectType.USER,
        name: str = "",
        inline_roles: Iterable[Role] = (),
        scope: Scope | None = None,
        custom_roles: Iterable[CustomRole] = (),
    ) -> None:
        ident = to_uuid(id, "Subject.id")
        if isinstance(groups, str):
            raise TypeError(
                f"Subject.groups is a sequence of group ids, not one string: {groups!r}"
            )
        group_ids = tuple(dict.fromkeys(to_uuid(g, "Subject.groups") for g in groups))
        if scope is None:
            scope = Scope.ALL
        elif not isinstance(scope, Scope):
            raise TypeError(f"Subject.scope must be a Scope, got {scope.__class__.__name__}")
        role_ids = _role_ids(roles)
        inline = tuple(inline_roles)
        for role in inline:
            if not isinstance(role, Role):
                raise TypeError(f"Subject.inline_roles holds Role values, got {role!r}")
        custom = held_definitions(role_ids, custom_roles) if custom_roles else _NO_CUSTOM_ROLES
        set_ = object.__setattr__
        set_(self, "id", ident)
        set_(self, "roles", role_ids)
        set_(self, "groups", group_ids)
        set_(self, "scope", scope)
        set_(self, "group_keys", tuple(g.int for g in group_ids))
        set_(self, "type", SubjectType(type))
        set_(self, "name", name)
        set_(self, "inline_roles", inline)
        set_(self, "custom_roles", custom)
        set_(self, "id_key", ident.int)
        set_(self, "role_key", (frozenset(role_ids), inline, custom))
        set_(self, "table", None)

    def __str__(self) -> str:
        label = self.name or self.type.value
        extra = "" if self.scope.admits_all else f"; scope: {self.scope}"
        return f"{label}({self.id}; roles: {', '.join(map(str, self.roles)) or '-'}{extra})"


def _role_ids(roles: Iterable[RoleIdentifier | str]) -> tuple[RoleIdentifier, ...]:
    if isinstance(roles, str):
        raise TypeError(f"Subject.roles is a sequence of roles, not one string: {roles!r}")
    return tuple(RoleIdentifier.parse(r) for r in roles)


def _fixed_id(n: int) -> UUID:
    return UUID(int=n)


SYSTEM_RESTRICTED = Subject(
    id=_fixed_id(1),
    type=SubjectType.SYSTEM_RESTRICTED,
    name="system-restricted",
    inline_roles=(SYSTEM_RESTRICTED_ROLE,),
)
"""Internal jobs (building a request's subject, data migrations): broad, and named in logs."""

CHATD = Subject(
    id=_fixed_id(2),
    type=SubjectType.CHATD,
    name="chatd",
    inline_roles=(CHATD_ROLE,),
)
"""The chat daemon: chat CRUD, deployment config read, user read — nothing else."""
