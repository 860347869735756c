"""The authorizer: decide one check, or prepare a decision for a whole resource type.

Each distinct role set is compiled once (`authz.tables`) into a table keyed by (type, action);
the compiled table is kept in a bounded LRU cache here and memoized on the `Subject` value, so
a warm check is one attribute read, one dict lookup and a comparison or two.

`prepare` returns the same decision for a resource type, usable per object or as a SQL
predicate over the object's columns (`authz.sqlfilter`). Where the answer does not depend on
the row it is TRUE / FALSE, and `always_allowed` / `never_allowed` say so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from authz.errors import NotAuthorizedError
from authz.explain import Explanation, explain
from authz.objects import Object
from authz.registry import Action, check_action, check_object_type
from authz.sqlfilter import FilterCache, build_filter
from authz.subjects import Subject
from authz.tables import DecisionTable, Rule, compile_role_set

DEFAULT_CACHE_SIZE = 4096
DEFAULT_FILTER_CACHE_SIZE = 1024


class PreparedProtocol(Protocol):
    """A decision for one (subject, action, resource type), per object or as SQL."""

    @property
    def always_allowed(self) -> bool: ...

    @property
    def never_allowed(self) -> bool: ...

    def authorize(self, obj: Object) -> None: ...

    def sql_filter(
        self,
        *,
        owner: ColumnElement[Any] | None,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]: ...


class AuthorizerProtocol(Protocol):
    """What the authorizing querier needs; `authz.testing` ships doubles against it."""

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None: ...

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> PreparedProtocol: ...

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation: ...


def _check_pair(resource_type: str, action: Action | str) -> Action:
    """Reject a check the registry cannot express: it is a bug in the caller, not a denial."""
    check_object_type(resource_type)
    parsed = check_action(resource_type, action)
    if parsed is Action.WILDCARD:
        raise ValueError("'*' is a wildcard for permissions; a check needs a concrete action")
    return parsed


def _rule_allows(rule: Rule, owner_key: int | None, org_key: int | None, me: int) -> bool:
    always = rule.always
    if always is not None:
        return always
    if org_key is None:
        return rule.own_personal and owner_key == me
    any_object = rule.orgs.get(org_key)
    return any_object is True or (any_object is False and owner_key == me)


class Authorizer:
    """The policy engine. Thread-safe; share one per process.

    `cache_size` bounds how many compiled role sets are kept (LRU). Built-in roles are static
    and a role change yields a new role set, so entries never go stale. `filter_cache_size`
    bounds the built SQL filters kept (see `FilterCache`); 0 disables either cache.
    """

    __slots__ = ("_compile", "_filters", "cache_size")

    def __init__(
        self,
        cache_size: int = DEFAULT_CACHE_SIZE,
        *,
        filter_cache_size: int = DEFAULT_FILTER_CACHE_SIZE,
    ) -> None:
        if cache_size < 0 or filter_cache_size < 0:
            raise ValueError(f"cache sizes must be >= 0, got {cache_size}, {filter_cache_size}")
        self.cache_size = cache_size
        self._compile: functools._lru_cache_wrapper[DecisionTable] = functools.lru_cache(
            maxsize=cache_size
        )(compile_role_set)
        self._filters = FilterCache(filter_cache_size)

    def cache_info(self) -> functools._CacheInfo:
        """Hits, misses and size of the compiled role-set cache (for metrics and tests)."""
        return self._compile.cache_info()

    def table(self, subject: Subject) -> DecisionTable:
        """The subject's compiled decision table (compiled on first use, then memoized)."""
        table = subject.table
        if table is None:
            table = self._compile(subject.role_key)
            object.__setattr__(subject, "table", table)
        return table

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None:
        """Return if `subject` may do `action` on `obj`; raise `NotAuthorizedError` if not."""
        # `_rule_allows`, inlined: this is the hot path and a call costs as much as the logic.
        table = subject.table
        if table is None:
            table = self.table(subject)
        rule = table.rules.get((obj.type, action))
        if rule is not None:
            always = rule.always
            if always is None:
                org = obj._org_key
                if org is None:
                    if rule.own_personal and obj._owner_key == subject.id_key:
                        return
                else:
                    any_object = rule.orgs.get(org)
                    if any_object or (any_object is False and obj._owner_key == subject.id_key):
                        return
            elif always:
                return
        else:
            _check_pair(obj.type, action)
        raise NotAuthorizedError(subject_id=subject.id, action=action, object=obj)

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> PreparedAuthorizer:
        """The decision for every object of `resource_type`, ready for objects or SQL."""
        rule = self.table(subject).rules.get((resource_type, action))
        if rule is None:
            _check_pair(resource_type, action)
            raise AssertionError("unreachable: every valid pair has a rule")  # pragma: no cover
        parsed = action if type(action) is Action else Action(action)
        return PreparedAuthorizer(subject, parsed, resource_type, rule, self._filters)

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation:
        """Why `authorize` decides as it does; see `authz.explain`."""
        return explain(subject, _check_pair(obj.type, action), obj)


@dataclass(frozen=True, slots=True)
class PreparedAuthorizer:
    """The compiled rule for one (subject, action, resource type)."""

    subject: Subject
    action: Action
    resource_type: str
    rule: Rule
    filters: FilterCache | None = field(default=None, repr=False, compare=False)
    """Where built filters are kept; see `FilterCache`."""

    @property
    def always_allowed(self) -> bool:
        """Every object of the type is allowed: the filter is TRUE."""
        return self.rule.always is True

    @property
    def never_allowed(self) -> bool:
        """No object of the type is allowed: the filter is FALSE, skip the query."""
        return self.rule.always is False

    def authorize(self, obj: Object) -> None:
        if obj.type != self.resource_type:
            raise ValueError(
                f"prepared for {self.resource_type!r}, asked about a {obj.type!r} object"
            )
        if not _rule_allows(self.rule, obj._owner_key, obj._org_key, self.subject.id_key):
            raise NotAuthorizedError(subject_id=self.subject.id, action=self.action, object=obj)

    def sql_filter(
        self,
        *,
        owner: ColumnElement[Any] | None,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]:
        """The decision as a boolean SQL expression over the object's columns.

        `None` for a column means the table has no such column: the object's value is NULL
        (users have no org; `id` is accepted for symmetry — no rule depends on it today).
        Values are bound parameters only; NULL results count as "not allowed", as in WHERE.
        """
        rule = self.rule
        if rule.always is not None:
            return sa.true() if rule.always else sa.false()
        if self.filters is None:
            return build_filter(rule, self.subject.id, owner, org)
        return self.filters.get(rule, self.subject, owner, org)
