"""Minting scoped API tokens: what a requested scope may name, and the no-broadening guard.

Two pure steps, both called by the authorizing querier before a key is stored (the data layer
is the one place every entry point — API, CLI, demo seeding — passes through):

* `requested_scope(names, allow_list)` validates what a caller asks for, in the stored text
  forms (`["chat:read"]`, `["chat:<uuid>"]`): public built-in names only (`PUBLIC_SCOPE_NAMES`;
  unknown ones are named in the `InvalidScopeError`), allow-list entries `type:id` with a known
  type or `*` and a UUID or `*` id (`*` as the type needs `*` as the id), at most
  `MAX_SCOPE_NAMES` names and `MAX_ALLOW_ENTRIES` entries, at least one of each. It returns the
  parsed `Scope` and the canonical stored forms (duplicates dropped, ids lower-case).
* `check_may_mint(actor, requested)` refuses a scope broader than the actor's own
  (`ScopeEscalationError`, a `NotAuthorizedError`): every (type, action) pair the requested
  scope's permissions match must be one the actor's scope matches, and every requested
  allow-list entry must be admitted by the actor's allow-list — `(*, *)` only by `(*, *)`,
  `(type, *)` by `(*, *)` or `(type, *)`, `(type, id)` by those or the same entry. Since a
  scope admits an object exactly when a pair matches *and* an entry admits it, both subset
  conditions together make every object the new token admits one the actor's scope admits
  (property-tested). A token with `chat:read` therefore can never mint an unscoped token; an
  unscoped subject (`Scope.ALL`, every session without a token, the system) may mint any.

The `create` permission on the target user's `api_key` is a separate, ordinary check made
first by the querier; this guard only adds that a scope can never widen itself by minting.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from authz.errors import NotAuthorizedError
from authz.scopes import (
    ANY,
    SCOPE_NAMES,
    AllowEntry,
    Scope,
    allow_entry_from_text,
    allow_entry_text,
)
from authz.subjects import Subject

MAX_SCOPE_NAMES = 32
"""At most this many scope names per token (the composites make long lists unnecessary)."""
MAX_ALLOW_ENTRIES = 64
"""At most this many allow-list entries per token (each is one id the token may reach)."""

INTERNAL_SCOPE_TYPES = frozenset({"system"})
"""Resource types that exist only inside the process: no token scope may name them."""

PUBLIC_SCOPE_NAMES: tuple[str, ...] = tuple(
    name for name in SCOPE_NAMES if name.partition(":")[0] not in INTERNAL_SCOPE_TYPES
)
"""The scope names a token may be minted with, in `SCOPE_NAMES` order (`GET /auth/scopes`)."""

DEFAULT_SCOPES: tuple[str, ...] = ("all",)
DEFAULT_ALLOW_LIST: tuple[str, ...] = ("*:*",)
"""An unscoped token: what every token minted before scopes existed became."""


class InvalidScopeError(ValueError):
    """A requested scope that is malformed, unknown or too large; `str()` says which part."""


class ScopeEscalationError(NotAuthorizedError):
    """Minting a token broader than the minting subject's own scope. The public message names
    the first scope name or allow-list entry that is broader: it tells the caller about its own
    token and its own request, nothing about other data."""

    def __init__(self, *, subject_id: UUID, broader: str) -> None:
        public = f"a token may not be broader than the one that mints it: {broader}"
        super().__init__(subject_id=subject_id, internal=public, public=public)
        self.broader = broader


def requested_scope(
    names: Sequence[str], allow_list: Sequence[str]
) -> tuple[Scope, tuple[str, ...], tuple[str, ...]]:
    """Validate a requested scope; return it parsed and its canonical stored forms."""
    if isinstance(names, str) or isinstance(allow_list, str):
        raise InvalidScopeError("scopes and allow_list are lists, not one string")
    wanted = tuple(dict.fromkeys(names))
    if not wanted:
        raise InvalidScopeError("a token needs at least one scope ('all' restricts nothing)")
    if len(wanted) > MAX_SCOPE_NAMES:
        raise InvalidScopeError(f"at most {MAX_SCOPE_NAMES} scopes per token, got {len(wanted)}")
    unknown = [n for n in wanted if not isinstance(n, str) or n not in _PUBLIC]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise InvalidScopeError(
            f"unknown scope{'s' if len(unknown) > 1 else ''} {listed}: "
            "see GET /api/v2/auth/scopes for the names"
        )
    entries = tuple(dict.fromkeys(allow_list))
    if not entries:
        raise InvalidScopeError("a token needs at least one allow-list entry ('*:*' for all)")
    if len(entries) > MAX_ALLOW_ENTRIES:
        raise InvalidScopeError(
            f"at most {MAX_ALLOW_ENTRIES} allow-list entries per token, got {len(entries)}"
        )
    parsed = tuple(dict.fromkeys(_entry(text) for text in entries))
    scope = Scope.from_names(wanted, parsed)
    return scope, wanted, tuple(map(allow_entry_text, parsed))


_PUBLIC = frozenset(PUBLIC_SCOPE_NAMES)


def _entry(text: str) -> AllowEntry:
    try:
        entry = allow_entry_from_text(text)
    except ValueError as exc:
        raise InvalidScopeError(str(exc)) from None
    if entry[0] in INTERNAL_SCOPE_TYPES:
        raise InvalidScopeError(f"allow-list entry {text!r}: unknown resource type")
    return entry


def broader_part(actor: Scope, requested: Scope) -> str | None:
    """What makes `requested` broader than `actor` (None: it is not)."""
    extra = requested.pairs - actor.pairs
    if extra:
        t, a = min(extra, key=lambda p: (p[0], p[1].value))
        source = ", ".join(requested.names) or "the requested permissions"
        return f"{source} would allow {t}:{a.value}, which this token's scope does not"
    for entry in requested.allow_list:
        if not _entry_admitted(actor.allow_list, entry):
            return (
                f"allow-list entry {entry[0]}:{entry[1]} is not within this token's "
                f"allow-list ({', '.join(f'{t}:{i}' for t, i in actor.allow_list) or 'empty'})"
            )
    return None


def _entry_admitted(actor_entries: Sequence[AllowEntry], entry: AllowEntry) -> bool:
    entry_type, ident = entry
    for actor_type, actor_id in actor_entries:
        if actor_type == ANY and actor_id == ANY:
            return True
        if actor_type == entry_type != ANY and actor_id in (ANY, ident):
            return True
    return False


def check_may_mint(actor: Subject, requested: Scope) -> None:
    """Refuse (`ScopeEscalationError`) a requested scope broader than the actor's own."""
    if actor.scope.admits_all:
        return
    broader = broader_part(actor.scope, requested)
    if broader is not None:
        raise ScopeEscalationError(subject_id=actor.id, broader=broader)
