"""Errors of the policy engine, designed up front as one small tree.

    Exception
     └── NotAuthorizedError        a denial; str() is the vague public message
          ├── NoActorError         no actor in context: fail closed, never open
          └── RoleEscalationError  a custom role would grant what the actor lacks; str()
                                   names that permission (`authz.escalation`)
    ValueError
     └── InvalidRoleError          malformed, unknown or mis-levelled role identifier where a
                                   valid role is required (parsing, assigning)

Programming errors (an action the resource type does not have, an unknown resource type, a
malformed id) are plain `ValueError`s: they are bugs to fix, not decisions to log.

The public message stays vague so that a denial reveals nothing (not even whether the object
exists); the detail for logs and `explain` lives in attributes (`subject_id`, `action`,
`object`, `internal`, `explanation`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from authz.explain import Explanation
    from authz.objects import Object
    from authz.registry import Action

PUBLIC_MESSAGE = "not authorized"


class NotAuthorizedError(Exception):
    """The subject may not do this. Catch it to map to 403/404; log `internal`, show `str()`."""

    def __init__(
        self,
        *,
        subject_id: UUID | None = None,
        action: Action | str | None = None,
        object: Object | None = None,
        internal: str | None = None,
        public: str = PUBLIC_MESSAGE,
        explanation: Explanation | None = None,
    ) -> None:
        super().__init__(public)
        self.subject_id = subject_id
        self.action = action
        self.object = object
        self.public = public
        self.explanation = explanation
        self._internal = internal

    @property
    def internal(self) -> str:
        """Detail for logs. Built on demand: the deny path stays cheap when nobody reads it."""
        if self._internal is not None:
            return self._internal
        if self.explanation is not None:
            return str(self.explanation)
        action = "(unknown action)" if self.action is None else str(self.action)
        target = "(unknown object)" if self.object is None else str(self.object)
        return f"subject {self.subject_id} may not {action} {target}"

    def __str__(self) -> str:
        return self.public


class NoActorError(NotAuthorizedError):
    """No actor was set in the context. Forgetting one must deny, never allow."""

    def __init__(self, internal: str = "no actor in context: the call was not authorized") -> None:
        super().__init__(internal=internal)


class RoleEscalationError(NotAuthorizedError):
    """Defining, changing or assigning a custom role that grants something the actor may not
    do itself. Unlike other denials the public message names the first such permission: it
    tells the actor about its own rights and the role it submitted, nothing about other data.
    """

    def __init__(self, *, subject_id: UUID, role: str, lacking: str, public: str) -> None:
        super().__init__(subject_id=subject_id, internal=public, public=public)
        self.role = role
        """The role, as `name:<org-uuid>`."""
        self.lacking = lacking
        """The first permission the actor lacks, e.g. `chat:update (org level, from chat:*)`."""


class InvalidRoleError(ValueError):
    """A role identifier that is malformed, unknown, or given at the wrong level."""


def is_not_authorized_error(err: BaseException | None) -> bool:
    """True if `err`, or any exception it was raised from or during, is a denial.

    Walks `__cause__` and `__context__` (so a denial wrapped by another layer still maps to
    403/404 rather than 500), guarding against cycles.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [] if err is None else [err]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NotAuthorizedError):
            return True
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False
