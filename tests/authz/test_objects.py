"""Objects: frozen values, ids normalised to UUID, unknown types rejected at construction."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import pytest

from authz import Object, resources

U = UUID("6f1c0a52-5f4e-4b8e-9d55-6a1f2d8c9e01")
ORG = UUID("0c7c3f1a-9a4b-4e0f-8a8e-2b1d5c6e7f80")


def test_builders_return_new_frozen_objects() -> None:
    chat = resources.CHAT.with_id(U).with_owner(U).in_org(ORG)
    assert chat == Object("chat", id=U, owner=U, org=ORG)
    assert Object("chat") == resources.CHAT  # the constant is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        chat.owner = None  # type: ignore[misc]


def test_string_ids_are_normalised_and_compare_equal() -> None:
    from_str = resources.CHAT.with_owner(str(U)).in_org(str(ORG).upper())
    from_uuid = resources.CHAT.with_owner(U).in_org(ORG)
    assert from_str == from_uuid
    assert hash(from_str) == hash(from_uuid)
    assert isinstance(from_str.owner, UUID)


def test_builders_accept_none_to_clear() -> None:
    assert resources.CHAT.in_org(ORG).in_org(None) == resources.CHAT


def test_malformed_id_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match=r"Object\.owner: 'not-a-uuid' is not a UUID"):
        resources.CHAT.with_owner("not-a-uuid")
    with pytest.raises(TypeError, match="expected a UUID or its string form, got int"):
        resources.CHAT.with_id(5)  # type: ignore[arg-type]


def test_unknown_or_wildcard_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown resource type 'workspace'"):
        Object("workspace")
    with pytest.raises(ValueError, match="needs a concrete type"):
        Object("*")


def test_str_is_compact_for_logs() -> None:
    assert str(resources.CHAT.with_owner(U)) == f"chat(owner={U})"
    assert str(resources.SYSTEM) == "system()"
