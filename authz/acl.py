"""Access-control lists on objects: who (user or group id) may do what, and the ACL vote.

The ACL is the second way to an allow, beside roles: `allow = (role OR acl) AND scope`. It has
no levels and no negation. Membership is the boundary, as for the user level (DESIGN.md "Model
v2"): a user entry counts only when the object has no org or the subject is a member of its
org; a group entry only when the object has an org and the subject is a member of it (groups
belong to organizations). Every org a subject is a member of is also its *Everyone* group,
whose id is the org id.

An `Object` keeps its ACL twice: as given (`Mapping[UUID, frozenset[Action]]`, `*` kept) for
reading and comparing, and as an `AclIndex` keyed by `UUID.int` with `*` expanded over the
type's actions, so the vote is a dict lookup and one set membership per id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from uuid import UUID

from authz.registry import REGISTRY, Action, check_action

AclEntries = Mapping[UUID, frozenset[Action]]
"""A user or group ACL: id -> the actions granted (`Action.WILDCARD` = every action)."""


class FrozenAcl(Mapping[UUID, frozenset[Action]]):
    """A read-only ACL mapping that, unlike `MappingProxyType`, copies and pickles."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[UUID, frozenset[Action]]) -> None:
        self._entries = dict(entries)

    def __getitem__(self, key: UUID) -> frozenset[Action]:
        return self._entries[key]

    def __iter__(self) -> Iterator[UUID]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"FrozenAcl({self._entries!r})"


EMPTY_ACL: AclEntries = FrozenAcl({})

AclInput = Mapping[UUID, Iterable[Action | str]] | Mapping[str, Iterable[Action | str]]
"""What `Object.with_acl` accepts: ids as `UUID` or string, actions as `Action` or string."""


def parse_acl(resource_type: str, entries: AclInput | None, what: str) -> AclEntries:
    """Validate an ACL for `resource_type`: ids must be UUIDs, actions the type's (or `*`).

    An entry with no actions is dropped (it grants nothing), so `{u: []}` equals `{}`.
    """
    from authz.objects import to_uuid  # objects imports this module

    if not entries:
        return EMPTY_ACL
    if not isinstance(entries, Mapping):
        raise TypeError(f"{what}: expected a mapping id -> actions, got {type(entries).__name__}")
    out: dict[UUID, frozenset[Action]] = {}
    for key, actions in entries.items():
        ident = to_uuid(key, f"{what} key")
        if isinstance(actions, str):
            raise TypeError(f"{what}[{ident}]: expected a collection of actions, got {actions!r}")
        parsed = frozenset(check_action(resource_type, a) for a in actions)
        if parsed:
            out[ident] = out.get(ident, frozenset()) | parsed
    return FrozenAcl(out) if out else EMPTY_ACL


@dataclass(frozen=True, slots=True)
class AclIndex:
    """An object's ACL for the engine: `UUID.int` -> concrete actions (`*` expanded)."""

    users: Mapping[int, frozenset[Action]]
    groups: Mapping[int, frozenset[Action]]


def index_acl(resource_type: str, users: AclEntries, groups: AclEntries) -> AclIndex | None:
    """The engine's form of an object's ACL; None when it has no entry (the common case)."""
    if not users and not groups:
        return None
    every = REGISTRY[resource_type]

    def expand(entries: AclEntries) -> dict[int, frozenset[Action]]:
        return {
            ident.int: every if Action.WILDCARD in actions else actions
            for ident, actions in entries.items()
        }

    return AclIndex(expand(users), expand(groups))


def acl_allows(
    acl: AclIndex,
    action: Action,
    me: int,
    group_keys: tuple[int, ...],
    member_keys: frozenset[int],
    org_key: int | None,
    any_org: bool,
) -> bool:
    """The ACL vote (see the module docstring). `group_keys` are the subject's own groups;
    its Everyone groups are `member_keys`, the orgs it is a member of.

    An any-org object asks "personally or in some org of mine" (its `org_key` is None): user
    entries count (the personal case), group entries when the subject is a member of at
    least one org.
    """
    if org_key is None or org_key in member_keys:
        granted = acl.users.get(me)
        if granted is not None and action in granted:
            return True
    if acl.groups and (member_keys if any_org else org_key in member_keys):
        return group_entries_allow(acl, action, group_keys, member_keys)
    return False


def group_entries_allow(
    acl: AclIndex, action: Action, group_keys: tuple[int, ...], member_keys: frozenset[int]
) -> bool:
    """Some group of the subject (its own, or an Everyone group) has an entry granting it."""
    groups = acl.groups
    for key in (*group_keys, *member_keys):
        granted = groups.get(key)
        if granted is not None and action in granted:
            return True
    return False
