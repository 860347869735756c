"""Role identifiers, permissions, built-in roles, and the assignment table."""

from __future__ import annotations

import logging
from uuid import UUID

import pytest

from authz import (
    CHATD,
    SYSTEM_RESTRICTED,
    Action,
    InvalidRoleError,
    OrgPermissions,
    Permission,
    Role,
    RoleIdentifier,
    Subject,
    assignment,
    resources,
    roles,
)
from authz.registry import CONCRETE_TYPES

ORG = UUID("9b2f4c1e-3d5a-4e6f-8a7b-0c1d2e3f4a5b")
OTHER_ORG = UUID("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
ME = UUID(int=42)

# --- identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("owner", RoleIdentifier("owner")),
        ("chat-access", RoleIdentifier("chat-access")),
        (f"organization-admin:{ORG}", RoleIdentifier("organization-admin", ORG)),
        (f"organization-admin:{str(ORG).upper()}", RoleIdentifier("organization-admin", ORG)),
        (f"custom_role:{ORG}", RoleIdentifier("custom_role", ORG)),
    ],
)
def test_parse_round_trips(text: str, expected: RoleIdentifier) -> None:
    parsed = RoleIdentifier.parse(text)
    assert parsed == expected
    assert RoleIdentifier.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "malformed role name ''"),
        ("Owner", "malformed role name 'Owner'"),
        ("chat access", "malformed role name 'chat access'"),
        ("-admin", "malformed role name '-admin'"),
        ("a--b", "malformed role name 'a--b'"),
        ("owner:", "expected 'name' or 'name:<org-uuid>'"),
        (f"owner:{ORG}:x", "expected 'name' or 'name:<org-uuid>'"),
        ("organization-admin:not-a-uuid", "organization id 'not-a-uuid' is not a UUID"),
        ("organization-admin", "needs an organization id: 'organization-admin:<org-uuid>'"),
        (f"owner:{ORG}", "'owner' is a site role; it cannot carry an organization id"),
        ("x" * 65, "longer than 64"),
    ],
)
def test_malformed_identifiers_are_rejected_clearly(text: str, message: str) -> None:
    with pytest.raises(InvalidRoleError, match=message):
        RoleIdentifier.parse(text)


def test_invalid_role_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="malformed"):
        RoleIdentifier.parse("BAD")


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(InvalidRoleError, match="is a string, got int"):
        RoleIdentifier.parse(5)  # type: ignore[arg-type]


# --- permissions ------------------------------------------------------------------------------


def test_permission_rejects_actions_the_type_lacks() -> None:
    with pytest.raises(ValueError, match="'chat' has no action 'assign'"):
        Permission(False, "chat", Action.ASSIGN)
    with pytest.raises(ValueError, match="unknown resource type 'workspace'"):
        Permission(False, "workspace", Action.READ)
    with pytest.raises(TypeError, match="negate must be a bool"):
        Permission(1, "chat", Action.READ)  # type: ignore[arg-type]


def test_permission_wildcards_match_and_expand() -> None:
    assert Permission(False, "*", Action.READ).matches("chat", Action.READ)
    assert not Permission(False, "*", Action.READ).matches("chat", Action.UPDATE)
    assert Permission(False, "chat", Action.WILDCARD).pairs() == tuple(
        ("chat", a) for a in sorted(resources.REGISTRY["chat"])
    )
    everything = Permission(False, "*", Action.WILDCARD).pairs()
    assert len(everything) == sum(len(resources.REGISTRY[t]) for t in CONCRETE_TYPES)
    assert str(Permission(True, "chat", Action.WILDCARD)) == "-chat:*"


def test_all_perms_except_skips_the_listed_types_and_the_wildcard() -> None:
    perms = roles.all_perms_except(resources.CHAT, "user")
    assert {p.resource_type for p in perms} == set(CONCRETE_TYPES) - {"chat", "user"}
    assert all(p.action is Action.WILDCARD and not p.negate for p in perms)
    with pytest.raises(ValueError, match="unknown resource types"):
        roles.all_perms_except("workspace")


