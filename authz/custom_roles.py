"""Custom organization roles: definitions as values, and how a subject's roles resolve.

An organization defines its own roles (DESIGN.md, "Custom organization roles"): a name, a
display name, and positive `org` / `member` permissions inside that one organization — never
site or user permissions, never a negation, so a custom role can only add what a built-in
role would express with the same two levels.

Definitions travel **with the subject**: `Subject(..., custom_roles=(CustomRole, ...))`. The
subject-loading query returns, in the same round trip, the definitions of the custom roles
the user holds (or their versions, resolved from a process-local map of definitions); the
engine never reads storage. So whatever the subject carries is what is in force, and every
server process sees a changed definition on its next request — there is nothing to invalidate.

A stored identifier `name:<org>` resolves, in order, to the built-in org role of that name,
else to the subject's definition with the same `(org, name)`; anything else (a deleted role, a
definition the query did not return, a typo) grants nothing and is logged once. The compiled
table's cache key holds the definitions themselves (`Subject.role_key`): `CustomRole` hashes
by `(org, name, display name, version)` and compares by every field, so a new version — or
even a changed list under a reused version — is a different key and compiles anew.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from authz.errors import InvalidRoleError
from authz.objects import IdLike, to_uuid
from authz.permissions import Pair, Permission
from authz.registry import check_action
from authz.roles import (
    RESERVED_NAMES,
    RETIRED_NAMES,
    UNAVAILABLE_NAMES,
    OrgPermissions,
    Role,
    RoleIdentifier,
    builtin_role,
    role_by_name,
)

__all__ = [
    "MAX_DISPLAY_NAME",
    "MAX_NAME",
    "CustomRole",
    "CustomRoleKey",
    "check_custom_role_name",
    "held_definitions",
    "parse_permission",
    "resolve_role",
]

log = logging.getLogger("authz")

MAX_NAME = 64
MAX_DISPLAY_NAME = 128
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PERMISSION = re.compile(r"(?P<type>[a-z_*]+):(?P<action>[a-z_*]+)")

CustomRoleKey = tuple[UUID, str]
"""`(org id, name)`: what a stored identifier `name:<org>` names."""


def check_custom_role_name(name: object) -> str:
    """`name` if a custom role may take it; an `InvalidRoleError` saying why not otherwise.

    Lower-case letters and digits in groups joined by single hyphens (`chat-reviewer`,
    `tier-2`), 1 to 64 characters, never a built-in, retired or reserved name — so a custom role
    can never shadow or resurrect a role the code knows, and every valid name is also a valid
    `RoleIdentifier` name.
    """
    if not isinstance(name, str):
        raise InvalidRoleError(f"a role name is a string, got {type(name).__name__}")
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidRoleError(f"role name must be 1 to {MAX_NAME} characters, got {len(name)}")
    if not _NAME.fullmatch(name):
        raise InvalidRoleError(
            f"malformed role name {name!r}: use lower-case letters and digits, joined by "
            f"single hyphens (e.g. 'chat-reviewer')"
        )
    if name in UNAVAILABLE_NAMES:
        if name in RETIRED_NAMES:
            why = "a retired built-in role name (never reused)"
        elif name in RESERVED_NAMES:
            why = "reserved for in-process roles"
        else:
            why = "a built-in role name"
        raise InvalidRoleError(f"role name {name!r} is {why}")
    return name


def parse_permission(text: str | Permission) -> Permission:
    """`"type:action"` (either may be `*`) as a positive `Permission` of the registry.

    The form the API and CLI take (`--perm chat:read`). A negation (`-chat:read`, or a negated
    `Permission`) is an `InvalidRoleError`: custom roles grant, they never deny.
    """
    if isinstance(text, Permission):
        perm = text
    elif isinstance(text, str):
        perm = _parse_permission_text(text)
    else:
        raise InvalidRoleError(f"a permission is 'type:action', got {type(text).__name__}")
    if perm.negate:
        raise InvalidRoleError(f"custom roles only grant: {perm} is a negation")
    return perm


@functools.lru_cache(maxsize=512)  # valid texts are bounded by the registry; errors aren't kept
def _parse_permission_text(text: str) -> Permission:
    """Definitions are rebuilt from stored text on every request: parse each text once."""
    match = _PERMISSION.fullmatch(text)
    if match is None:
        hint = " (custom roles cannot deny)" if text.startswith("-") else ""
        raise InvalidRoleError(
            f"malformed permission {text!r}: expected 'type:action', e.g. 'chat:read'{hint}"
        )
    try:
        check_action(match["type"], match["action"])
    except ValueError as exc:
        raise InvalidRoleError(f"permission {text!r}: {exc}") from None
    return Permission(False, match["type"], match["action"])


def _permissions(perms: Iterable[str | Permission], level: str) -> tuple[Permission, ...]:
    if isinstance(perms, str):
        raise InvalidRoleError(f"{level} permissions are a list, not one string: {perms!r}")
    return tuple(dict.fromkeys(parse_permission(p) for p in perms))


@dataclass(frozen=True, slots=True, init=False)
class CustomRole:
    """One organization's definition of a role, at one definition `version`.

    Valid by construction (`InvalidRoleError` otherwise): see `check_custom_role_name`,
    `parse_permission`. Permissions are kept in the given order without duplicates; `*`
    wildcards are allowed (the escalation guard expands them over the registry).

    `version` must change whenever the definition does (storage: a number bumped on every
    update). It is part of the hash and of the compiled-table cache key; equality also compares
    the permission lists, so a version reused for another definition still never meets a table
    compiled for the old one.
    """

    org_id: UUID
    name: str
    display_name: str
    org: tuple[Permission, ...] = field(hash=False)
    """Permissions on every object of the organization."""
    member: tuple[Permission, ...] = field(hash=False)
    """Permissions on the holder's own objects in the organization."""
    version: int

    def __init__(
        self,
        org_id: IdLike,
        name: str,
        display_name: str = "",
        org: Iterable[str | Permission] = (),
        member: Iterable[str | Permission] = (),
        version: int = 0,
    ) -> None:
        try:
            org_uuid = to_uuid(org_id, "custom role org_id")
        except (TypeError, ValueError) as exc:
            raise InvalidRoleError(str(exc)) from None
        if not isinstance(display_name, str):
            raise InvalidRoleError(f"display name is a string, got {type(display_name).__name__}")
        if len(display_name) > MAX_DISPLAY_NAME or not display_name.isprintable():
            raise InvalidRoleError(
                f"display name must be printable and at most {MAX_DISPLAY_NAME} characters"
            )
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise InvalidRoleError(f"version must be an int >= 0, got {version!r}")
        set_ = object.__setattr__
        set_(self, "org_id", org_uuid)
        set_(self, "name", check_custom_role_name(name))
        set_(self, "display_name", display_name)
        set_(self, "org", _permissions(org, "org"))
        set_(self, "member", _permissions(member, "member"))
        set_(self, "version", version)

    @property
    def key(self) -> CustomRoleKey:
        return (self.org_id, self.name)

    @property
    def identifier(self) -> RoleIdentifier:
        """How a member holding it stores it: `name:<org-uuid>`."""
        return RoleIdentifier(self.name, self.org_id)

    def granted_pairs(self) -> tuple[tuple[str, Pair, Permission], ...]:
        """Every concrete `(level, (type, action), permission as written)` it grants, org
        level first, each permission's wildcards expanded in registry order; a pair reached
        again at the same level (by another permission) is listed once."""
        out: list[tuple[str, Pair, Permission]] = []
        for level, perms in (("org", self.org), ("member", self.member)):
            seen: set[Pair] = set()
            for perm in perms:
                for pair in perm.pairs():
                    if pair not in seen:
                        seen.add(pair)
                        out.append((level, pair, perm))
        return tuple(out)

    def to_role(self) -> Role:
        """The engine's `Role` for this definition (vote tables computed here — call it when
        compiling, not per request)."""
        return Role(
            self.identifier,
            self.display_name or self.name,
            by_org={self.org_id: OrgPermissions(self.org, self.member)},
        )

    def __str__(self) -> str:
        return f"{self.name}:{self.org_id} (v{self.version})"


