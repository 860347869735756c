"""The per-method suite kit: one declarative case per method, run three ways, fully accounted.

A case names the method, its arguments, what the mocked inner querier returns, and the exact
ordered `(object, action)` checks the wrapper must make. `MethodSuite.run` executes it:

* `success`  — a `RecordingAuthorizer` that allows: the return value is passed through and the
               recorded checks equal the declared ones exactly (no extras, same order);
* `denied`   — a `FakeAuthorizer` that denies and compiles filters to FALSE: the call raises
               `NotAuthorizedError` (a filtered query instead received the FALSE filter and
               its empty answer is passed through: `[]` for a list, e.g. 0 for a count), and
               for a write the inner method is never called;
* `no_actor` — no actor in context: `NoActorError`, and the inner querier is not touched.

`MethodSuite.missing()` names every Protocol method without a case, so a method added to the
queries and not covered fails the suite.

Async wrappers run through the same cases: a method that returns an awaitable is awaited (in a
fresh event loop that inherits the caller's context, so the actor scope applies), and the inner
mock is specced from the async Protocol (its methods become `AsyncMock`s).

Nothing here knows the shipped querier: any Protocol, any wrapper built from
`(inner, authorizer)`, any actor scope works (`examples/notes` is a project with its own).
"""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql

from authz.engine import AuthorizerProtocol
from authz.errors import NoActorError, NotAuthorizedError
from authz.objects import Object
from authz.resources import Action
from authz.subjects import Subject
from authz.testing.conformance import protocol_methods
from authz.testing.doubles import FakeAuthorizer, RecordingAuthorizer