def test_permissions_helper_is_sorted_and_validated() -> None:
    perms = roles.permissions({"user": ["read"], resources.CHAT: [Action.UPDATE, Action.CREATE]})
    assert [str(p) for p in perms] == ["+chat:create", "+chat:update", "+user:read"]
    assert roles.permissions({"chat": ["read"]}, negate=True)[0].negate
    with pytest.raises(ValueError, match="no action"):
        roles.permissions({"deployment_config": [Action.DELETE]})


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", roles.builtin_roles(ORG), ids=lambda r: r.identifier.name)
def test_every_builtin_role_is_valid(role: Role) -> None:
    assert role.problems() == []
    assert role.valid()


@pytest.mark.parametrize("role", [roles.SYSTEM_RESTRICTED_ROLE, roles.CHATD_ROLE])
def test_system_roles_are_valid(role: Role) -> None:
    assert role.valid()


def test_invalid_roles_say_why() -> None:
    mixed = Role(RoleIdentifier("organization-admin", ORG), " ", site=[Permission(False, "*", "*")])
    assert mixed.problems() == [
        "display name is empty",
        "an organization role cannot hold site or user permissions",
    ]
    foreign = Role(
        RoleIdentifier("organization-admin", ORG),
        "Admin",
        by_org={OTHER_ORG: OrgPermissions()},
    )
    assert foreign.problems() == ["an organization role can only hold permissions in its own org"]
    site_with_org = Role("owner", "Owner", by_org={str(ORG): OrgPermissions()})
    assert not site_with_org.valid()


def _perms(role: Role) -> set[str]:
    return {str(p) for p in role.site} | {f"user {p}" for p in role.user}


def test_member_has_no_chat_permission_at_all() -> None:
    member = roles.role_by_name("member")
    assert member is not None
    assert all(p.resource_type != "chat" for p in (*member.site, *member.user))
    assert {str(p) for p in member.site} == {"+assign_role:read"}
    user_types = {p.resource_type for p in member.user if p.action is Action.WILDCARD}
    # Groups and rosters are excluded too: owning a roster entry must never let a member add
    # itself to a group (#13).
    assert user_types == set(CONCRETE_TYPES) - {
        "chat",
        "user",
        "organization_member",
        "group",
        "group_member",
    }
    assert {str(p) for p in member.user if p.resource_type == "user"} == {
        "+user:read",
        "+user:read_personal",
        "+user:update_personal",
    }


def test_chat_access_is_user_level_chat_crud_and_share_only() -> None:
    role = roles.role_by_name("chat-access")
    assert role is not None
    assert role.site == ()
    assert not role.by_org
    assert {str(p) for p in role.user} == {
        "+chat:create",
        "+chat:read",
        "+chat:update",
        "+chat:delete",
        "+chat:share",
    }


def test_org_member_and_service_account_have_no_chat() -> None:
    for name in (roles.ORG_MEMBER, roles.ORG_SERVICE_ACCOUNT):
        role = roles.role_by_name(RoleIdentifier(name, ORG))
        assert role is not None
        perms = role.by_org[ORG]
        assert [str(p) for p in perms.org] == ["+organization:read"]
        assert {p.resource_type for p in perms.member} == set(CONCRETE_TYPES) - {
            "chat",
            "organization_member",
            "group",
            "group_member",
        }


def test_org_admin_has_everything_but_deleting_its_org() -> None:
    role = roles.role_by_name(f"organization-admin:{ORG}")
    assert role is not None
    votes = role.by_org[ORG].org_votes
    assert ("organization", Action.DELETE) not in votes
    assert ("organization", Action.UPDATE) in votes
    assert ("chat", Action.DELETE) in votes