def held_definitions(
    roles: Iterable[RoleIdentifier], definitions: Iterable[CustomRole]
) -> frozenset[CustomRole]:
    """The definitions of roles in `roles`; others are dropped (they grant nothing anyway, and
    keeping them out of the cache key means an unrelated edit never recompiles).

    Two different definitions for one `(org, name)` are a `ValueError`: the caller's query is
    wrong, and guessing which one is in force would be worse.
    """
    by_key: dict[CustomRoleKey, CustomRole] = {}
    for definition in definitions:
        if not isinstance(definition, CustomRole):
            raise TypeError(f"Subject.custom_roles holds CustomRole values, got {definition!r}")
        known = by_key.setdefault(definition.key, definition)
        if known != definition:
            raise ValueError(f"two definitions of custom role {definition.identifier}")
    held = {(r.org_id, r.name) for r in roles if r.org_id is not None}
    return frozenset(d for key, d in by_key.items() if key in held)


@functools.lru_cache(maxsize=1024)
def _warn_missing(rid: RoleIdentifier) -> None:
    """Log once per identifier (while it stays in this bounded cache)."""
    log.warning(
        "role %r is neither built in nor a custom role defined for the subject (deleted?); "
        "it grants nothing",
        str(rid),
    )


def resolve_role(rid: RoleIdentifier, custom: Mapping[CustomRoleKey, CustomRole]) -> Role | None:
    """The role `rid` names: built-in first, then the subject's custom definitions; None
    (logged once) for anything else. Custom names can never shadow built-in ones
    (`check_custom_role_name`), so the order only matters for speed."""
    role = builtin_role(rid)
    if role is not None:
        return role
    if rid.org_id is not None:
        definition = custom.get((rid.org_id, rid.name))
        if definition is not None:
            return definition.to_role()
        if rid.name not in UNAVAILABLE_NAMES:
            _warn_missing(rid)
            return None
    return role_by_name(rid)  # logs retired, reserved and unknown site names once
