"""`Object.for_row`: the generated rows' fast `rbac_object()` equals the parsed object."""

from __future__ import annotations

import uuid

from authz import Object, resources


def test_for_row_equals_the_object_built_with_parsing() -> None:
    owner, org, oid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fast = Object(type="chat").for_row(oid, owner, org)
    assert fast == Object(type="chat", id=oid, owner=owner, org=org)
    assert fast == resources.CHAT.with_id(oid).with_owner(owner).in_org(org)
    assert Object(type="chat").for_row(None, owner, None) == resources.CHAT.with_owner(owner)