def test_role_by_name_builds_org_roles_for_their_org() -> None:
    role = roles.role_by_name(f"organization-auditor:{ORG}")
    assert role is not None
    assert role.identifier == RoleIdentifier("organization-auditor", ORG)
    assert set(role.by_org) == {ORG}


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("agents-access", "is retired"),
        ("no-such-role", "is not a known role"),
        ("system-restricted", "is reserved for in-process subjects"),
        ("chatd", "is reserved for in-process subjects"),
    ],
)
def test_unknown_retired_and_reserved_names_grant_nothing_logged_once(
    name: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    roles._warn_unresolved.cache_clear()
    with caplog.at_level(logging.WARNING, logger="authz"):
        assert roles.role_by_name(name) is None
        assert roles.role_by_name(RoleIdentifier(name)) is None
        assert roles.role_by_name_str(name) is None
    messages = [rec.getMessage() for rec in caplog.records if rec.name == "authz"]
    assert messages == [f"role {name!r} {why}; it grants nothing"]


def test_role_names() -> None:
    assert roles.site_builtin_role_names() == ("owner", "auditor", "user-admin", "chat-access")
    assert roles.org_builtin_role_names() == (
        "organization-admin",
        "organization-auditor",
        "organization-user-admin",
        "organization-service-account",
    )
    assert roles.is_org_role_name("organization-member")
    assert not roles.is_org_role_name("chat-access")
    assert not roles.is_org_role_name("organization-nonsense")


# --- assignment -------------------------------------------------------------------------------


def _actor(*role_names: str) -> Subject:
    return Subject(id=ME, roles=("member", *role_names))


SITE_TARGETS = ["owner", "member", "auditor", "user-admin", "chat-access"]
ORG_TARGETS = [
    f"{n}:{org}"
    for org in (ORG, OTHER_ORG)
    for n in (
        "organization-admin",
        "organization-member",
        "organization-auditor",
        "organization-user-admin",
        "organization-service-account",
    )
]
ALL_TARGETS = SITE_TARGETS + ORG_TARGETS


@pytest.mark.parametrize(
    ("actor", "assignable"),
    [
        (SYSTEM_RESTRICTED, set(ALL_TARGETS)),
        (_actor("owner"), set(ALL_TARGETS)),
        (_actor("user-admin"), {"chat-access", "user-admin"}),
        (_actor(f"organization-admin:{ORG}"), {t for t in ORG_TARGETS if t.endswith(str(ORG))}),
        (_actor(f"organization-user-admin:{ORG}"), {f"organization-member:{ORG}"}),
        (_actor("auditor", "chat-access", f"organization-member:{ORG}"), set()),
        (_actor(f"organization-auditor:{ORG}"), set()),
        (CHATD, set()),
    ],
    ids=[
        "system",
        "owner",
        "user-admin",
        "org-admin",
        "org-user-admin",
        "plain",
        "org-auditor",
        "chatd",
    ],
)
def test_assignment_table(actor: Subject, assignable: set[str]) -> None:
    got = {t for t in ALL_TARGETS if assignment.can_assign_role(actor, RoleIdentifier.parse(t))}
    assert got == assignable
    assert all(assignment.can_assign_role(actor, t) == (t in assignable) for t in ALL_TARGETS)


@pytest.mark.parametrize("target", ["no-such-role", "agents-access", "system-restricted", "chatd"])
def test_nobody_assigns_unknown_or_reserved_roles(target: str) -> None:
    assert not assignment.can_assign_role(SYSTEM_RESTRICTED, target)
    assert not assignment.can_assign_role(_actor("owner"), target)


def test_a_lookalike_system_subject_is_not_the_system() -> None:
    impostor = Subject(id=SYSTEM_RESTRICTED.id, type="system_restricted", roles=("member",))
    assert not assignment.can_assign_role(impostor, "owner")


def test_change_role_set_returns_only_changes() -> None:
    old = ["member", "auditor", "chat-access", "auditor"]
    new: list[RoleIdentifier | str] = [
        RoleIdentifier("user-admin"),
        "chat-access",
        "member",
        "owner",
        "user-admin",
    ]
    added, removed = assignment.change_role_set(old, new)
    assert added == [RoleIdentifier("user-admin"), RoleIdentifier("owner")]
    assert removed == [RoleIdentifier("auditor")]


def test_change_role_set_ignores_implied_roles() -> None:
    added, removed = assignment.change_role_set(
        [f"organization-member:{ORG}"], [f"organization-admin:{ORG}", "member"]
    )
    assert added == [RoleIdentifier("organization-admin", ORG)]
    assert removed == []
    assert assignment.change_role_set(["a", "b"], ["b", "a"]) == ([], [])
