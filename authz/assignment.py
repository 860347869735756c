"""Who may assign which built-in role, and what a change of a role set changes.

The assignment table only: the caller also checks `assign` / `unassign` on `assign_role` /
`assign_org_role` with the engine, and custom roles go through `authz.escalation` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from authz.roles import (
    ALL_BUILTIN_NAMES,
    CHAT_ACCESS,
    IMPLIED_NAMES,
    ORG_ADMIN,
    ORG_MEMBER,
    ORG_NAMES,
    ORG_USER_ADMIN,
    OWNER,
    SYSTEM_RESTRICTED_ROLE,
    USER_ADMIN,
    RoleIdentifier,
)
from authz.subjects import Subject

_ASSIGNABLE_BY: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        OWNER: ALL_BUILTIN_NAMES,
        USER_ADMIN: frozenset({CHAT_ACCESS, USER_ADMIN}),
        ORG_ADMIN: frozenset(ORG_NAMES),
        ORG_USER_ADMIN: frozenset({ORG_MEMBER}),
    }
)
"""Actor's built-in role -> roles it may assign. Org actor roles count only in their own org."""


def can_assign_role(subject: Subject, role: RoleIdentifier | str) -> bool:
    """May `subject` assign (or unassign) the built-in `role`? False for any other name: custom
    roles are assigned through `authz.escalation.authorize_role_change` instead.

    The system subject (it holds `SYSTEM_RESTRICTED_ROLE`) and owners may assign every built-in
    role; the rest follows `_ASSIGNABLE_BY`. This is the assignment table only — the caller
    also checks `assign`/`unassign` on `assign_role` / `assign_org_role` with the engine.
    """
    target = RoleIdentifier.parse(role)
    if target.name not in ALL_BUILTIN_NAMES:
        return False
    if SYSTEM_RESTRICTED_ROLE in subject.inline_roles:
        return True
    for held in subject.roles:
        allowed = _ASSIGNABLE_BY.get(held.name)
        if allowed is None or target.name not in allowed:
            continue
        if held.org_id is None or held.org_id == target.org_id:
            return True
    return False


def change_role_set(
    old: Iterable[RoleIdentifier | str], new: Iterable[RoleIdentifier | str]
) -> tuple[list[RoleIdentifier], list[RoleIdentifier]]:
    """`(added, removed)`: only changed roles need checking, so an actor can leave alone roles
    it could not assign. Implied roles are ignored; order follows the inputs, duplicates drop.
    """
    old_ids = [r for r in map(RoleIdentifier.parse, old) if r.name not in IMPLIED_NAMES]
    new_ids = [r for r in map(RoleIdentifier.parse, new) if r.name not in IMPLIED_NAMES]
    old_set, new_set = set(old_ids), set(new_ids)
    added = [r for r in dict.fromkeys(new_ids) if r not in old_set]
    removed = [r for r in dict.fromkeys(old_ids) if r not in new_set]
    return added, removed
