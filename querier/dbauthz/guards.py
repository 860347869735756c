"""Data rules the authorizing querier enforces besides permissions.

* **The last owner.** No role or status change may leave the deployment without an owner who
  can act (`owner` in `users.rbac_roles`, status not `suspended` — a `dormant` user's tokens
  still work, so it still counts). The check runs on rows locked by
  `GetUserAndOwnersForUpdate`, so two owners demoting each other concurrently still leave one.
* **A role in use stays.** A custom role that any member holds cannot be deleted
  (`CustomRoleInUseError`, with the count); the delete counts holders in its own statement.
* **Usage is a fact, not input.** Token counts and cost on a message are recorded by the system
  that ran the model — the `chatd` actor — and by nobody else, owners included.
* **References are read like rows.** A row referenced by a write (the user and organization of
  a membership, a message's model config) that the actor may not read is reported exactly like a
  missing one, so a foreign key cannot be used to probe for ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

from authz import Action, NotAuthorizedError, Subject, resources, roles
from authz.subjects import SubjectType
from querier.errors import ForeignKeyViolationError, NotFoundError, QuerierError
from querier.generated.models import User, UserStatus


class LastOwnerError(QuerierError):
    """The change would leave no owner able to act (the API answers 409)."""

    def __init__(self, user: User) -> None:
        super().__init__(
            f"{user.username} is the last active owner: make another user an owner (and active) "
            "first"
        )
        self.user_id = user.id


class CustomRoleInUseError(QuerierError):
    """Deleting a role that members still hold (the API answers 409 with the count)."""

    def __init__(self, name: str, members: int) -> None:
        noun = "member holds" if members == 1 else "members hold"
        super().__init__(
            f"role {name!r} is in use: {members} {noun} it; unassign it from them first"
        )
        self.members = members


def can_act_as_owner(user: User) -> bool:
    return roles.OWNER in user.rbac_roles and user.status is not UserStatus.SUSPENDED


def refuse_losing_last_owner(
    locked: Sequence[User], target: User, *, new_roles: Sequence[str], new_status: UserStatus
) -> None:
    """Raise `LastOwnerError` if `target` is the only owner able to act and would stop being one.

    `locked` holds every owner able to act, locked, plus the target (as returned by
    `GetUserAndOwnersForUpdate`).
    """
    if not can_act_as_owner(target):
        return
    if roles.OWNER in new_roles and new_status is not UserStatus.SUSPENDED:
        return
    if any(can_act_as_owner(u) for u in locked if u.id != target.id):
        return
    raise LastOwnerError(target)


def locked_target(locked: Sequence[User], user_id: UUID, query: str) -> User:
    for user in locked:
        if user.id == user_id:
            return user
    raise NotFoundError(query)


class UsageNotAllowedError(NotAuthorizedError):
    """Someone other than `chatd` tried to record token counts or cost."""

    def __init__(self, actor: Subject) -> None:
        super().__init__(
            subject_id=actor.id,
            action=Action.UPDATE,
            object=resources.CHAT,
            internal=f"{actor} may not record token counts or cost: only chatd records usage",
            public="token counts and cost are recorded by the system, not by clients",
        )


def refuse_usage_from_non_chatd(actor: Subject, *values: int) -> None:
    if any(values) and actor.type is not SubjectType.CHATD:
        raise UsageNotAllowedError(actor)


class ReferenceNotFoundError(NotFoundError):
    """A referenced row is missing *or* unreadable: one error, one text, for both."""


@contextmanager
def references_hidden(query: str) -> Iterator[None]:
    """Report an unreadable reference, and a foreign-key violation, as `ReferenceNotFoundError`.

    Use it around the reference checks and the write: a denial there and the database's own
    foreign-key error become the same error with the same text (no constraint name leaks).
    """
    try:
        yield
    except (NotAuthorizedError, ForeignKeyViolationError):
        raise ReferenceNotFoundError(query) from None
