"""A compiled `Rule` as a SQLAlchemy boolean expression over an object's columns.

    org IN (:orgs) OR (owner = :me AND (org IS NULL OR org IN (:own_orgs)))

with each part present only when the rule needs it (`org IS NULL` only if the user level
allows personal objects; a single org is `= :org`, several are `= ANY(:orgs)` with a UUID
array bind). Every value is a bound parameter, so the expression compiles to the same SQL
text for every actor of a shape, and nothing the actor controls is ever spliced into SQL.
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

from authz.subjects import Subject
from authz.tables import Rule

_UUID = sa.Uuid()
_UUID_ARRAY = sa.ARRAY(sa.Uuid())


class FilterCache:
    """Built filters, keyed by (rule, subject id, owner column, org column) — LRU, bounded.

    Building a SQLAlchemy expression costs tens of microseconds, more than everything else in
    a list call's authorization; the same actor listing the same table gets the same filter.
    Columns are compared by identity (SQLAlchemy overloads `==`) and kept referenced by the
    entry, so a key's `id()` can never be reused while the entry lives. Callers that build
    fresh column objects per call simply miss, at no cost to correctness.
    """

    __slots__ = ("_entries", "_lock", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[int, int, int, int], _FilterEntry] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        rule: Rule,
        subject: Subject,
        owner: ColumnElement[Any] | None,
        org: ColumnElement[Any] | None,
    ) -> ColumnElement[bool]:
        key = (id(rule), subject.id_key, id(owner), id(org))
        with self._lock:
            entry = self._entries.get(key)
            if (
                entry is not None
                and entry.rule is rule
                and entry.owner is owner
                and entry.org is org
            ):
                self._entries.move_to_end(key)
                return entry.expr
        expr = build_filter(rule, subject.id, owner, org)
        if self.maxsize:
            with self._lock:
                self._entries[key] = _FilterEntry(rule, owner, org, expr)
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return expr


@dataclass(frozen=True, slots=True)
class _FilterEntry:
    rule: Rule
    owner: ColumnElement[Any] | None
    org: ColumnElement[Any] | None
    expr: ColumnElement[bool]


def build_filter(
    rule: Rule,
    me: UUID,
    owner: ColumnElement[Any] | None,
    org: ColumnElement[Any] | None,
) -> ColumnElement[bool]:
    """`rule` as SQL over the given columns (None: the table has no such column, i.e. NULL)."""
    if rule.always is not None:
        return sa.true() if rule.always else sa.false()
    allowed: list[ColumnElement[bool]] = []
    if org is not None and rule.allowed_org_ids:
        allowed.append(_org_in(org, "authz_orgs", rule.allowed_org_ids))
    if owner is not None:
        own_object = _owned_object(rule, org)
        if own_object is not None:
            mine = owner == sa.bindparam("authz_me", me, type_=_UUID, unique=True)
            allowed.append(mine if own_object is True else sa.and_(mine, own_object))
    if not allowed:
        return sa.false()
    return allowed[0] if len(allowed) == 1 else sa.or_(*allowed)


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
        where.append(_org_in(org, "authz_own_orgs", rule.own_org_ids))
    if not where:
        return None
    return where[0] if len(where) == 1 else sa.or_(*where)


def _org_in(org: ColumnElement[Any], name: str, orgs: Sequence[UUID]) -> ColumnElement[bool]:
    if len(orgs) == 1:
        return org == sa.bindparam(name, orgs[0], type_=_UUID, unique=True)
    return org == sa.any_(sa.bindparam(name, list(orgs), type_=_UUID_ARRAY, unique=True))
