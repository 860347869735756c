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

from sqlalchemy import ColumnElement

from authz.acl import acl_allows, group_entries_allow
from authz.errors import NotAuthorizedError
from authz.explain import Explanation, explain
from authz.objects import Object
from authz.registry import Action, check_action, check_object_type
from authz.scopes import Scope, ScopeTerm
from authz.sqlfilter import FilterCache, FilterColumns, build_filter
from authz.subjects import RoleSetKey, Subject
from authz.tables import NEVER as NEVER_RULE
from authz.tables import Decision, DecisionTable, Rule, compile_role_set, with_scope

DEFAULT_CACHE_SIZE = 4096
DEFAULT_FILTER_CACHE_SIZE = 1024


class PreparedProtocol(Protocol):
    """A decision for one (subject, action, resource type), per object or as SQL."""

    @property
    def always_allowed(self) -> bool: ...

    @property
    def never_allowed(self) -> bool: ...

    @property
    def never_allowed_with_acl(self) -> bool: ...

    def authorize(self, obj: Object) -> None: ...

    def sql_filter(
        self,
        *,
        owner: ColumnElement[Any] | None,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None = None,
        user_acl: ColumnElement[Any] | None = None,
        group_acl: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]: ...

    def acl_sql_filter(
        self,
        *,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None,
        user_acl: ColumnElement[Any] | None,
        group_acl: ColumnElement[Any] | None,
    ) -> ColumnElement[bool]: ...


class AuthorizerProtocol(Protocol):
    """What the authorizing querier needs; `authz.testing` ships doubles against it."""

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None: ...

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> PreparedProtocol: ...

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation: ...


def is_allowed(
    authorizer: AuthorizerProtocol, subject: Subject, action: Action, obj: Object
) -> bool:
    """`authorize` as a yes/no, for code that branches on the answer rather than refusing (what
    to show, which targets count). A denial is not an error there, so nothing is raised."""
    try:
        authorizer.authorize(subject, action, obj)
    except NotAuthorizedError:
        return False
    return True


def _check_pair(resource_type: str, action: Action | str) -> Action:
    """Reject a check the registry cannot express: it is a bug in the caller, not a denial."""
    check_object_type(resource_type)
    parsed = check_action(resource_type, action)
    if parsed is Action.WILDCARD:
        raise ValueError("'*' is a wildcard for permissions; a check needs a concrete action")
    return parsed


def _role_allows(rule: Rule, obj: Object, me: int) -> bool:
    """The role path for one object (any-org included); see `authz.tables`."""
    always = rule.always
    if always is not None:
        return always
    owned = obj._owner_key == me
    if obj.in_any_org:
        return rule.any_org_any or (owned and rule.any_org_own)
    org_key = obj._org_key
    if org_key is None:
        return rule.own_personal and owned
    any_object = rule.orgs.get(org_key)
    return any_object is True or (any_object is False and owned)


def decide(table: DecisionTable, subject: Subject, action: Action, obj: Object) -> bool:
    """`(role OR acl) AND scope` for one object: the engine's complete decision."""
    decision = table.decisions[(obj.type, action)]
    scope = decision.scope
    if scope is not None and obj._id_key not in scope.ids:
        return False
    if _role_allows(decision.role, obj, subject.id_key):
        return True
    acl = obj._acl
    return acl is not None and acl_allows(
        acl,
        action,
        subject.id_key,
        subject.group_keys,
        table.member_org_keys,
        obj._org_key,
        obj.in_any_org,
    )


def _beyond_fast_path(
    table: DecisionTable,
    role: Rule,
    scope: ScopeTerm | None,
    subject: Subject,
    action: Action,
    obj: Object,
) -> bool:
    """`decide` after the fast path (`table.rules`) did not allow: for a pair the scope narrows
    to ids (`scope` set: the fast path used a stand-in), an any-org object, or an ACL. Called
    only then, so none of it costs the common check anything; `_role_allows` and the user
    ACL entry are inlined because a call costs as much as the logic."""
    me = subject.id_key
    if scope is not None and obj._id_key not in scope.ids:
        return False
    if scope is not None or obj.in_any_org:
        # The role path (`_role_allows`); without a scope the fast path already tried a
        # plain object, so only an any-org one gets here.
        always = role.always
        if always is not None:
            if always:
                return True
        elif obj.in_any_org:
            if role.any_org_any or (obj._owner_key == me and role.any_org_own):
                return True
        else:
            org_key = obj._org_key
            if org_key is None:
                if role.own_personal and obj._owner_key == me:
                    return True
            else:
                any_object = role.orgs.get(org_key)
                if any_object or (any_object is False and obj._owner_key == me):
                    return True
    # Else (scope admits all, object in one org or none) the fast path was the role decision.
    acl = obj._acl
    if acl is None:
        return False
    org = obj._org_key
    members = table.member_org_keys
    if org is None or org in members:
        granted = acl.users.get(me)
        if granted is not None and action in granted:
            return True
    if acl.groups and (members if obj.in_any_org else org in members):
        return group_entries_allow(acl, action, subject.group_keys, members)
    return False


