"""The error tree: vague public messages, detail for logs, denials found through chains."""

from __future__ import annotations

from uuid import UUID

import pytest

from authz import (
    Action,
    Authorizer,
    InvalidRoleError,
    NoActorError,
    NotAuthorizedError,
    Subject,
    is_not_authorized_error,
    resources,
)

ME = UUID(int=11)


def test_denial_is_vague_in_public_and_detailed_inside() -> None:
    subject = Subject(id=ME, roles=["member"])
    chat = resources.CHAT.with_owner(ME)
    with pytest.raises(NotAuthorizedError) as caught:
        Authorizer().authorize(subject, Action.READ, chat)
    err = caught.value
    assert str(err) == "not authorized"
    assert (err.subject_id, err.action, err.object) == (ME, Action.READ, chat)
    assert err.internal == f"subject {ME} may not read chat(owner={ME})"


def test_internal_prefers_the_given_text_then_the_explanation() -> None:
    assert NotAuthorizedError(internal="custom").internal == "custom"
    subject = Subject(id=ME, roles=["member"])
    explanation = Authorizer().explain(subject, Action.READ, resources.CHAT.with_owner(ME))
    assert NotAuthorizedError(explanation=explanation).internal == str(explanation)
    assert str(NotAuthorizedError(public="not allowed to assign role 'owner'")) == (
        "not allowed to assign role 'owner'"
    )


def test_no_actor_is_a_denial() -> None:
    err = NoActorError()
    assert isinstance(err, NotAuthorizedError)
    assert str(err) == "not authorized"
    assert "no actor" in err.internal


def test_is_not_authorized_error_walks_cause_and_context() -> None:
    assert is_not_authorized_error(NotAuthorizedError())
    assert is_not_authorized_error(NoActorError())
    assert not is_not_authorized_error(ValueError("x"))
    assert not is_not_authorized_error(None)

    with pytest.raises(RuntimeError) as wrapped:
        _raise_from_denial()
    assert is_not_authorized_error(wrapped.value)

    with pytest.raises(KeyError) as during:
        _raise_while_handling_denial()
    assert is_not_authorized_error(during.value)


def _raise_from_denial() -> None:
    try:
        raise NoActorError()
    except NotAuthorizedError as inner:
        raise RuntimeError("wrapped") from inner


def _raise_while_handling_denial() -> None:
    try:
        raise NotAuthorizedError()
    except NotAuthorizedError:
        raise KeyError("during handling")  # noqa: B904 - the implicit __context__ is the point


def test_is_not_authorized_error_survives_cycles() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert not is_not_authorized_error(a)


def test_invalid_role_error_is_a_value_error() -> None:
    assert issubclass(InvalidRoleError, ValueError)
    assert not issubclass(InvalidRoleError, NotAuthorizedError)
