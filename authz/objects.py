"""`Object`: the thing a check is about — a resource type and, when known, its id, owner and org.

Objects are frozen values compared by value, so a test can assert the exact object a method
checked. Ids are normalised to `uuid.UUID` once, at construction, together with their integer
form: the engine compares owners and looks orgs up by that integer, which keeps the warm
`authorize` path free of `UUID.__eq__`/`__hash__` (both Python-level and slow).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from uuid import UUID

from authz.acl import AclEntries, AclIndex, AclInput, index_acl, parse_acl
from authz.registry import check_object_type

_log = logging.getLogger("authz")

IdLike = UUID | str
"""Ids are accepted as `UUID` or their string form."""


def to_uuid(value: IdLike, what: str) -> UUID:
    """`value` as a `UUID`; a malformed id is a `ValueError` naming `what` it was meant to be."""
    if type(value) is UUID:
        return value
    if isinstance(value, UUID):
        return UUID(int=value.int)
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            raise ValueError(f"{what}: {value!r} is not a UUID") from None
    raise TypeError(f"{what}: expected a UUID or its string form, got {type(value).__name__}")


def _optional_uuid(value: IdLike | None, what: str) -> UUID | None:
    return None if value is None else to_uuid(value, what)


@dataclass(frozen=True, slots=True, init=False)
class Object:
    """An authorization object. Build it from a resource constant: `CHAT.with_owner(u).in_org(o)`.

    Ids may be given as `UUID` or string; they are stored as `UUID`. `acl_users` / `acl_groups`
    map a user / group id to the actions the ACL grants (`authz.acl`); `in_any_org` asks "in
    some organization of the subject's, or personally" (see `any_org()`).
    """

    type: str
    id: UUID | None
    owner: UUID | None
    org: UUID | None
    acl_users: AclEntries = field(hash=False)
    acl_groups: AclEntries = field(hash=False)
    in_any_org: bool
    """Set by `any_org()` (or `Object(..., any_org=True)`): see `any_org`."""
    _id_key: int | None = field(repr=False, compare=False, hash=False)
    """`id.int`, for the scope's allow-list."""
    _owner_key: int | None = field(repr=False, compare=False, hash=False)
    """`owner.int`, precomputed for the engine's hot path."""
    _org_key: int | None = field(repr=False, compare=False, hash=False)
    """`org.int`, precomputed for the engine's hot path."""
    _acl: AclIndex | None = field(repr=False, compare=False, hash=False)
    """The ACL keyed by `UUID.int`, `*` expanded; None without entries (the engine's test)."""
    _slow: bool = field(repr=False, compare=False, hash=False)
    """Has an ACL or asks about any org: the fast path's denial is not the last word."""

    def __init__(
        self,
        type: str,
        id: IdLike | None = None,
        owner: IdLike | None = None,
        org: IdLike | None = None,
        *,
        acl_users: AclInput | None = None,
        acl_groups: AclInput | None = None,
        any_org: bool = False,
    ) -> None:
        check_object_type(type)
        if not isinstance(any_org, bool):
            raise TypeError(f"Object.any_org must be a bool, got {any_org!r}")
        if any_org and org is not None:
            raise ValueError("an any-org object has no org of its own: use in_org or any_org")
        users = parse_acl(type, acl_users, "Object.acl_users")
        groups = parse_acl(type, acl_groups, "Object.acl_groups")
        self._set(
            type,
            _optional_uuid(id, "Object.id"),
            _optional_uuid(owner, "Object.owner"),
            _optional_uuid(org, "Object.org"),
            users,
            groups,
            any_org,
        )

    def _set(
        self,
        type: str,
        id: UUID | None,
        owner: UUID | None,
        org: UUID | None,
        users: AclEntries,
        groups: AclEntries,
        any_org: bool,
        acl: AclIndex | bool | None = True,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "type", type)
        set_(self, "id", id)
        set_(self, "owner", owner)
        set_(self, "org", org)
        set_(self, "acl_users", users)
        set_(self, "acl_groups", groups)
        set_(self, "in_any_org", any_org)
        set_(self, "_id_key", None if id is None else id.int)
        set_(self, "_owner_key", None if owner is None else owner.int)
        set_(self, "_org_key", None if org is None else org.int)
        index = index_acl(type, users, groups) if acl is True else acl
        set_(self, "_acl", index)
        set_(self, "_slow", index is not None or any_org)

    def _copy(
        self,
        id: UUID | None,
        owner: UUID | None,
        org: UUID | None,
        any_org: bool,
    ) -> Object:
        """The same ACL (already validated and indexed) with other columns."""
        new = object.__new__(Object)
        new._set(self.type, id, owner, org, self.acl_users, self.acl_groups, any_org, self._acl)
        return new

    def for_row(self, id: UUID | None, owner: UUID | None, org: UUID | None) -> Object:
        """This object's type (and ACL) with a database row's columns, already `UUID`s.

        The hot path of every fetch-then-check (`rbac_object()` of the generated rows): the
        columns come typed from the driver, so parsing them again (`Object(...)`, a few
        microseconds) would only cost time.
        """
        new = object.__new__(Object)
        set_ = object.__setattr__
        set_(new, "type", self.type)
        set_(new, "id", id)
        set_(new, "owner", owner)
        set_(new, "org", org)
        set_(new, "acl_users", self.acl_users)
        set_(new, "acl_groups", self.acl_groups)
        set_(new, "in_any_org", self.in_any_org)
        set_(new, "_id_key", None if id is None else id.int)
        set_(new, "_owner_key", None if owner is None else owner.int)
        set_(new, "_org_key", None if org is None else org.int)
        set_(new, "_acl", self._acl)
        set_(new, "_slow", self._slow)
        return new

    def with_id(self, id: IdLike | None) -> Object:
        return self._copy(_optional_uuid(id, "Object.id"), self.owner, self.org, self.in_any_org)

    def with_owner(self, owner: IdLike | None) -> Object:
        owner_id = _optional_uuid(owner, "Object.owner")
        return self._copy(self.id, owner_id, self.org, self.in_any_org)

    def in_org(self, org: IdLike | None) -> Object:
        """The object in `org` (None: no org). Replaces `any_org()`: the last builder wins."""
        return self._copy(self.id, self.owner, _optional_uuid(org, "Object.org"), False)

    def any_org(self) -> Object:
        """Ask about the object "in some organization of the subject's, or personally".

        Allowed when the same object would be allowed without an org or in any one org the
        subject is a member of — votes are never mixed across orgs. Replaces `in_org`.
        """
        return self._copy(self.id, self.owner, None, True)

    def with_acl(self, *, users: AclInput | None = None, groups: AclInput | None = None) -> Object:
        """The object with this ACL (replacing any it had): `{id: {Action.READ, "*"}}`."""
        new = object.__new__(Object)
        new._set(
            self.type,
            self.id,
            self.owner,
            self.org,
            parse_acl(self.type, users, "Object.acl_users"),
            parse_acl(self.type, groups, "Object.acl_groups"),
            self.in_any_org,
        )
        return new

    def with_stored_acl(self, users: object, groups: object) -> Object:
        """The object with an ACL read from storage (JSON `{"<id>": ["read"]}` maps).

        Empty maps — nearly every row — return `self` untouched, so a row without an ACL costs
        nothing. A stored ACL that does not parse (corrupt data) is logged and dropped: it
        must never crash a read, and dropping it can only take access away.
        """
        if not users and not groups:
            return self
        try:
            return self.with_acl(users=users, groups=groups)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            _log.warning("%s %s: ignoring malformed stored ACL (%s)", self.type, self.id, exc)
            return self

    def __str__(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (("id", self.id), ("owner", self.owner), ("org", self.org))
            if value is not None
        ]
        if self.in_any_org:
            parts.append("org=any")
        for label, entries in (("acl_users", self.acl_users), ("acl_groups", self.acl_groups)):
            if entries:
                shown = "; ".join(
                    f"{ident}: {'/'.join(sorted(a.value for a in actions))}"
                    for ident, actions in entries.items()
                )
                parts.append(f"{label}={{{shown}}}")
        return f"{self.type}({', '.join(parts)})"
