"""Permissions, roles, role identifiers and the built-in roles (who may assign them:
`authz.assignment`).

A `Role` holds permissions (`authz.permissions`, re-exported here) at four levels — `site`,
`user`, and per organization `org` and `member` — whose meaning the engine defines (see
`authz.tables`).

Built-in roles are static. Stored data names them by `RoleIdentifier` ("name" or
"name:<org-uuid>"); a name we do not know (a retired role, a typo, a reserved in-process name)
resolves to nothing and is logged once — it must never crash authentication, and dropping a
role can only take access away.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING
from uuid import UUID

from authz.errors import InvalidRoleError
from authz.objects import IdLike, to_uuid
from authz.permissions import (
    Pair,
    Permission,
    Vote,
    VoteTable,
    all_perms_except,
    merge_votes,
    permission_tuple,
    permissions,
    vote_table,
)
from authz.registry import WILDCARD, Action, check_action

if TYPE_CHECKING:
    pass

__all__ = [
    "ALL_BUILTIN_NAMES",
    "AUDITOR",
    "CHATD_NAME",
    "CHATD_ROLE",
    "CHAT_ACCESS",
    "IMPLIED_NAMES",
    "MEMBER",
    "ORG_ADMIN",
    "ORG_AUDITOR",
    "ORG_MEMBER",
    "ORG_NAMES",
    "ORG_SERVICE_ACCOUNT",
    "ORG_USER_ADMIN",
    "OWNER",
    "RESERVED_NAMES",
    "RETIRED_NAMES",
    "SYSTEM_RESTRICTED_NAME",
    "SYSTEM_RESTRICTED_ROLE",
    "UNAVAILABLE_NAMES",
    "USER_ADMIN",
    "OrgPermissions",
    "Pair",
    "Permission",
    "Role",
    "RoleIdentifier",
    "Vote",
    "VoteTable",
    "all_perms_except",
    "builtin_role",
    "builtin_roles",
    "is_org_role_name",
    "merge_votes",
    "org_builtin_role_names",
    "permissions",
    "role_by_name",
    "role_by_name_str",
    "site_builtin_role_names",
]

log = logging.getLogger("authz")

# --- names ------------------------------------------------------------------------------------

OWNER = "owner"
MEMBER = "member"
CHAT_ACCESS = "chat-access"
AUDITOR = "auditor"
USER_ADMIN = "user-admin"
ORG_ADMIN = "organization-admin"
ORG_MEMBER = "organization-member"
ORG_SERVICE_ACCOUNT = "organization-service-account"
ORG_AUDITOR = "organization-auditor"
ORG_USER_ADMIN = "organization-user-admin"

SYSTEM_RESTRICTED_NAME = "system-restricted"
CHATD_NAME = "chatd"
RESERVED_NAMES = frozenset({SYSTEM_RESTRICTED_NAME, CHATD_NAME})
"""Names of in-process roles: they resolve to nothing when found in stored data."""
RETIRED_NAMES = frozenset({"agents-access"})
"""Names once built in; stored references grant nothing and the names are never reused."""

_SITE_NAMES = (OWNER, MEMBER, AUDITOR, USER_ADMIN, CHAT_ACCESS)
ORG_NAMES = (ORG_ADMIN, ORG_MEMBER, ORG_AUDITOR, ORG_USER_ADMIN, ORG_SERVICE_ACCOUNT)
_IMPLIED = frozenset({MEMBER, ORG_MEMBER})

_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_MAX_NAME = 64


# --- identifiers ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleIdentifier:
    """A role as stored: a name, plus the organization for org roles.

    Built-in org roles must carry an org id and built-in site roles must not — checked here, so
    a mis-levelled identifier cannot even be constructed. Unknown names may take either form.
    """

    name: str
    org_id: UUID | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise InvalidRoleError(
                f"malformed role name {self.name!r}: use lower-case letters and digits, "
                f"separated by single '-' or '_' (e.g. 'chat-access')"
            )
        if len(self.name) > _MAX_NAME:
            raise InvalidRoleError(f"role name {self.name[:20]!r}...: longer than {_MAX_NAME}")
        if self.org_id is not None:
            try:
                object.__setattr__(self, "org_id", to_uuid(self.org_id, f"role {self.name!r}"))
            except (TypeError, ValueError) as exc:
                raise InvalidRoleError(str(exc)) from None
        if self.org_id is None and self.name in ORG_NAMES:
            raise InvalidRoleError(
                f"{self.name!r} is an organization role and needs an organization id: "
                f"'{self.name}:<org-uuid>'"
            )
        if self.org_id is not None and self.name in _SITE_NAMES:
            raise InvalidRoleError(
                f"{self.name!r} is a site role; it cannot carry an organization id"
            )

    @classmethod
    def parse(cls, text: str | RoleIdentifier) -> RoleIdentifier:
        """`"name"` or `"name:<org-uuid>"`; malformed input is an `InvalidRoleError`."""
        if isinstance(text, RoleIdentifier):
            return text
        if not isinstance(text, str):
            raise InvalidRoleError(
                f"a role identifier is a string, got {type(text).__name__}: {text!r}"
            )
        name, sep, org = text.partition(":")
        if not sep:
            return cls(name)
        if not org or ":" in org:
            raise InvalidRoleError(
                f"malformed role identifier {text!r}: expected 'name' or 'name:<org-uuid>'"
            )
        try:
            org_id = UUID(org)
        except ValueError:
            raise InvalidRoleError(
                f"malformed role identifier {text!r}: organization id {org!r} is not a UUID"
            ) from None
        return cls(name, org_id)

    def __str__(self) -> str:
        return self.name if self.org_id is None else f"{self.name}:{self.org_id}"


# --- roles ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, init=False)
class OrgPermissions:
    """A role's permissions inside one organization.

    `org` applies to any object of that org; `member` only to the subject's own objects there.
    """

    org: tuple[Permission, ...]
    member: tuple[Permission, ...]
    org_votes: VoteTable = field(repr=False, compare=False, hash=False)
    member_votes: VoteTable = field(repr=False, compare=False, hash=False)

    def __init__(self, org: Iterable[Permission] = (), member: Iterable[Permission] = ()) -> None:
        set_ = object.__setattr__
        set_(self, "org", permission_tuple(org))
        set_(self, "member", permission_tuple(member))
        set_(self, "org_votes", vote_table(self.org))
        set_(self, "member_votes", vote_table(self.member))


@dataclass(frozen=True, slots=True, init=False)
class Role:
    """A named set of permissions at the site, user, and per-org (org, member) levels.

    Vote tables are precomputed at construction, so compiling a role set only merges them.
    """

    identifier: RoleIdentifier
    display_name: str
    site: tuple[Permission, ...]
    user: tuple[Permission, ...]
    by_org: Mapping[UUID, OrgPermissions] = field(hash=False)
    site_votes: VoteTable = field(repr=False, compare=False, hash=False)
    user_votes: VoteTable = field(repr=False, compare=False, hash=False)

    def __init__(
        self,
        identifier: RoleIdentifier | str,
        display_name: str,
        site: Iterable[Permission] = (),
        user: Iterable[Permission] = (),
        by_org: Mapping[UUID, OrgPermissions] | Mapping[str, OrgPermissions] | None = None,
    ) -> None:
        rid = RoleIdentifier.parse(identifier)
        orgs: dict[UUID, OrgPermissions] = {}
        for org, perms in (by_org or {}).items():
            if not isinstance(perms, OrgPermissions):
                raise TypeError(f"by_org values must be OrgPermissions, got {perms!r}")
            orgs[to_uuid(org, f"role {rid}: by_org key")] = perms
        set_ = object.__setattr__
        set_(self, "identifier", rid)
        set_(self, "display_name", display_name)
        set_(self, "site", permission_tuple(site))
        set_(self, "user", permission_tuple(user))
        set_(self, "by_org", MappingProxyType(orgs))
        set_(self, "site_votes", vote_table(self.site))
        set_(self, "user_votes", vote_table(self.user))

    def problems(self) -> list[str]:
        """What is wrong with this role as a stored, assignable role (empty when valid)."""
        found: list[str] = []
        if not self.display_name.strip():
            found.append("display name is empty")
        every = [*self.site, *self.user]
        for perms in self.by_org.values():
            every.extend((*perms.org, *perms.member))
        for perm in every:
            try:
                check_action(perm.resource_type, perm.action)
            except ValueError as exc:
                found.append(str(exc))
        org_id = self.identifier.org_id
        if org_id is None and self.by_org:
            found.append("a site role cannot hold organization permissions")
        if org_id is not None:
            if self.site or self.user:
                found.append("an organization role cannot hold site or user permissions")
            if set(self.by_org) - {org_id}:
                found.append("an organization role can only hold permissions in its own org")
        return found

    def valid(self) -> bool:
        return not self.problems()


def _site_role(
    name: str, display: str, *, site: Iterable[Permission] = (), user: Iterable[Permission] = ()
) -> Role:
    return Role(RoleIdentifier(name), display, tuple(site), tuple(user))


_CRUD = (Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE)
_GROUP_TYPES = ("group", "group_member")
_ROSTER = (Action.CREATE, Action.READ, Action.DELETE)
"""`group_member`: add to, read and remove from a group's roster."""

