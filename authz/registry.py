"""Actions and the registry of resource types, the single source of truth for both.

Every permission, object, compiled table and test-coverage check is derived from `REGISTRY`, so
adding a resource type or an action here is the one change that makes it exist everywhere (and
makes the role-matrix test demand a case for it). It lives apart from `authz.resources` only so
that `Object` can validate against it while `authz.resources` exports ready-made `Object` values.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class Action(enum.StrEnum):
    """What a subject wants to do. `WILDCARD` only ever appears inside permissions."""

    # `Enum.__hash__` is Python code hashing the member's *name*; `str`'s is C and agrees with
    # `==` (`Action.READ == "read"`). Every check hashes an action, so this is the hot path.
    __hash__ = str.__hash__

    WILDCARD = "*"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    READ_PERSONAL = "read_personal"
    UPDATE_PERSONAL = "update_personal"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    SHARE = "share"


WILDCARD = "*"
"""The wildcard resource type (and the value of `Action.WILDCARD`)."""

_CRUD = frozenset({Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE})
_ASSIGN = frozenset({Action.ASSIGN, Action.UNASSIGN, Action.READ})

REGISTRY: Mapping[str, frozenset[Action]] = MappingProxyType(
    {
        WILDCARD: frozenset({Action.WILDCARD}),
        "user": _CRUD | {Action.READ_PERSONAL, Action.UPDATE_PERSONAL},
        "organization": _CRUD,
        "organization_member": _CRUD,
        "chat": _CRUD | {Action.SHARE},
        "chat_model_config": _CRUD,
        "api_key": _CRUD,
        "assign_role": _ASSIGN,
        # create / update / delete: defining the org's custom roles (`authz.escalation`)
        "assign_org_role": _ASSIGN | _CRUD,
        "deployment_config": frozenset({Action.READ, Action.UPDATE}),
        "system": _CRUD,
        # An organization's groups (#13). Membership changes are `group_member` create / delete
        # on the group's roster, not `update` on the group: who manages groups (org admins)
        # and who manages who is in them (user admins) differ.
        "group": _CRUD,
        "group_member": frozenset({Action.CREATE, Action.READ, Action.DELETE}),
    }
)
"""Resource type -> the actions it supports. `*` is the permission wildcard, never an object."""

CONCRETE_TYPES: tuple[str, ...] = tuple(sorted(t for t in REGISTRY if t != WILDCARD))
"""Every type an object can have, in a stable order."""

CONCRETE_PAIRS: tuple[tuple[str, Action], ...] = tuple(
    (t, a) for t in CONCRETE_TYPES for a in sorted(REGISTRY[t])
)
"""Every (type, action) a check can ask about: the keys of a compiled decision table."""


def check_object_type(resource_type: str) -> str:
    """Return `resource_type` if an object may have it; raise `ValueError` otherwise."""
    if resource_type in REGISTRY and resource_type != WILDCARD:
        return resource_type
    if resource_type == WILDCARD:
        raise ValueError("'*' is a wildcard for permissions; an object needs a concrete type")
    raise ValueError(f"unknown resource type {resource_type!r}; known: {', '.join(CONCRETE_TYPES)}")


def check_action(resource_type: str, action: Action | str) -> Action:
    """The `Action` for `action` if `resource_type` supports it (wildcards included).

    `*` as a type accepts any action; `*` as an action is valid for any type. Anything else
    must be declared in `REGISTRY`: a typo in a role definition fails at import, not silently.
    """
    try:
        parsed = Action(action)
    except ValueError:
        raise ValueError(
            f"unknown action {action!r}; known: {', '.join(a.value for a in Action)}"
        ) from None
    if resource_type not in REGISTRY:
        raise ValueError(
            f"unknown resource type {resource_type!r}; known: {', '.join(sorted(REGISTRY))}"
        )
    if resource_type == WILDCARD or parsed is Action.WILDCARD or parsed in REGISTRY[resource_type]:
        return parsed
    allowed = ", ".join(sorted(REGISTRY[resource_type]))
    raise ValueError(
        f"resource type {resource_type!r} has no action {parsed.value!r}; it has: {allowed}"
    )
