"""Who is acting: the actor lives in a context variable, so it follows threads and tasks.

A `ContextVar` is per thread (a new thread starts with no actor) and is copied into each asyncio
task, so concurrent requests can never see each other's actor. No actor means `NoActorError`,
which is a `NotAuthorizedError`: forgetting to set one denies, it never allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from authz import NoActorError, Subject
from authz.subjects import CHATD, SYSTEM_RESTRICTED

_ACTOR: ContextVar[Subject | None] = ContextVar("dbauthz_actor", default=None)


@contextmanager
def as_actor(subject: Subject) -> Iterator[Subject]:
    """Run the block as `subject`; the previous actor (or none) is restored afterwards."""
    if not isinstance(subject, Subject):
        raise TypeError(f"as_actor needs a Subject, got {type(subject).__name__}")
    token = _ACTOR.set(subject)
    try:
        yield subject
    finally:
        _ACTOR.reset(token)


@contextmanager
def without_actor() -> Iterator[None]:
    """Run the block with no actor at all (tests of the fail-closed path)."""
    token = _ACTOR.set(None)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def current_actor() -> Subject:
    actor = _ACTOR.get()
    if actor is None:
        raise NoActorError()
    return actor


def as_system_restricted() -> AbstractContextManager[Subject]:
    """Internal jobs (building a request's subject, migrations of data): broad, audited by name."""
    return as_actor(SYSTEM_RESTRICTED)


def as_chatd() -> AbstractContextManager[Subject]:
    """The chat daemon: chat CRUD, deployment config read, user read."""
    return as_actor(CHATD)
