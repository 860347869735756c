"""A compiled decision as a SQLAlchemy boolean expression over an object's columns.

    (role terms OR acl terms) AND scope term

Role terms: `org IN (:orgs) OR (owner = :me AND (org IS NULL OR org IN (:own_orgs)))`, each
part present only when the rule needs it (`org IS NULL` only if the user level allows
personal objects; a single org is `= :org`, several are `= ANY(:orgs)` with a UUID array).

ACL terms (only when the table has ACL columns, the role terms are not already TRUE and the
scope admits something): `user_acl @> :{"<me>": ["<action>"]}` or `@> {"<me>": ["*"]}`, under
`org IS NULL OR org = ANY(:member_orgs)`; and per group (own groups and Everyone groups = the
member orgs) `group_acl @> {"<g>": ["<action>"]}` / `["*"]`, under `org = ANY(:member_orgs)`.
Containment `@>` with a constant is what a GIN index on the column serves (`jsonb_path_ops`
or the default opclass), so "shared with me" stays index-backed.

Scope term: TRUE (omitted), FALSE, or `id = ANY(:ids)` for an allow-list of ids.

Every value is a bound parameter, so the expression compiles to the same SQL text for every
actor of a shape, and nothing the actor controls is ever spliced into SQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import JSONB

from authz.registry import WILDCARD, Action
from authz.subjects import Subject
from authz.tables import Decision, DecisionTable, Rule

_UUID = sa.Uuid()
_UUID_ARRAY = sa.ARRAY(sa.Uuid())
_JSONB = JSONB()


@dataclass(frozen=True, slots=True)
class FilterColumns:
    """Where a table keeps an object's columns; None: the table has no such column."""

    owner: ColumnElement[Any] | None
    org: ColumnElement[Any] | None
    id: ColumnElement[Any] | None = None
    user_acl: ColumnElement[Any] | None = None
    group_acl: ColumnElement[Any] | None = None

    def key(self) -> tuple[int, int, int, int, int]:
        """Columns by identity (SQLAlchemy overloads `==`, so they cannot be compared)."""
        return (id(self.owner), id(self.org), id(self.id), id(self.user_acl), id(self.group_acl))

    def same(self, other: FilterColumns) -> bool:
        return (
            self.owner is other.owner
            and self.org is other.org
            and self.id is other.id
            and self.user_acl is other.user_acl
            and self.group_acl is other.group_acl
        )


class FilterCache:
    """Built filters, keyed by (table, decision, subject, action, columns) — LRU, bounded.

    Building a SQLAlchemy expression costs tens of microseconds, more than everything else in
    a list call's authorization; the same actor listing the same table gets the same filter.
    Columns are compared by identity (SQLAlchemy overloads `==`) and kept referenced by the
    entry, so a key's `id()` can never be reused while the entry lives. Callers that build
    fresh column objects per call simply miss, at no cost to correctness.
    """

    __slots__ = ("_entries", "_lock", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[Any, ...], _FilterEntry] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        table: DecisionTable,
        decision: Decision,
        subject: Subject,
        action: Action,
        columns: FilterColumns,
    ) -> ColumnElement[bool]:
        # The table fixes the member orgs and the scope; the subject's id and groups the ACL
        # terms. Tables and decisions are kept referenced by the entry, so ids stay unique.
        key = (id(table), id(decision), subject.id_key, subject.group_keys, action, columns.key())
        with self._lock:
            entry = self._entries.get(key)
            if (
                entry is not None
                and entry.table is table
                and entry.decision is decision
                and entry.columns.same(columns)
            ):
                self._entries.move_to_end(key)
                return entry.expr
        expr = build_filter(table, decision, subject, action, columns)
        if self.maxsize:
            with self._lock:
                self._entries[key] = _FilterEntry(table, decision, columns, expr)
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return expr


@dataclass(frozen=True, slots=True)
class _FilterEntry:
    table: DecisionTable
    decision: Decision
    columns: FilterColumns
    expr: ColumnElement[bool]