_SITE_ROLES: Mapping[str, Role] = MappingProxyType(
    {
        OWNER: _site_role(OWNER, "Owner", site=[Permission(False, WILDCARD, Action.WILDCARD)]),
        MEMBER: _site_role(
            MEMBER,
            "Member",
            site=permissions({"assign_role": [Action.READ]}),
            user=(
                # Never groups or their rosters: membership is granted, not taken (#13).
                *all_perms_except("chat", "user", "organization_member", *_GROUP_TYPES),
                *permissions({"user": [Action.READ, Action.READ_PERSONAL, Action.UPDATE_PERSONAL]}),
            ),
        ),
        CHAT_ACCESS: _site_role(
            CHAT_ACCESS, "Chat Access", user=permissions({"chat": (*_CRUD, Action.SHARE)})
        ),
        AUDITOR: _site_role(
            AUDITOR,
            "Auditor",
            site=permissions(
                {
                    t: [Action.READ]
                    for t in (
                        "user",
                        "organization",
                        "organization_member",
                        "chat_model_config",
                        *_GROUP_TYPES,
                    )
                }
            ),
        ),
        USER_ADMIN: _site_role(
            USER_ADMIN,
            "User Admin",
            site=permissions(
                {
                    "user": _CRUD,
                    "organization_member": _CRUD,
                    "assign_role": [Action.ASSIGN, Action.UNASSIGN, Action.READ],
                    # Who is in a group, not which groups exist (organization admins).
                    "group": [Action.READ],
                    "group_member": _ROSTER,
                }
            ),
        ),
    }
)

