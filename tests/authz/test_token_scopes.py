"""Minting scoped tokens: what a requested scope may name, and that it never exceeds the
minting subject's own (`authz.token_scopes`; pure, no database)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authz import Action, Authorizer, NotAuthorizedError, Object, Scope, Subject
from authz.registry import CONCRETE_PAIRS
from authz.token_scopes import (
    MAX_ALLOW_ENTRIES,
    MAX_SCOPE_NAMES,
    PUBLIC_SCOPE_NAMES,
    InvalidScopeError,
    ScopeEscalationError,
    broader_part,
    check_may_mint,
    requested_scope,
)

CHAT_X = uuid.UUID("00000000-0000-4000-8000-00000000aa01")
CHAT_Y = uuid.UUID("00000000-0000-4000-8000-00000000aa02")
ME = uuid.UUID("00000000-0000-4000-8000-00000000bb01")


def scoped(names: list[str], entries: list[str]) -> Subject:
    return Subject(id=ME, roles=("owner",), scope=requested_scope(names, entries)[0])


# --- validation ----------------------------------------------------------------------------------


def test_canonical_forms_drop_duplicates_and_lower_case_ids() -> None:
    scope, names, entries = requested_scope(
        ["chat:read", "chat:use", "chat:read"], [f"chat:{str(CHAT_X).upper()}", f"chat:{CHAT_X}"]
    )
    assert names == ("chat:read", "chat:use")
    assert entries == (f"chat:{CHAT_X}",)
    assert scope == Scope.from_names(["chat:read", "chat:use"], [("chat", CHAT_X)])


def test_unknown_names_are_all_named() -> None:
    with pytest.raises(InvalidScopeError, match=r"unknown scopes 'chat:fly', 'everything'"):
        requested_scope(["chat:read", "chat:fly", "everything"], ["*:*"])


@pytest.mark.parametrize("name", ["system:read", "system:*"])
def test_internal_types_are_not_public_scopes(name: str) -> None:
    assert name not in PUBLIC_SCOPE_NAMES
    with pytest.raises(InvalidScopeError, match="unknown scope"):
        requested_scope([name], ["*:*"])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("chat", "expected 'type:id'"),
        ("nope:*", "unknown resource type"),
        ("system:*", "unknown resource type"),
        ("chat:42", "neither '\\*' nor a UUID"),
        (f"*:{CHAT_X}", "a '\\*' type needs a '\\*' id"),
    ],
)
def test_malformed_allow_entries_say_why(entry: str, message: str) -> None:
    with pytest.raises(InvalidScopeError, match=message):
        requested_scope(["chat:read"], [entry])


def test_counts_are_bounded_and_not_empty() -> None:
    with pytest.raises(InvalidScopeError, match="at least one scope"):
        requested_scope([], ["*:*"])
    with pytest.raises(InvalidScopeError, match="at least one allow-list entry"):
        requested_scope(["all"], [])
    with pytest.raises(InvalidScopeError, match=f"at most {MAX_SCOPE_NAMES} scopes"):
        requested_scope(list(PUBLIC_SCOPE_NAMES[: MAX_SCOPE_NAMES + 1]), ["*:*"])
    many = [f"chat:{uuid.UUID(int=i)}" for i in range(MAX_ALLOW_ENTRIES + 1)]
    with pytest.raises(InvalidScopeError, match=f"at most {MAX_ALLOW_ENTRIES} allow-list"):
        requested_scope(["chat:read"], many)
    assert len(requested_scope(["chat:read"], many[:-1])[2]) == MAX_ALLOW_ENTRIES


# --- the guard -----------------------------------------------------------------------------------


def test_a_chat_read_token_cannot_mint_an_unscoped_one() -> None:
    actor = scoped(["api_key:create", "chat:read"], ["*:*"])
    with pytest.raises(ScopeEscalationError, match="would allow api_key:delete") as info:
        check_may_mint(actor, Scope.ALL)
    assert isinstance(info.value, NotAuthorizedError)


def test_narrower_or_equal_scopes_may_be_minted() -> None:
    actor = scoped(["api_key:create", "chat:use"], ["chat:*", "api_key:*"])
    for names, entries in (
        (["chat:read"], [f"chat:{CHAT_X}"]),
        (["chat:read", "chat:update"], ["chat:*"]),
        (["api_key:create", "chat:use"], ["chat:*", "api_key:*"]),
    ):
        check_may_mint(actor, requested_scope(names, entries)[0])


@pytest.mark.parametrize(
    ("actor_entries", "requested", "ok"),
    [
        (["*:*"], ["*:*"], True),
        (["chat:*"], ["*:*"], False),  # a wildcard only from the same wildcard
        (["chat:*"], ["chat:*"], True),
        ([f"chat:{CHAT_X}"], ["chat:*"], False),
        ([f"chat:{CHAT_X}"], [f"chat:{CHAT_X}"], True),
        ([f"chat:{CHAT_X}"], [f"chat:{CHAT_Y}"], False),
        (["user:*"], [f"chat:{CHAT_X}"], False),
    ],
)
def test_allow_list_entries_must_be_admitted(
    actor_entries: list[str], requested: list[str], ok: bool
) -> None:
    actor = scoped(["chat:read"], actor_entries)
    want = requested_scope(["chat:read"], requested)[0]
    assert (broader_part(actor.scope, want) is None) is ok


def test_an_unscoped_subject_may_mint_anything() -> None:
    check_may_mint(Subject(id=ME, roles=("member",)), requested_scope(["all"], ["*:*"])[0])


# --- property: a minted token never admits what its minter's scope does not ---------------------

_NAMES = st.lists(st.sampled_from(PUBLIC_SCOPE_NAMES), min_size=1, max_size=3)
_ENTRIES = st.lists(
    st.sampled_from(
        ["*:*", "chat:*", "user:*", "api_key:*", f"chat:{CHAT_X}", f"chat:{CHAT_Y}", f"user:{ME}"]
    ),
    min_size=1,
    max_size=3,
)
_OBJECTS = [
    Object(t, ident, owner=ME)
    for t in sorted({t for t, _ in CONCRETE_PAIRS})
    for ident in (None, CHAT_X, CHAT_Y, ME)
]
_AUTHORIZER = Authorizer()


def _allowed(subject: Subject, action: Action, obj: Object) -> bool:
    try:
        _AUTHORIZER.authorize(subject, action, obj)
    except NotAuthorizedError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(_NAMES, _ENTRIES, _NAMES, _ENTRIES)
def test_whatever_the_guard_lets_through_admits_nothing_more(
    actor_names: list[str], actor_entries: list[str], names: list[str], entries: list[str]
) -> None:
    """An owner (roles allow everything), so each decision is the scope's alone."""
    actor = scoped(actor_names, actor_entries)
    requested = requested_scope(names, entries)[0]
    minted = Subject(id=ME, roles=("owner",), scope=requested)
    broader = broader_part(actor.scope, requested)
    if broader is not None:
        with pytest.raises(ScopeEscalationError):
            check_may_mint(actor, requested)
        return
    check_may_mint(actor, requested)
    for resource_type, action in CONCRETE_PAIRS:
        for obj in _OBJECTS:
            if obj.type == resource_type and _allowed(minted, action, obj):
                assert _allowed(actor, action, obj), (resource_type, action, obj)
