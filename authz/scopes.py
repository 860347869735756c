"""API-key scopes: a restriction on what a subject's roles and ACLs allow — never a grant.

A `Scope` is a set of positive site-level permissions (`chat:read`, `chat:*`, `*:*`) plus an
allow-list of `(type, id)` entries (`*` for any type together with any id, or any id of a
type). `scope_allow(action, object)` holds when a permission matches `(object.type, action)`
**and** the allow-list contains `("*", "*")`, `(object.type, "*")` or `(object.type,
object.id)`. An object without an id (a create check, an owner-wide aggregate, an any-org
question) is admitted only by the two wildcard forms. Decision: `(role OR acl) AND scope`.

Built-in names (`SCOPE_NAMES`): `all` (restricts nothing), one low-level scope per registry
pair (`chat:read`, …), `<type>:*` per type, and the composites in `COMPOSITES` (`chat:use`,
`user:profile`). `Scope.from_names` unions the named scopes' permissions and applies one
allow-list to them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar
from uuid import UUID

from authz.permissions import Pair, Permission
from authz.registry import CONCRETE_PAIRS, CONCRETE_TYPES, REGISTRY, WILDCARD, Action

AllowEntry = tuple[str, UUID | str]
"""`(type or "*", id or "*")`; `("*", "*")` admits every object."""

ANY: str = WILDCARD

COMPOSITES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # Use chats as the web UI does: own chats, the model list, one's own profile. No share.
        "chat:use": (
            "chat:create",
            "chat:read",
            "chat:update",
            "chat:delete",
            "chat_model_config:read",
            "user:read",
            "user:read_personal",
        ),
        # Read and edit one's profile, nothing else.
        "user:profile": ("user:read", "user:read_personal", "user:update_personal"),
    }
)
"""Named bundles of low-level scopes, documented in the README."""

ALL_NAME = "all"

_LOW_LEVEL: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        **{f"{t}:{a.value}": (f"{t}:{a.value}",) for t, a in CONCRETE_PAIRS},
        **{f"{t}:*": (f"{t}:*",) for t in CONCRETE_TYPES},
    }
)

SCOPE_NAMES: tuple[str, ...] = (ALL_NAME, *_LOW_LEVEL, *COMPOSITES)
"""Every public built-in scope name, in a stable order."""


def parse_scope_permission(text: str | Permission) -> Permission:
    """`"type:action"` (either part may be `*`) as a positive `Permission`."""
    if isinstance(text, Permission):
        if text.negate:
            raise ValueError(f"a scope holds positive permissions only, got {text}")
        return text
    if not isinstance(text, str):
        raise TypeError(f"a scope permission is 'type:action', got {type(text).__name__}")
    resource_type, sep, action = text.partition(":")
    if not sep or not resource_type or not action:
        raise ValueError(f"malformed scope permission {text!r}: expected 'type:action'")
    return Permission(False, resource_type, action)


def _parse_entry(entry: tuple[str, UUID | str]) -> AllowEntry:
    if not isinstance(entry, tuple) or len(entry) != 2:
        raise ValueError(f"an allow-list entry is (type, id), got {entry!r}")
    resource_type, ident = entry
    if resource_type != ANY and resource_type not in REGISTRY:
        raise ValueError(f"allow-list entry {entry!r}: unknown resource type {resource_type!r}")
    if ident == ANY:
        return (resource_type, ANY)
    if resource_type == ANY:
        raise ValueError(f"allow-list entry {entry!r}: a '*' type needs a '*' id")
    if isinstance(ident, UUID):
        return (resource_type, UUID(int=ident.int))
    try:
        return (resource_type, UUID(str(ident)))
    except ValueError:
        raise ValueError(f"allow-list entry {entry!r}: id is neither '*' nor a UUID") from None


def allow_entry_from_text(text: str) -> AllowEntry:
    """An entry from its text form, as tokens store and mint it (`"chat:<uuid>"`, `"chat:*"`,
    `"*:*"`), validated as `Scope` validates every entry (`ValueError` saying why): the type
    known or `*`, the id a UUID or `*`, a `*` type only with a `*` id."""
    if not isinstance(text, str):
        raise ValueError(f"allow-list entry {text!r}: expected 'type:id'")
    resource_type, sep, ident = text.partition(":")
    if not sep:
        raise ValueError(f"allow-list entry {text!r}: expected 'type:id'")
    return _parse_entry((resource_type, ident))


def allow_entry_text(entry: AllowEntry) -> str:
    """The text form of an entry (the inverse of `allow_entry_from_text`)."""
    return f"{entry[0]}:{entry[1]}"


@dataclass(frozen=True, slots=True)
class ScopeTerm:
    """What the scope admits for one (type, action) when it is restricted to some ids."""

    ids: frozenset[int]
    """`UUID.int` of the admitted object ids (empty: nothing is admitted)."""
    uuids: tuple[UUID, ...]
    """The same ids, sorted, for the SQL filter's `id = ANY(:ids)`."""


