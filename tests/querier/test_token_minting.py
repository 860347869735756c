"""Minting scoped tokens through the authorizing querier: the guard in the data layer.

The pure guard is tested in tests/authz/test_token_scopes.py; the method suite asserts the one
authorizer check. Here: on both faces (inner mocked), a refused scope never reaches the inner
querier and an accepted one is stored in canonical form; on real PostgreSQL, a key minted by
a scoped subject authenticates with exactly that scope.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, NotAuthorizedError, Scope, Subject, resources
from authz.testing.suite import call_method
from authz.token_scopes import InvalidScopeError, ScopeEscalationError, requested_scope
from querier.dbauthz import AsyncAuthzQuerier, AuthzQuerier, as_actor
from querier.dbauthz.actors import subject_from_row
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.protocol import Querier
from querier.generated.sql import SqlQuerier
from tests import factories as f
from tests.querier.method_cases_tokens import SCOPED_KEY
from tests.querier.method_data import CHAT_ID, NOW, OWNER

FACES = {"sync": (Querier, AuthzQuerier), "async": (AsyncQuerier, AsyncAuthzQuerier)}


def _mint(face: str, actor: Subject, scopes: tuple[str, ...], allow: tuple[str, ...]) -> Any:
    spec, wrap = FACES[face]
    inner = mock.create_autospec(spec, instance=True)
    inner.insert_api_key.return_value = SCOPED_KEY
    args = {
        "id": "abcdefghij",
        "hashed_secret": b"x" * 32,
        "user_id": actor.id,
        "expires_at": NOW,
        "scopes": scopes,
        "allow_list": allow,
    }
    with as_actor(actor):
        call_method(wrap(inner, Authorizer()), "insert_api_key", args)
    return inner


@pytest.mark.parametrize("face", FACES)
def test_stored_in_canonical_form(face: str) -> None:
    actor = Subject(id=OWNER, roles=("member",))
    inner = _mint(face, actor, ("chat:read", "chat:read"), (f"chat:{str(CHAT_ID).upper()}",))
    kwargs = inner.insert_api_key.call_args.kwargs
    assert (kwargs["scopes"], kwargs["allow_list"]) == (("chat:read",), (f"chat:{CHAT_ID}",))


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize(
    ("actor_scope", "scopes", "allow", "error"),
    [
        # A token that may mint keys and read chats cannot mint an unscoped one …
        ((["api_key:create", "chat:read"], ["*:*"]), ("all",), ("*:*",), ScopeEscalationError),
        # … nor widen its allow-list …
        ((["api_key:create", "chat:read"], ["api_key:*", f"chat:{CHAT_ID}"]), ("chat:read",),
         ("chat:*",), ScopeEscalationError),
        # … and a chat:read token may not mint at all (no api_key:create in its scope).
        ((["chat:read"], ["*:*"]), ("chat:read",), ("*:*",), NotAuthorizedError),
        # Unknown names: refused whoever asks.
        (None, ("chat:fly",), ("*:*",), InvalidScopeError),
        (None, ("chat:read",), ("chat:nope",), InvalidScopeError),
    ],
)  # fmt: skip
def test_refused_before_the_insert(
    face: str,
    actor_scope: tuple[list[str], list[str]] | None,
    scopes: tuple[str, ...],
    allow: tuple[str, ...],
    error: type[Exception],
) -> None:
    scope = Scope.ALL if actor_scope is None else requested_scope(*actor_scope)[0]
    actor = Subject(id=OWNER, roles=("member",), scope=scope)
    spec, wrap = FACES[face]
    inner = mock.create_autospec(spec, instance=True)
    args = {
        "id": "abcdefghij",
        "hashed_secret": b"x" * 32,
        "user_id": OWNER,
        "expires_at": NOW,
        "scopes": scopes,
        "allow_list": allow,
    }
    with as_actor(actor), pytest.raises(error):
        call_method(wrap(inner, Authorizer()), "insert_api_key", args)
    inner.insert_api_key.assert_not_called()


def test_minting_for_another_user_needs_create_on_its_keys(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    alice, bob, owner = f.user(raw, "chat-access"), f.user(raw), f.user(raw, "owner")
    az = AuthzQuerier(raw, Authorizer())
    args: dict[str, Any] = {
        "hashed_secret": b"s" * 32,
        "expires_at": datetime.now(UTC) + timedelta(days=1),
        "scopes": ("chat:read",),
        "allow_list": ("*:*",),
    }
    with as_actor(Subject(id=alice.id, roles=("member", "chat-access"))):
        with pytest.raises(NotAuthorizedError):
            az.insert_api_key(id="k" + uuid.uuid4().hex[:12], user_id=bob.id, **args)
        az.insert_api_key(id="k" + uuid.uuid4().hex[:12], user_id=alice.id, **args)
    with as_actor(Subject(id=owner.id, roles=("member", "owner"))):
        az.insert_api_key(id="k" + uuid.uuid4().hex[:12], user_id=bob.id, **args)
    assert len(raw.get_api_keys_by_user_id(user_id=bob.id)) == 1


def test_a_minted_key_authenticates_with_its_scope(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    alice = f.user(raw, "chat-access")
    chat = f.chat(raw, alice)
    minter = Subject(
        id=alice.id,
        roles=("member", "chat-access"),
        scope=requested_scope(["api_key:create", "chat:use"], ["*:*"])[0],
    )
    key_id = "k" + uuid.uuid4().hex[:12]
    with as_actor(minter):
        AuthzQuerier(raw, Authorizer()).insert_api_key(
            id=key_id,
            hashed_secret=b"s" * 32,
            user_id=alice.id,
            expires_at=datetime.now(UTC) + timedelta(days=1),
            scopes=("chat:read",),
            allow_list=(f"chat:{str(chat.id).upper()}",),
        )
    row = raw.get_authorization_by_api_key(id=key_id)
    assert (row.scopes, row.allow_list) == (("chat:read",), (f"chat:{chat.id}",))
    subject = subject_from_row(row)
    assert subject.scope == Scope.from_names(["chat:read"], [("chat", chat.id)])
    authorizer = Authorizer()
    authorizer.authorize(subject, Action.READ, chat.rbac_object())
    with pytest.raises(NotAuthorizedError):
        authorizer.authorize(subject, Action.UPDATE, chat.rbac_object())
    with pytest.raises(NotAuthorizedError):
        authorizer.authorize(subject, Action.CREATE, resources.CHAT.with_owner(alice.id))