class Mode(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    NO_ACTOR = "no_actor"


class _Same:
    def __repr__(self) -> str:
        return "SAME"


SAME: Any = _Same()
"""Default for `MethodCase.returns`: expect exactly what the inner method returned."""


@dataclass(frozen=True)
class MethodCase:
    """How one wrapper method must behave.

    `inner` maps inner-querier method names to what they return (an exception instance is
    raised instead); it must include the method itself unless it returns None.
    `writes`: the inner call of `method` must not happen when authorization fails.
    `empty_when_denied`: a denied call returns the query's answer under the FALSE filter
    (filtered in SQL) rather than raising; by default true exactly for the suite's `filtered`
    methods. `when_denied` is that answer: `[]` for a list, 0 for a count.
    """

    method: str
    args: Mapping[str, Any]
    asserts: Sequence[tuple[Object, Action]]
    inner: Mapping[str, Any] = field(default_factory=dict)
    returns: Any = SAME
    writes: bool = False
    actor: Subject | None = None
    empty_when_denied: bool | None = None
    when_denied: Any = field(default_factory=list)

    @property
    def expected(self) -> Any:
        return self.inner.get(self.method) if self.returns is SAME else self.returns


Wrap = Callable[[Any, AuthorizerProtocol], Any]
ActorScope = Callable[[Subject], AbstractContextManager[Any]]
NoActorScope = Callable[[], AbstractContextManager[Any]]


def _compiles_to_false(expr: object) -> bool:
    if not isinstance(expr, ColumnElement):
        return False
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(expr.compile(dialect=dialect)).strip().lower() == "false"


def call_method(wrapper: Any, method: str, args: Mapping[str, Any]) -> Any:
    """Call `method`; an async method is run to completion (same context, so same actor)."""
    result = getattr(wrapper, method)(**args)
    if inspect.isawaitable(result):
        return asyncio.run(_awaited(result))
    return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


@dataclass
class MethodSuite:
    """Everything the kit needs to know about one wrapper class."""

    spec: type
    """The Protocol (or class) the inner querier implements; the mock is specced from it."""
    wrap: Wrap
    """Builds the wrapper under test from (inner, authorizer)."""
    actor: Subject
    as_actor: ActorScope
    without_actor: NoActorScope
    methods: Sequence[str] | None = None
    """Every method that must have a case; by default every public method of `spec` except
    `transaction`. Pass your own list for a suite that covers only some methods."""
    filtered: frozenset[str] = frozenset()
    """Methods that take a filter argument: denied means the FALSE filter reached the query."""
    cases: list[MethodCase] = field(default_factory=list)
    no_actor_error: type[BaseException] = NoActorError
    """What the wrapper raises without an actor."""
    filter_arg: str = "authorize_filter"
    """The keyword argument through which a filtered query receives its filter."""

    def required(self) -> tuple[str, ...]:
        if self.methods is not None:
            return tuple(self.methods)
        return protocol_methods(self.spec, exclude=("transaction",))

    def add(self, *cases: MethodCase) -> None:
        self.cases.extend(cases)

    def extend(self, cases: Iterable[MethodCase]) -> None:
        self.cases.extend(cases)

    def missing(self) -> list[str]:
        covered = {c.method for c in self.cases}
        return sorted(set(self.required()) - covered)

    def duplicated(self) -> list[str]:
        methods = [c.method for c in self.cases]
        return sorted({m for m in methods if methods.count(m) > 1})

    def unknown(self) -> list[str]:
        return sorted({c.method for c in self.cases} - set(self.required()))

    def assert_complete(self) -> None:
        """Fail naming each method without a case (and duplicates, unknowns) and what to do."""
        problems = []
        if missing := self.missing():
            problems.append(
                f"methods without a case: {', '.join(missing)} — add a MethodCase for each to "
                f"this suite (arguments, the ordered checks, the inner querier's return)"
            )
        if dupes := self.duplicated():
            problems.append(f"methods with more than one case: {', '.join(dupes)} — keep one")
        if unknown := self.unknown():
            problems.append(
                f"cases for methods that do not exist: {', '.join(unknown)} — "
                f"remove them or fix the name"
            )
        if problems:
            raise AssertionError("; ".join(problems))

    def params(self) -> list[tuple[MethodCase, Mode]]:
        return [(case, mode) for case in self.cases for mode in Mode]

    def _inner_mock(self, case: MethodCase) -> Any:
        inner = mock.create_autospec(self.spec, instance=True)
        for name, value in case.inner.items():
            method = getattr(inner, name)
            if isinstance(value, BaseException):
                method.side_effect = value
            else:
                method.return_value = value
        return inner

    def run(self, case: MethodCase, mode: Mode) -> None:
        actor = case.actor or self.actor
        inner = self._inner_mock(case)
        if mode is Mode.SUCCESS:
            recorder = RecordingAuthorizer(FakeAuthorizer(allow=True))
            wrapper = self.wrap(inner, recorder)
            with self.as_actor(actor):
                result = call_method(wrapper, case.method, case.args)
            assert result == case.expected, f"{case.method}: returned {result!r}"
            got = recorder.pairs()
            want = list(case.asserts)
            assert got == want, f"{case.method}: checked {got}, expected {want}"
        elif mode is Mode.DENIED:
            wrapper = self.wrap(inner, FakeAuthorizer(allow=False))
            empty = case.empty_when_denied
            if empty is None:
                empty = case.method in self.filtered
            if empty:
                getattr(inner, case.method).return_value = case.when_denied
                with self.as_actor(actor):
                    result = call_method(wrapper, case.method, case.args)
                assert result == case.when_denied, f"{case.method}: denied, returned {result!r}"
                call = getattr(inner, case.method).call_args
                assert call is not None, f"{case.method}: the filtered query was never run"
                assert _compiles_to_false(call.kwargs.get(self.filter_arg)), (
                    f"{case.method}: the denied filter did not reach the query"
                )
                return
            with self.as_actor(actor):
                try:
                    call_method(wrapper, case.method, case.args)
                except NotAuthorizedError:
                    pass
                else:
                    raise AssertionError(f"{case.method}: a denied call did not raise")
            if case.writes:
                getattr(inner, case.method).assert_not_called()
        else:
            wrapper = self.wrap(inner, FakeAuthorizer(allow=True))
            with self.without_actor():
                try:
                    call_method(wrapper, case.method, case.args)
                except self.no_actor_error:
                    pass
                else:
                    raise AssertionError(f"{case.method}: a call without an actor did not raise")
            assert inner.method_calls == [], (
                f"{case.method}: touched the database without an actor: {inner.method_calls}"
            )