class Authorizer:
    """The policy engine. Thread-safe; share one per process.

    `cache_size` bounds how many compiled role sets are kept (LRU). Built-in roles are static,
    a role change yields a new role set, and custom roles are keyed by their definition
    (version included, see `authz.custom_roles`), so entries never go stale. `filter_cache_size`
    bounds the built SQL filters kept (see `FilterCache`); 0 disables either cache.
    """

    __slots__ = ("_compile", "_compile_roles", "_filters", "cache_size")

    def __init__(
        self,
        cache_size: int = DEFAULT_CACHE_SIZE,
        *,
        filter_cache_size: int = DEFAULT_FILTER_CACHE_SIZE,
    ) -> None:
        if cache_size < 0 or filter_cache_size < 0:
            raise ValueError(f"cache sizes must be >= 0, got {cache_size}, {filter_cache_size}")
        self.cache_size = cache_size
        roles: functools._lru_cache_wrapper[DecisionTable] = functools.lru_cache(
            maxsize=cache_size
        )(compile_role_set)
        self._compile_roles = roles

        def compile_scoped(key: RoleSetKey, scope: Scope) -> DecisionTable:
            return with_scope(roles(key), scope)

        self._compile: functools._lru_cache_wrapper[DecisionTable] = functools.lru_cache(
            maxsize=cache_size
        )(compile_scoped)
        self._filters = FilterCache(filter_cache_size)

    def cache_info(self) -> functools._CacheInfo:
        """Hits, misses and size of the compiled (role set, scope) cache (metrics and tests)."""
        return self._compile.cache_info()

    def table(self, subject: Subject) -> DecisionTable:
        """The subject's compiled decision table, keyed by (role set, scope): compiled on first
        use (the role set once, then narrowed per scope), then memoized on the subject."""
        table = subject.table
        if table is None:
            table = self._compile(subject.role_key, subject.scope)
            object.__setattr__(subject, "table", table)
        return table

    def authorize(self, subject: Subject, action: Action, obj: Object) -> None:
        """Return if `subject` may do `action` on `obj`; raise `NotAuthorizedError` if not."""
        # `_role_allows`, inlined: this is the hot path and a call costs as much as the logic.
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
            # Not allowed by the roles. That is final unless the object has an ACL or asks
            # about any org, or the scope narrows this pair to ids (a stand-in rule).
            scoped = rule.scoped
            if scoped is not None:
                # A pair the scope narrows to ids: admitted ids of plain objects get the role
                # rule's fast path again, inline (a call costs as much as the check).
                scope = scoped.scope
                assert scope is not None
                if obj._id_key in scope.ids:
                    role = scoped.role
                    always = role.always
                    if obj._slow:
                        if _beyond_fast_path(table, role, scope, subject, action, obj):
                            return
                    elif always is None:
                        org = obj._org_key
                        if org is None:
                            if role.own_personal and obj._owner_key == subject.id_key:
                                return
                        else:
                            any_object = role.orgs.get(org)
                            if any_object or (
                                any_object is False and obj._owner_key == subject.id_key
                            ):
                                return
                    elif always:
                        return
            elif obj._slow:
                # "Shared with me?" — the user entry, inline; everything else in the call.
                acl = obj._acl
                if acl is not None:
                    org = obj._org_key
                    if org is None or org in table.member_org_keys:
                        granted = acl.users.get(subject.id_key)
                        if granted is not None and action in granted:
                            return
                if _beyond_fast_path(table, rule, None, subject, action, obj):
                    return
        else:
            _check_pair(obj.type, action)
        raise NotAuthorizedError(subject_id=subject.id, action=action, object=obj)

    def prepare(self, subject: Subject, action: Action, resource_type: str) -> PreparedAuthorizer:
        """The decision for every object of `resource_type`, ready for objects or SQL."""
        table = self.table(subject)
        decision = table.decisions.get((resource_type, action))
        if decision is None:
            _check_pair(resource_type, action)
            raise AssertionError("unreachable: every valid pair has a rule")  # pragma: no cover
        parsed = action if type(action) is Action else Action(action)
        return PreparedAuthorizer(subject, parsed, resource_type, table, decision, self._filters)

    def explain(self, subject: Subject, action: Action, obj: Object) -> Explanation:
        """Why `authorize` decides as it does; see `authz.explain`."""
        return explain(subject, _check_pair(obj.type, action), obj)


