"""`Object`: the thing a check is about — a resource type and, when known, its id, owner and org.

Objects are frozen values compared by value, so a test can assert the exact object a method
checked. Ids are normalised to `uuid.UUID` once, at construction, together with their integer
form: the engine compares owners and looks orgs up by that integer, which keeps the warm
`authorize` path free of `UUID.__eq__`/`__hash__` (both Python-level and slow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from authz.registry import check_object_type

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

    Ids may be given as `UUID` or string; they are stored as `UUID`.
    """

    type: str
    id: UUID | None
    owner: UUID | None
    org: UUID | None
    _owner_key: int | None = field(repr=False, compare=False, hash=False)
    """`owner.int`, precomputed for the engine's hot path."""
    _org_key: int | None = field(repr=False, compare=False, hash=False)
    """`org.int`, precomputed for the engine's hot path."""

    def __init__(
        self,
        type: str,
        id: IdLike | None = None,
        owner: IdLike | None = None,
        org: IdLike | None = None,
    ) -> None:
        check_object_type(type)
        owner_id = _optional_uuid(owner, "Object.owner")
        org_id = _optional_uuid(org, "Object.org")
        set_ = object.__setattr__
        set_(self, "type", type)
        set_(self, "id", _optional_uuid(id, "Object.id"))
        set_(self, "owner", owner_id)
        set_(self, "org", org_id)
        set_(self, "_owner_key", None if owner_id is None else owner_id.int)
        set_(self, "_org_key", None if org_id is None else org_id.int)

    def with_id(self, id: IdLike | None) -> Object:
        return Object(self.type, id, self.owner, self.org)

    def with_owner(self, owner: IdLike | None) -> Object:
        return Object(self.type, self.id, owner, self.org)

    def in_org(self, org: IdLike | None) -> Object:
        return Object(self.type, self.id, self.owner, org)

    def __str__(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (("id", self.id), ("owner", self.owner), ("org", self.org))
            if value is not None
        ]
        return f"{self.type}({', '.join(parts)})"
