"""Permissions and votes: the atoms roles are made of, checked against the registry.

A `Permission` is `(negate, resource_type, action)`, either part possibly the wildcard `*`;
it is validated at construction, so a typo in a role fails at import, not at 3 a.m. Each list
of permissions becomes a `VoteTable` — concrete (type, action) -> DENY or ALLOW — once, when
its role is built; compiling a role set then only merges tables.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from authz.objects import Object
from authz.registry import CONCRETE_PAIRS, CONCRETE_TYPES, WILDCARD, Action, check_action


class Vote(enum.IntEnum):
    """A level's verdict: any matching negated permission denies, else any match allows."""

    DENY = -1
    ABSTAIN = 0
    ALLOW = 1


Pair = tuple[str, Action]
"""A concrete (resource type, action): the key of every vote and decision table."""


@dataclass(frozen=True, slots=True, init=False)
class Permission:
    """`(negate, resource_type, action)`; `*` matches any type or any action."""

    negate: bool
    resource_type: str
    action: Action

    def __init__(self, negate: bool, resource_type: str, action: Action | str) -> None:
        if not isinstance(negate, bool):
            raise TypeError(f"Permission.negate must be a bool, got {negate!r}")
        object.__setattr__(self, "negate", negate)
        object.__setattr__(self, "resource_type", resource_type)
        object.__setattr__(self, "action", check_action(resource_type, action))

    def matches(self, resource_type: str, action: Action | str) -> bool:
        return (self.resource_type in (WILDCARD, resource_type)) and (
            self.action is Action.WILDCARD or self.action == action
        )

    def pairs(self) -> tuple[Pair, ...]:
        """The concrete pairs this permission covers, wildcards expanded over the registry."""
        return _expand(self.resource_type, self.action)

    def __str__(self) -> str:
        return f"{'-' if self.negate else '+'}{self.resource_type}:{self.action.value}"


@functools.lru_cache(maxsize=256)  # bounded by the registry: (types + 1) x (actions + 1)
def _expand(resource_type: str, action: Action) -> tuple[Pair, ...]:
    return tuple(
        (t, a)
        for t, a in CONCRETE_PAIRS
        if resource_type in (WILDCARD, t) and action in (Action.WILDCARD, a)
    )


VoteTable = Mapping[Pair, Vote]


def vote_table(perms: Iterable[Permission]) -> VoteTable:
    """Each concrete pair some permission matches -> DENY if any match is negated, else ALLOW."""
    votes: dict[Pair, Vote] = {}
    for perm in perms:
        for pair in perm.pairs():
            if perm.negate:
                votes[pair] = Vote.DENY
            else:
                votes.setdefault(pair, Vote.ALLOW)
    return MappingProxyType(votes)


def merge_votes(tables: Iterable[VoteTable]) -> dict[Pair, Vote]:
    """One level's votes over several roles: a deny anywhere wins."""
    merged: dict[Pair, Vote] = {}
    for table in tables:
        for pair, vote in table.items():
            if vote is Vote.DENY or pair not in merged:
                merged[pair] = vote
    return merged


def permission_tuple(perms: Iterable[Permission]) -> tuple[Permission, ...]:
    """`perms` as a tuple, refusing anything that is not a `Permission` (roles store tuples)."""
    out = tuple(perms)
    for perm in out:
        if not isinstance(perm, Permission):
            raise TypeError(f"expected Permission, got {type(perm).__name__}: {perm!r}")
    return out


def all_perms_except(*excepts: str | Object) -> tuple[Permission, ...]:
    """`*` on every registered type except `excepts` (and except the `*` type itself).

    How "everything personal except X" is written: removing a resource from such a role means
    adding it here, and a newly registered type is granted by default.
    """
    skip = {e.type if isinstance(e, Object) else e for e in excepts}
    unknown = skip - set(CONCRETE_TYPES)
    if unknown:
        raise ValueError(f"all_perms_except: unknown resource types {sorted(unknown)}")
    return tuple(Permission(False, t, Action.WILDCARD) for t in CONCRETE_TYPES if t not in skip)


def permissions(
    grants: Mapping[str | Object, Iterable[Action | str]], *, negate: bool = False
) -> tuple[Permission, ...]:
    """`{type: [actions]}` as permissions, ordered by type then action, for stable output."""
    out: list[Permission] = []
    for resource, actions in grants.items():
        resource_type = resource.type if isinstance(resource, Object) else resource
        out.extend(Permission(negate, resource_type, Action(a)) for a in actions)
    return tuple(sorted(out, key=lambda p: (p.resource_type, p.action.value)))