SCOPE_NONE = ScopeTerm(frozenset(), ())


@dataclass(frozen=True, slots=True, init=False)
class Scope:
    """A restriction: positive site-level permissions and an allow-list. Hashable: the
    compiled decision table is keyed by (role set, scope)."""

    permissions: tuple[Permission, ...]
    allow_list: tuple[AllowEntry, ...]
    names: tuple[str, ...]
    """The built-in names it was made from (`from_names`), for explanations."""
    pairs: frozenset[Pair] = field(repr=False, compare=False, hash=False)
    """Concrete (type, action) pairs some permission matches."""
    admits_all: bool = field(repr=False, compare=False, hash=False)
    """Restricts nothing: every pair and `("*", "*")` — compiles to the role tables as they are."""
    _terms: dict[str, ScopeTerm | None] = field(repr=False, compare=False, hash=False)
    """Memo of `_type_term` (a pure function of the allow-list)."""

    ALL: ClassVar[Scope]

    def __init__(
        self,
        permissions: Iterable[str | Permission] = (),
        allow_list: Iterable[tuple[str, UUID | str]] = ((ANY, ANY),),
        names: Iterable[str] = (),
    ) -> None:
        if isinstance(permissions, str):
            raise TypeError("Scope.permissions is a collection of 'type:action' strings")
        perms = tuple(sorted(set(map(parse_scope_permission, permissions)), key=str))
        entries = tuple(sorted(set(map(_parse_entry, allow_list)), key=lambda e: (e[0], str(e[1]))))
        pairs = frozenset(pair for perm in perms for pair in perm.pairs())
        set_ = object.__setattr__
        set_(self, "permissions", perms)
        set_(self, "allow_list", entries)
        set_(self, "names", tuple(names))
        set_(self, "pairs", pairs)
        set_(self, "admits_all", len(pairs) == len(CONCRETE_PAIRS) and (ANY, ANY) in entries)
        set_(self, "_terms", {})

    @classmethod
    def from_names(
        cls,
        names: Iterable[str],
        allow_list: Iterable[tuple[str, UUID | str]] = ((ANY, ANY),),
    ) -> Scope:
        """The union of built-in scopes (`SCOPE_NAMES`), restricted to `allow_list`."""
        if isinstance(names, str):
            raise TypeError("Scope.from_names takes a collection of names, not one string")
        wanted = tuple(dict.fromkeys(names))
        perms: list[str] = []
        for name in wanted:
            if name == ALL_NAME:
                perms.append("*:*")
            elif name in _LOW_LEVEL:
                perms.extend(_LOW_LEVEL[name])
            elif name in COMPOSITES:
                perms.extend(COMPOSITES[name])
            else:
                raise ValueError(f"unknown scope {name!r}; see authz.scopes.SCOPE_NAMES")
        return cls(perms, allow_list, wanted)

    def term(self, resource_type: str, action: Action) -> ScopeTerm | None:
        """For one pair: None if every object of the type is admitted, else the admitted ids."""
        if (resource_type, action) not in self.pairs:
            return SCOPE_NONE
        return self._type_term(resource_type)

    def _type_term(self, resource_type: str) -> ScopeTerm | None:
        """What the allow-list admits of a type (memoized: one term per type, shared)."""
        memo = self._terms
        if resource_type in memo:
            return memo[resource_type]
        term = memo[resource_type] = self._allow_list_term(resource_type)
        return term

    def _allow_list_term(self, resource_type: str) -> ScopeTerm | None:
        ids: list[UUID] = []
        for entry_type, ident in self.allow_list:
            if ident == ANY and entry_type in (ANY, resource_type):
                return None
            if entry_type == resource_type and isinstance(ident, UUID):
                ids.append(ident)
        if not ids:
            return SCOPE_NONE
        return ScopeTerm(frozenset(i.int for i in ids), tuple(sorted(ids)))

    def admitting_permission(self, resource_type: str, action: Action) -> Permission | None:
        """The first permission matching the pair (for explanations)."""
        return next((p for p in self.permissions if p.matches(resource_type, action)), None)

    def admitting_entry(self, resource_type: str, ident: UUID | None) -> AllowEntry | None:
        """The first allow-list entry admitting an object (for explanations)."""
        for entry_type, entry_id in self.allow_list:
            if entry_type in (ANY, resource_type) and (
                entry_id == ANY or (ident is not None and entry_id == ident)
            ):
                return (entry_type, entry_id)
        return None

    def __str__(self) -> str:
        if self.admits_all:
            return "all"
        label = ", ".join(self.names) or ", ".join(
            f"{p.resource_type}:{p.action.value}" for p in self.permissions
        )
        allowed = ", ".join(f"{t}:{i}" for t, i in self.allow_list)
        return f"[{label}] on [{allowed}]"


Scope.ALL = Scope(("*:*",), ((ANY, ANY),), (ALL_NAME,))
