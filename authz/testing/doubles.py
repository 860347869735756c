"""Authorizer doubles: record what was asked, or answer without a policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from authz.engine import Authorizer, AuthorizerProtocol, PreparedProtocol
from authz.errors import NotAuthorizedError
from authz.explain import Explanation
from authz.objects import Object
from authz.resources import Action
from authz.subjects import Subject


@dataclass(frozen=True, slots=True)
class Check:
    """One question put to the authorizer. `prepare` calls record the bare resource type."""

    subject: Subject
    action: Action
    object: Object


@dataclass(frozen=True, slots=True)
class FakePrepared:
    allow: bool
    resource_type: str

    @property
    def always_allowed(self) -> bool:
        return self.allow

    @property
    def never_allowed(self) -> bool:
        # Deliberately False even when denying: the filter must still reach the query as FALSE,
        # so the suite can see that lists are filtered in SQL rather than skipped.
        return False

    @property
    def never_allowed_with_acl(self) -> bool:
        return False

    def authorize(self, obj: Object) -> None:
        if not self.allow:
            raise NotAuthorizedError(internal=f"FakeAuthorizer denies {self.resource_type}")

    def sql_filter(
        self,
        *,
        owner: ColumnElement[Any] | None,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None = None,
        user_acl: ColumnElement[Any] | None = None,
        group_acl: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]:
        return sa.true() if self.allow else sa.false()

    def acl_sql_filter(
        self,
        *,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None,
        user_acl: ColumnElement[Any] | None,
        group_acl: ColumnElement[Any] | None,
    ) -> ColumnElement[bool]:
        return sa.true() if self.allow else sa.false()


class FakeAuthorizer:
    """Allows everything (`allow=True`) or denies everything, filters included."""

    def __init__(self, *, allow: bool = True) -> None:
        self.allow = allow

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None:
        if not self.allow:
            raise NotAuthorizedError(
                subject_id=subject.id, action=action, object=obj, internal="FakeAuthorizer denies"
            )

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> FakePrepared:
        return FakePrepared(self.allow, resource_type)

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation:
        return Authorizer().explain(subject, action, obj)


@dataclass
class RecordingAuthorizer:
    """Wraps an authorizer and records each check, in order."""

    wrapped: AuthorizerProtocol = field(default_factory=FakeAuthorizer)
    checks: list[Check] = field(default_factory=list)

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None:
        self.checks.append(Check(subject, action, obj))
        self.wrapped.authorize(subject, action, obj)

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> PreparedProtocol:
        self.checks.append(Check(subject, action, Object(type=resource_type)))
        return self.wrapped.prepare(subject, action, resource_type)

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation:
        return self.wrapped.explain(subject, action, obj)

    def pairs(self) -> list[tuple[Object, Action]]:
        return [(c.object, c.action) for c in self.checks]

    def reset(self) -> None:
        self.checks.clear()


def _typecheck(fake: FakeAuthorizer, rec: RecordingAuthorizer) -> tuple[AuthorizerProtocol, ...]:
    """Never called: mypy proves here that both doubles satisfy the protocol."""
    return (fake, rec)
