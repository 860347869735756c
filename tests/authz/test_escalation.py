"""The escalation guard at the engine level: who may define, change, delete, assign custom roles.

Each refusal is checked for its kind — `NotAuthorizedError` (vague: the action on
`assign_org_role` is missing) or `RoleEscalationError` (names the first permission the actor
lacks) — and, where the guard decides, for the exact permission named.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from authz import (
    Action,
    Authorizer,
    CustomRole,
    InvalidRoleError,
    LackedPermission,
    NotAuthorizedError,
    Permission,
    RoleEscalationError,
    Scope,
    Subject,
    authorize_role_change,
    check_may_grant_role,
    is_not_authorized_error,
    lacking_permission,
    may_grant_role,
    resources,
)
from authz.testing import RecordingAuthorizer

ME = UUID("00000000-0000-4000-8000-000000000001")
ORG_A = UUID("00000000-0000-4000-8000-0000000000a0")
ORG_B = UUID("00000000-0000-4000-8000-0000000000b0")
AUTHORIZER = Authorizer()

CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE
ASSIGN, UNASSIGN = Action.ASSIGN, Action.UNASSIGN


def actor(*roles: str, scope: Scope = Scope.ALL, custom: tuple[CustomRole, ...] = ()) -> Subject:
    return Subject(id=ME, roles=("member", *roles), scope=scope, custom_roles=custom)


OWNER = actor("owner")
ORG_ADMIN_A = actor(f"organization-member:{ORG_A}", f"organization-admin:{ORG_A}")
ORG_USER_ADMIN_A = actor(f"organization-member:{ORG_A}", f"organization-user-admin:{ORG_A}")
CHAT_USER_IN_A = actor("chat-access", f"organization-member:{ORG_A}")


def role(*org: str, member: tuple[str, ...] = (), at: UUID = ORG_A, name: str = "r") -> CustomRole:
    return CustomRole(at, name, "R", org=org, member=member)


def lacking(subject: Subject, candidate: CustomRole) -> str | None:
    found = lacking_permission(subject, candidate, AUTHORIZER)
    return None if found is None else str(found)


# --- the escalation attempts -------------------------------------------------------


def test_an_org_admin_of_a_cannot_define_a_role_in_b() -> None:
    in_b = role("chat:read", at=ORG_B)
    with pytest.raises(NotAuthorizedError) as refused:
        authorize_role_change(ORG_ADMIN_A, CREATE, in_b, AUTHORIZER)
    assert not isinstance(refused.value, RoleEscalationError)  # stopped before the guard
    assert str(refused.value) == "not authorized"
    # Even an empty role: defining roles in B needs `create` on assign_org_role in B.
    with pytest.raises(NotAuthorizedError):
        authorize_role_change(ORG_ADMIN_A, CREATE, role(at=ORG_B), AUTHORIZER)
    # And the guard alone: it holds nothing in B.
    assert lacking(ORG_ADMIN_A, in_b) == "chat:read (org level)"
    # The same role in its own org is fine.
    authorize_role_change(ORG_ADMIN_A, CREATE, role("chat:read"), AUTHORIZER)


def test_an_org_user_admin_cannot_define_roles_nor_assign_one_with_chat_update() -> None:
    chat_update = role("organization_member:read", "chat:update")
    with pytest.raises(NotAuthorizedError) as refused:
        authorize_role_change(ORG_USER_ADMIN_A, CREATE, chat_update, AUTHORIZER)
    assert not isinstance(refused.value, RoleEscalationError)  # it may assign, not define
    assert lacking(ORG_USER_ADMIN_A, chat_update) == "chat:update (org level)"
    # It may assign roles — but not this one: the guard applies to assignment too.
    with pytest.raises(RoleEscalationError, match=r"would grant chat:update \(org level\)"):
        authorize_role_change(ORG_USER_ADMIN_A, ASSIGN, chat_update, AUTHORIZER)
    # A role within its own rights it may assign.
    authorize_role_change(ORG_USER_ADMIN_A, ASSIGN, role("organization_member:*"), AUTHORIZER)


def test_a_custom_role_named_owner_cannot_exist() -> None:
    with pytest.raises(InvalidRoleError, match="'owner' is a built-in role name"):
        role("chat:read", name="owner")


def test_renaming_on_update_is_refused() -> None:
    old = role("chat:read", name="chat-reviewer")
    with pytest.raises(InvalidRoleError, match="keeps the role's organization and name"):
        authorize_role_change(
            ORG_ADMIN_A, UPDATE, role("chat:read", name="reviewer"), AUTHORIZER, previous=old
        )


def test_assigning_a_custom_role_of_another_org_is_refused() -> None:
    with pytest.raises(NotAuthorizedError) as refused:
        authorize_role_change(ORG_ADMIN_A, ASSIGN, role(at=ORG_B), AUTHORIZER)
    assert not isinstance(refused.value, RoleEscalationError)


# --- the rule ----------------------------------------------------------------------------


def test_wildcards_are_expanded_and_the_first_lacking_pair_is_named() -> None:
    # An org admin holds everything in its org except deleting the organization.
    assert lacking(ORG_ADMIN_A, role("chat:*", "assign_org_role:*")) is None
    assert lacking(ORG_ADMIN_A, role("*:*")) == "organization:delete (org level, from *:*)"
    assert lacking(ORG_ADMIN_A, role(member=("organization:*",))) == (
        "organization:delete (member level, from organization:*)"
    )
    assert lacking(OWNER, role("*:*", member=("*:*",))) is None


def test_member_level_needs_authority_over_other_members_objects() -> None:
    """A chat-access member may use its own chats in org A, but may not hand "your own chats"
    to others: for every holder but itself those chats are not its own."""
    own_chats = role(member=("chat:read",))
    assert lacking(CHAT_USER_IN_A, own_chats) == "chat:read (member level)"
    assert lacking(ORG_ADMIN_A, own_chats) is None


def test_an_actor_holding_a_custom_role_may_grant_what_it_holds() -> None:
    maker = CustomRole(ORG_A, "role-maker", org=["assign_org_role:*", "chat:read"])
    subject = actor(f"organization-member:{ORG_A}", f"role-maker:{ORG_A}", custom=(maker,))
    authorize_role_change(subject, CREATE, role("chat:read"), AUTHORIZER)
    with pytest.raises(RoleEscalationError, match=r"chat:create \(org level, from chat:\*\)"):
        authorize_role_change(subject, CREATE, role("chat:*"), AUTHORIZER)


def test_the_actors_scope_counts() -> None:
    """An API key narrowed to chats cannot vouch for anything else; one narrowed to some ids
    cannot vouch for every object of the type."""
    chats = actor("owner", scope=Scope.from_names(["chat:*"]))
    assert lacking(chats, role("chat:*")) is None
    assert lacking(chats, role("organization:read")) == "organization:read (org level)"
    one_chat = actor("owner", scope=Scope(["chat:*"], [("chat", UUID(int=5))]))
    assert lacking(one_chat, role("chat:read")) == "chat:read (org level)"


def test_the_guard_asks_one_probe_per_pair() -> None:
    recorder = RecordingAuthorizer(AUTHORIZER)
    check_may_grant_role(ORG_ADMIN_A, role("chat:read", "chat:*", member=("chat:read",)), recorder)
    probes = recorder.pairs()
    assert len(probes) == len(set(probes)) == 5  # chat: create, delete, read, share, update
    for obj, _ in probes:
        assert obj == resources.CHAT.in_org(ORG_A)  # no id, no owner, no ACL


# --- create, update, delete, assign, unassign ------------------------------------------------


def test_updating_a_role_the_actor_could_not_create_is_refused() -> None:
    stored = role("organization:delete", name="org-closer")  # defined by an owner
    harmless = role("organization:read", name="org-closer")
    authorize_role_change(OWNER, UPDATE, harmless, AUTHORIZER, previous=stored)
    with pytest.raises(RoleEscalationError, match=r"organization:delete \(org level\)"):
        authorize_role_change(ORG_ADMIN_A, UPDATE, harmless, AUTHORIZER, previous=stored)
    with pytest.raises(RoleEscalationError, match=r"organization:delete \(org level\)"):
        authorize_role_change(ORG_ADMIN_A, UPDATE, stored, AUTHORIZER, previous=harmless)
    authorize_role_change(ORG_ADMIN_A, UPDATE, harmless, AUTHORIZER, previous=harmless)


def test_deleting_needs_the_guard_unassigning_does_not() -> None:
    beyond = role("organization:delete")
    with pytest.raises(RoleEscalationError):
        authorize_role_change(ORG_ADMIN_A, DELETE, beyond, AUTHORIZER)
    authorize_role_change(ORG_ADMIN_A, DELETE, role("chat:read"), AUTHORIZER)
    # Taking a role away escalates nothing: `unassign` on assign_org_role is enough.
    authorize_role_change(ORG_USER_ADMIN_A, UNASSIGN, role("chat:update"), AUTHORIZER)
    with pytest.raises(NotAuthorizedError):
        authorize_role_change(CHAT_USER_IN_A, UNASSIGN, role(), AUTHORIZER)


def test_each_change_checks_its_own_action_on_assign_org_role() -> None:
    recorder = RecordingAuthorizer(AUTHORIZER)
    for action in (CREATE, DELETE, ASSIGN, UNASSIGN):
        recorder.reset()
        authorize_role_change(OWNER, action, role(), recorder)
        assert recorder.pairs() == [(resources.ASSIGN_ORG_ROLE.in_org(ORG_A), action)]


def test_misuse_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a role change"):
        authorize_role_change(OWNER, Action.READ, role(), AUTHORIZER)
    with pytest.raises(ValueError, match="exactly when updating"):
        authorize_role_change(OWNER, UPDATE, role(), AUTHORIZER)
    with pytest.raises(ValueError, match="exactly when updating"):
        authorize_role_change(OWNER, CREATE, role(), AUTHORIZER, previous=role())


def test_the_refusal_is_a_denial_that_names_the_permission() -> None:
    candidate = role("chat:*", name="chat-editor")
    with pytest.raises(RoleEscalationError) as refused:
        check_may_grant_role(ORG_USER_ADMIN_A, candidate, AUTHORIZER)
    err = refused.value
    assert isinstance(err, NotAuthorizedError)
    assert is_not_authorized_error(err)
    assert str(err) == (
        f"role 'chat-editor' would grant chat:create (org level, from chat:*) in organization "
        f"{ORG_A}, which you may not do on every chat there"
    )
    assert err.lacking == "chat:create (org level, from chat:*)"
    assert err.role == f"chat-editor:{ORG_A}"
    assert err.subject_id == ME
    assert not may_grant_role(ORG_USER_ADMIN_A, candidate, AUTHORIZER)
    assert may_grant_role(ORG_ADMIN_A, candidate, AUTHORIZER)
    gap = lacking_permission(ORG_USER_ADMIN_A, candidate, AUTHORIZER)
    assert gap == LackedPermission(
        "org", "chat", Action.CREATE, Permission(False, "chat", "*"), ORG_A
    )