@functools.lru_cache(maxsize=1024)
def _acl_only(scope: ScopeTerm | None) -> Decision:
    """The decision of the ACL path alone (roles allow nothing) under `scope`; one per scope."""
    return Decision(role=NEVER_RULE, scope=scope)


@dataclass(frozen=True, slots=True)
class PreparedAuthorizer:
    """The compiled decision for one (subject, action, resource type)."""

    subject: Subject
    action: Action
    resource_type: str
    table: DecisionTable = field(repr=False)
    decision: Decision
    filters: FilterCache | None = field(default=None, repr=False, compare=False)
    """Where built filters are kept; see `FilterCache`."""

    @property
    def rule(self) -> Rule:
        """The role path's rule (before the scope and the ACL)."""
        return self.decision.role

    @property
    def always_allowed(self) -> bool:
        """Every object of the type is allowed: the filter is TRUE."""
        return self.decision.role.always is True and self.decision.scope is None

    @property
    def never_allowed(self) -> bool:
        """No object of the type is allowed by the roles and the scope: the filter is FALSE
        for a table without ACL columns. Objects with an ACL may still be allowed by it —
        see `never_allowed_with_acl` before skipping a query on a table that has an ACL."""
        decision = self.decision
        return self.never_allowed_with_acl or decision.role.always is False

    @property
    def never_allowed_with_acl(self) -> bool:
        """No object at all is allowed, ACL or not: the scope admits none."""
        scope = self.decision.scope
        return scope is not None and not scope.ids

    def authorize(self, obj: Object) -> None:
        if obj.type != self.resource_type:
            raise ValueError(
                f"prepared for {self.resource_type!r}, asked about a {obj.type!r} object"
            )
        if not decide(self.table, self.subject, self.action, obj):
            raise NotAuthorizedError(subject_id=self.subject.id, action=self.action, object=obj)

    def sql_filter(
        self,
        *,
        owner: ColumnElement[Any] | None,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None = None,
        user_acl: ColumnElement[Any] | None = None,
        group_acl: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]:
        """The decision as a boolean SQL expression over the object's columns:
        `(role terms OR acl terms) AND scope term`.

        `None` for a column means the table has no such column: the object's value is NULL
        (users have no org), and an absent ACL column is an empty ACL. `user_acl` /
        `group_acl` are JSONB columns `{"<id>": ["read", ...]}` (Coder's shape; ids as
        canonical lower-case UUID text, as `str(UUID)` writes them). Values are
        bound parameters only; NULL results count as "not allowed", as in WHERE.
        """
        columns = FilterColumns(owner, org, id, user_acl, group_acl)
        if self.filters is None:
            return build_filter(self.table, self.decision, self.subject, self.action, columns)
        return self.filters.get(self.table, self.decision, self.subject, self.action, columns)

    def acl_sql_filter(
        self,
        *,
        org: ColumnElement[Any] | None,
        id: ColumnElement[Any] | None,
        user_acl: ColumnElement[Any] | None,
        group_acl: ColumnElement[Any] | None,
    ) -> ColumnElement[bool]:
        """Only the ACL path, AND the scope term: the objects an ACL entry grants the action to
        the subject ("shared with me"), whatever its roles say. The same terms as in
        `sql_filter` (GIN-servable `@>`), so a list can AND them in to walk the ACL indexes.

        Cached like `sql_filter` (building the `@>` terms costs hundreds of microseconds): the
        ACL-only decision is one object per scope term (`_acl_only`), so the cache finds it.
        """
        columns = FilterColumns(None, org, id, user_acl, group_acl)
        decision = _acl_only(self.decision.scope)
        if self.filters is None:
            return build_filter(self.table, decision, self.subject, self.action, columns)
        return self.filters.get(self.table, decision, self.subject, self.action, columns)
