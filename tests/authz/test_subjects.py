"""Subjects: normalised on construction; system subjects are fixed, in-process and bounded."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import pytest

from authz import (
    CHATD,
    SYSTEM_RESTRICTED,
    Action,
    Authorizer,
    InvalidRoleError,
    NotAuthorizedError,
    Object,
    RoleIdentifier,
    Subject,
    SubjectType,
    resources,
)
from authz.registry import CONCRETE_PAIRS

ME = UUID("3e9b7c2a-1f4d-4a6b-8c5e-7d9f0a1b2c3d")
ORG = UUID("5c4b3a29-1807-4f6e-9d5c-4b3a29180706")
AUTHORIZER = Authorizer()


def test_roles_and_id_are_normalised() -> None:
    subject = Subject(
        id=str(ME), roles=["member", RoleIdentifier("owner"), f"organization-member:{ORG}"]
    )
    assert subject.id == ME
    assert subject.roles == (
        RoleIdentifier("member"),
        RoleIdentifier("owner"),
        RoleIdentifier("organization-member", ORG),
    )
    assert subject.type is SubjectType.USER
    with pytest.raises(dataclasses.FrozenInstanceError):
        subject.name = "x"  # type: ignore[misc]


def test_malformed_roles_are_rejected_with_a_clear_message() -> None:
    with pytest.raises(InvalidRoleError, match="organization id 'nope' is not a UUID"):
        Subject(id=ME, roles=["organization-admin:nope"])
    with pytest.raises(TypeError, match="not one string"):
        Subject(id=ME, roles="owner")
    with pytest.raises(ValueError, match=r"Subject\.id: 'me' is not a UUID"):
        Subject(id="me")


def test_equality_ignores_the_compiled_memo() -> None:
    first, second = Subject(id=ME, roles=["member"]), Subject(id=ME, roles=["member"])
    AUTHORIZER.authorize(first, Action.READ, resources.user_object(ME))
    assert first.table is not None
    assert second.table is None
    assert first == second
    assert hash(first) == hash(second)


def test_system_subjects_have_fixed_distinct_ids_and_types() -> None:
    assert SYSTEM_RESTRICTED.id == UUID(int=1)
    assert CHATD.id == UUID(int=2)
    assert SYSTEM_RESTRICTED.type is SubjectType.SYSTEM_RESTRICTED
    assert CHATD.type is SubjectType.CHATD
    # Their roles are in-process values, not names stored data could carry.
    assert SYSTEM_RESTRICTED.roles == ()
    assert CHATD.roles == ()


def test_system_restricted_may_do_everything() -> None:
    for resource_type, action in CONCRETE_PAIRS:
        AUTHORIZER.authorize(SYSTEM_RESTRICTED, action, Object(resource_type, org=ORG))


CHATD_ALLOWED = {
    ("chat", Action.CREATE),
    ("chat", Action.READ),
    ("chat", Action.UPDATE),
    ("chat", Action.DELETE),
    ("deployment_config", Action.READ),
    ("user", Action.READ),
}


@pytest.mark.parametrize(("resource_type", "action"), CONCRETE_PAIRS)
def test_chatd_has_exactly_its_grants(resource_type: str, action: Action) -> None:
    obj = Object(resource_type, owner=ME, org=ORG)
    if (resource_type, action) in CHATD_ALLOWED:
        AUTHORIZER.authorize(CHATD, action, obj)
    else:
        with pytest.raises(NotAuthorizedError):
            AUTHORIZER.authorize(CHATD, action, obj)


def test_stored_reserved_names_do_not_make_a_system_subject() -> None:
    forged = Subject(id=ME, roles=["system-restricted", "chatd"])
    with pytest.raises(NotAuthorizedError):
        AUTHORIZER.authorize(forged, Action.READ, resources.CHAT.with_owner(UUID(int=9)))


def test_unknown_org_role_grants_no_membership() -> None:
    """A user-level grant reaches own objects only in orgs the subject is a member of."""
    own_chat = resources.CHAT.with_owner(ME).in_org(ORG)
    stray = Subject(id=ME, roles=["member", "chat-access", f"agents-access:{ORG}"])
    with pytest.raises(NotAuthorizedError):
        AUTHORIZER.authorize(stray, Action.READ, own_chat)
    member = Subject(id=ME, roles=["member", "chat-access", f"organization-auditor:{ORG}"])
    AUTHORIZER.authorize(member, Action.READ, own_chat)