_ORG_MEMBER_PERMS = OrgPermissions(
    org=permissions({"organization": [Action.READ]}),
    member=all_perms_except("chat", "organization_member", *_GROUP_TYPES),
)
_ORG_TEMPLATES: Mapping[str, tuple[str, OrgPermissions]] = MappingProxyType(
    {
        ORG_ADMIN: (
            "Organization Admin",
            OrgPermissions(
                org=(
                    *all_perms_except("organization"),
                    *permissions({"organization": [Action.CREATE, Action.READ, Action.UPDATE]}),
                )
            ),
        ),
        ORG_MEMBER: ("Organization Member", _ORG_MEMBER_PERMS),
        ORG_SERVICE_ACCOUNT: ("Organization Service Account", _ORG_MEMBER_PERMS),
        ORG_AUDITOR: (
            "Organization Auditor",
            OrgPermissions(
                org=permissions(
                    {
                        t: [Action.READ]
                        for t in (
                            "organization",
                            "organization_member",
                            "chat_model_config",
                            *_GROUP_TYPES,
                        )
                    }
                )
            ),
        ),
        ORG_USER_ADMIN: (
            "Organization User Admin",
            OrgPermissions(
                org=permissions(
                    {
                        "organization": [Action.READ],
                        "organization_member": _CRUD,
                        "assign_org_role": [Action.ASSIGN, Action.UNASSIGN, Action.READ],
                        "group": [Action.READ],
                        "group_member": _ROSTER,
                    }
                )
            ),
        ),
    }
)