def build_filter(
    table: DecisionTable,
    decision: Decision,
    subject: Subject,
    action: Action,
    columns: FilterColumns,
) -> ColumnElement[bool]:
    """`(role OR acl) AND scope` as SQL over `columns` (see the module docstring)."""
    scope = decision.scope
    if scope is not None and (not scope.ids or columns.id is None):
        # Nothing admitted, or only ids of a table without an id column (objects without an id
        # are admitted only by a wildcard entry).
        return sa.false()
    role = role_filter(decision.role, subject.id, columns.owner, columns.org)
    if role is _TRUE:
        allowed: ColumnElement[bool] = role
    else:
        acl = acl_filter(table, subject, action, columns)
        if acl is None:
            allowed = role
        elif role is _FALSE:
            allowed = acl
        else:
            allowed = sa.or_(role, acl)
    if scope is None:
        return allowed
    assert columns.id is not None
    admitted = _in(columns.id, "authz_scope_ids", scope.uuids)
    if allowed is _TRUE:
        return admitted
    if allowed is _FALSE:
        return allowed
    return sa.and_(allowed, admitted)


_TRUE = sa.true()
_FALSE = sa.false()


def role_filter(
    rule: Rule,
    me: UUID,
    owner: ColumnElement[Any] | None,
    org: ColumnElement[Any] | None,
) -> ColumnElement[bool]:
    """The role path's `rule` as SQL (None for a column: the table has none, i.e. NULL)."""
    if rule.always is not None:
        return _TRUE if rule.always else _FALSE
    allowed: list[ColumnElement[bool]] = []
    if org is not None and rule.allowed_org_ids:
        allowed.append(_in(org, "authz_orgs", rule.allowed_org_ids))
    if owner is not None:
        own_object = _owned_object(rule, org)
        if own_object is not None:
            mine = owner == sa.bindparam("authz_me", me, type_=_UUID, unique=True)
            allowed.append(mine if own_object is True else sa.and_(mine, own_object))
    if not allowed:
        return _FALSE
    return allowed[0] if len(allowed) == 1 else sa.or_(*allowed)


def acl_filter(
    table: DecisionTable, subject: Subject, action: Action, columns: FilterColumns
) -> ColumnElement[bool] | None:
    """The ACL path as SQL, or None when it cannot allow anything for these columns."""
    org = columns.org
    member_orgs = table.member_org_ids
    terms: list[ColumnElement[bool]] = []
    if columns.user_acl is not None:
        granted = _granted(columns.user_acl, "authz_acl_me", subject.id, action)
        if org is None:
            terms.append(granted)
        else:
            where: ColumnElement[bool] = org.is_(None)
            if member_orgs:
                where = sa.or_(where, _in(org, "authz_acl_orgs", member_orgs))
            terms.append(sa.and_(where, granted))
    if columns.group_acl is not None and org is not None and member_orgs:
        groups = [
            _granted(columns.group_acl, "authz_acl_group", group, action)
            for group in dict.fromkeys((*subject.groups, *member_orgs))
        ]
        any_group = groups[0] if len(groups) == 1 else sa.or_(*groups)
        terms.append(sa.and_(_in(org, "authz_acl_orgs", member_orgs), any_group))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else sa.or_(*terms)


def _granted(
    column: ColumnElement[Any], name: str, ident: UUID, action: Action
) -> ColumnElement[bool]:
    """`column @> {"<id>": ["<action>"]} OR column @> {"<id>": ["*"]}` — GIN-servable forms."""
    return sa.or_(
        *(
            column.op("@>", return_type=sa.Boolean)(
                sa.bindparam(name, {str(ident): [wanted]}, type_=_JSONB, unique=True)
            )
            for wanted in (action.value, WILDCARD)
        )
    )


def _owned_object(
    rule: Rule, org: ColumnElement[Any] | None
) -> ColumnElement[bool] | Literal[True] | None:
    """Where the subject's own objects are allowed: True (everywhere), a predicate, or None."""
    if org is None:
        return True if rule.own_personal else None
    where: list[ColumnElement[bool]] = []
    if rule.own_personal:
        where.append(org.is_(None))
    if rule.own_org_ids:
        where.append(_in(org, "authz_own_orgs", rule.own_org_ids))
    if not where:
        return None
    return where[0] if len(where) == 1 else sa.or_(*where)


def _in(column: ColumnElement[Any], name: str, ids: Sequence[UUID]) -> ColumnElement[bool]:
    if len(ids) == 1:
        return column == sa.bindparam(name, ids[0], type_=_UUID, unique=True)
    return column == sa.any_(sa.bindparam(name, list(ids), type_=_UUID_ARRAY, unique=True))