SYSTEM_RESTRICTED_ROLE = _site_role(
    SYSTEM_RESTRICTED_NAME,
    "System (restricted)",
    site=[Permission(False, WILDCARD, Action.WILDCARD)],
)
"""In-process only (held by `authz.subjects.SYSTEM_RESTRICTED`); no stored name reaches it."""

CHATD_ROLE = _site_role(
    CHATD_NAME,
    "Chat daemon",
    site=permissions({"chat": _CRUD, "deployment_config": [Action.READ], "user": [Action.READ]}),
)
"""In-process only (held by `authz.subjects.CHATD`)."""


@functools.lru_cache(maxsize=4096)
def _org_role(name: str, org_id: UUID) -> Role:
    display, perms = _ORG_TEMPLATES[name]
    return Role(RoleIdentifier(name, org_id), display, by_org={org_id: perms})


@functools.lru_cache(maxsize=1024)
def _warn_unresolved(name: str) -> None:
    """Log once per name (while it stays in this bounded cache): stored data is wrong."""
    if name in RETIRED_NAMES:
        why = "is retired"
    elif name in RESERVED_NAMES:
        why = "is reserved for in-process subjects"
    else:
        why = "is not a known role"
    log.warning("role %r %s; it grants nothing", name, why)


def builtin_role(rid: RoleIdentifier) -> Role | None:
    """The built-in role `rid` names, or None — silently (`role_by_name` logs)."""
    if rid.org_id is None:
        return _SITE_ROLES.get(rid.name)
    if rid.name in _ORG_TEMPLATES:
        return _org_role(rid.name, rid.org_id)
    return None


def role_by_name(role: RoleIdentifier | str) -> Role | None:
    """The built-in role `role` names, or None (logged once per name) if there is none.

    A malformed string is an `InvalidRoleError`; so is a mis-levelled identifier (org role
    without org id, site role with one), already when the `RoleIdentifier` is built. Custom
    organization roles are resolved with the subject's definitions (`authz.custom_roles`).
    """
    rid = RoleIdentifier.parse(role)
    found = builtin_role(rid)
    if found is None:
        _warn_unresolved(rid.name)
    return found


def role_by_name_str(text: str) -> Role | None:
    """`role_by_name(RoleIdentifier.parse(text))`."""
    return role_by_name(RoleIdentifier.parse(text))


def is_org_role_name(name: str) -> bool:
    """True for the names of built-in organization roles."""
    return name in _ORG_TEMPLATES


def site_builtin_role_names() -> tuple[str, ...]:
    """Assignable built-in site roles, in display order (`member` is implied, so absent)."""
    return (OWNER, AUDITOR, USER_ADMIN, CHAT_ACCESS)


def org_builtin_role_names() -> tuple[str, ...]:
    """Assignable built-in org roles (`organization-member` is implied, so absent)."""
    return (ORG_ADMIN, ORG_AUDITOR, ORG_USER_ADMIN, ORG_SERVICE_ACCOUNT)


def builtin_roles(org_id: IdLike) -> tuple[Role, ...]:
    """Every built-in role, org roles instantiated for `org_id` (implied ones included)."""
    org = to_uuid(org_id, "builtin_roles org_id")
    return (*_SITE_ROLES.values(), *(_org_role(name, org) for name in ORG_NAMES))


ALL_BUILTIN_NAMES = frozenset(_SITE_NAMES) | frozenset(ORG_NAMES)
"""Every built-in role name, site and organization (the implied ones too)."""
UNAVAILABLE_NAMES = ALL_BUILTIN_NAMES | RETIRED_NAMES | RESERVED_NAMES
"""Names a custom role may never take: built-in (implied ones too), retired, reserved."""
IMPLIED_NAMES = _IMPLIED
"""`member` and `organization-member`: held by everyone (of an org), never stored."""
