"""Custom organization roles as values, and how the engine resolves and caches them."""

from __future__ import annotations

import logging
from uuid import UUID

import pytest

from authz import (
    Action,
    Authorizer,
    CustomRole,
    InvalidRoleError,
    NotAuthorizedError,
    Permission,
    RoleIdentifier,
    Subject,
    parse_permission,
    resources,
)
from authz import custom_roles as custom
from authz import roles as r

ME = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
ORG_A = UUID("00000000-0000-4000-8000-0000000000a0")
ORG_B = UUID("00000000-0000-4000-8000-0000000000b0")

READ = Action.READ
OTHERS_CHAT_IN_A = resources.CHAT.with_owner(OTHER).in_org(ORG_A)


def reviewer(version: int = 1, *, org: list[str] | None = None, at: UUID = ORG_A) -> CustomRole:
    perms = ["chat:read"] if org is None else org
    return CustomRole(at, "chat-reviewer", "Chat reviewer", org=perms, version=version)


def holder(*definitions: CustomRole, name: str = "chat-reviewer", at: UUID = ORG_A) -> Subject:
    return Subject(
        id=ME,
        roles=("member", f"organization-member:{at}", f"{name}:{at}"),
        custom_roles=definitions,
    )


def allowed(authorizer: Authorizer, subject: Subject, action: Action, obj: object) -> bool:
    try:
        authorizer.authorize(subject, action, obj)  # type: ignore[arg-type]
    except NotAuthorizedError:
        return False
    return True


# --- definitions -------------------------------------------------------------------------------


def test_a_definition_is_a_frozen_value() -> None:
    role = CustomRole(ORG_A, "tier-2", "Tier 2", org=["chat:read", "chat:read"], member=["*:*"])
    assert role.org == (Permission(False, "chat", READ),)  # duplicates dropped
    assert role.member == (Permission(False, "*", "*"),)
    assert role.identifier == RoleIdentifier("tier-2", ORG_A)
    assert str(role.identifier) == f"tier-2:{ORG_A}"
    assert role.key == (ORG_A, "tier-2")
    assert role == CustomRole(str(ORG_A), "tier-2", "Tier 2", ["chat:read"], ["*:*"])
    with pytest.raises(AttributeError):
        role.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["a", "chat-reviewer", "2nd-line", "x" * 64, "a1-b2-c3"])
def test_valid_names_are_also_valid_identifiers(name: str) -> None:
    role = CustomRole(ORG_A, name)
    assert RoleIdentifier.parse(f"{name}:{ORG_A}") == role.identifier


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "1 to 64 characters, got 0"),
        ("x" * 65, "1 to 64 characters, got 65"),
        ("Chat", "malformed role name 'Chat'"),
        ("chat_reviewer", "malformed role name"),
        ("-chat", "malformed role name"),
        ("chat-", "malformed role name"),
        ("a--b", "malformed role name"),
        ("chat reviewer", "malformed role name"),
        ("owner", "'owner' is a built-in role name"),
        ("member", "'member' is a built-in role name"),
        ("organization-admin", "'organization-admin' is a built-in role name"),
        ("organization-member", "'organization-member' is a built-in role name"),
        ("chat-access", "'chat-access' is a built-in role name"),
        ("agents-access", "retired built-in role name"),
        ("system-restricted", "reserved for in-process roles"),
        ("chatd", "reserved for in-process roles"),
    ],
)
def test_names_are_checked_with_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(InvalidRoleError, match=message):
        CustomRole(ORG_A, name)


def test_every_built_in_retired_and_reserved_name_is_unavailable() -> None:
    names = {
        *r.site_builtin_role_names(),
        *r.org_builtin_role_names(),
        r.MEMBER,
        r.ORG_MEMBER,
        *r.RETIRED_NAMES,
        *r.RESERVED_NAMES,
    }
    for name in names:
        with pytest.raises(InvalidRoleError):
            custom.check_custom_role_name(name)


@pytest.mark.parametrize(
    ("perm", "message"),
    [
        ("-chat:read", "custom roles cannot deny"),
        (Permission(True, "chat", READ), "only grant: -chat:read is a negation"),
        ("chat", "expected 'type:action'"),
        ("chat:read:x", "expected 'type:action'"),
        ("workspace:read", "unknown resource type 'workspace'"),
        ("chat:assign", "resource type 'chat' has no action 'assign'"),
        ("chat:fly", "unknown action 'fly'"),
    ],
)
def test_only_positive_registry_permissions(perm: str | Permission, message: str) -> None:
    with pytest.raises(InvalidRoleError, match=message):
        CustomRole(ORG_A, "x", org=[perm])
    with pytest.raises(InvalidRoleError, match=message):
        CustomRole(ORG_A, "x", member=[perm])


def test_wildcards_are_allowed_and_parse_permission_is_the_cli_form() -> None:
    assert parse_permission("chat:*") == Permission(False, "chat", Action.WILDCARD)
    assert parse_permission("*:read") == Permission(False, "*", READ)
    assert CustomRole(ORG_A, "x", org=["*:*"]).org == (Permission(False, "*", "*"),)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"org_id": "not-a-uuid"}, "not a UUID"),
        ({"version": -1}, "version must be an int >= 0"),
        ({"version": True}, "version must be an int >= 0"),
        ({"display_name": "x" * 129}, "at most 128 characters"),
        ({"display_name": "two\nlines"}, "printable"),
        ({"org": "chat:read"}, "a list, not one string"),
    ],
)
def test_other_fields_are_checked(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"org_id": ORG_A, "name": "x"} | kwargs
    with pytest.raises(InvalidRoleError, match=message):
        CustomRole(**fields)  # type: ignore[arg-type]


def test_a_custom_role_holds_org_and_member_permissions_only() -> None:
    role = CustomRole(ORG_A, "x", org=["*:*"], member=["chat:*"]).to_role()
    assert role.site == ()
    assert role.user == ()
    assert set(role.by_org) == {ORG_A}
    assert role.valid(), role.problems()


def test_granted_pairs_expand_wildcards_org_level_first() -> None:
    role = CustomRole(ORG_A, "x", org=["chat:read", "chat:*"], member=["api_key:read"])
    assert [(level, pair, str(perm)) for level, pair, perm in role.granted_pairs()] == [
        ("org", ("chat", READ), "+chat:read"),
        ("org", ("chat", Action.CREATE), "+chat:*"),
        ("org", ("chat", Action.DELETE), "+chat:*"),
        ("org", ("chat", Action.SHARE), "+chat:*"),
        ("org", ("chat", Action.UPDATE), "+chat:*"),
        ("member", ("api_key", READ), "+api_key:read"),
    ]


# --- the subject carries the definitions -----------------------------------------------------


def test_definitions_of_roles_the_subject_does_not_hold_are_dropped() -> None:
    subject = Subject(
        id=ME,
        roles=(f"organization-member:{ORG_A}",),
        custom_roles=(reviewer(), reviewer(at=ORG_B)),
    )
    assert subject.custom_roles == frozenset()
    assert subject.role_key == Subject(id=ME, roles=(f"organization-member:{ORG_A}",)).role_key
    held = holder(reviewer(), reviewer(at=ORG_B))
    assert held.custom_roles == frozenset({reviewer()})


def test_two_definitions_of_one_role_are_an_error() -> None:
    with pytest.raises(ValueError, match=f"two definitions of custom role chat-reviewer:{ORG_A}"):
        holder(reviewer(1), reviewer(2))
    assert holder(reviewer(1), reviewer(1)).custom_roles == frozenset({reviewer(1)})
    with pytest.raises(TypeError, match="CustomRole values"):
        Subject(id=ME, custom_roles=("chat-reviewer",))  # type: ignore[arg-type]


def test_subjects_with_other_definitions_are_different_subjects() -> None:
    assert holder(reviewer(1)) == holder(reviewer(1))
    assert holder(reviewer(1)) != holder(reviewer(2))
    assert holder(reviewer(1)) != holder()


# --- the engine ---------------------------------------------------------------------------------


def test_a_custom_role_grants_in_its_org_only() -> None:
    authorizer = Authorizer()
    subject = holder(reviewer())
    authorizer.authorize(subject, READ, OTHERS_CHAT_IN_A)
    assert not allowed(authorizer, subject, Action.UPDATE, OTHERS_CHAT_IN_A)
    assert not allowed(authorizer, subject, READ, resources.CHAT.with_owner(OTHER).in_org(ORG_B))
    assert not allowed(authorizer, subject, READ, resources.CHAT.with_owner(OTHER))


def test_another_orgs_definition_never_resolves_a_role() -> None:
    """Org B's "chat-reviewer" says nothing about org A's role of the same name."""
    authorizer = Authorizer()
    subject = holder(reviewer(at=ORG_B))
    assert not allowed(authorizer, subject, READ, OTHERS_CHAT_IN_A)


def test_a_deleted_role_grants_nothing_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    custom._warn_missing.cache_clear()
    authorizer = Authorizer(cache_size=0)  # compile each time: the log must still be once
    # Without organization-member: the stale name must not even make it a member of org A.
    subject = Subject(id=ME, roles=("member", "chat-access", f"chat-reviewer:{ORG_A}"))
    own_chat_in_a = resources.CHAT.with_owner(ME).in_org(ORG_A)
    with caplog.at_level(logging.WARNING, logger="authz"):
        for _ in range(3):
            assert not allowed(authorizer, subject, READ, OTHERS_CHAT_IN_A)
            assert not allowed(authorizer, subject, READ, own_chat_in_a)  # user level: no
    assert [rec.getMessage() for rec in caplog.records] == [
        f"role 'chat-reviewer:{ORG_A}' is neither built in nor a custom role defined for the "
        "subject (deleted?); it grants nothing"
    ]
    explanation = authorizer.explain(subject, READ, OTHERS_CHAT_IN_A)
    assert explanation.ignored_roles == (RoleIdentifier("chat-reviewer", ORG_A),)


def test_same_name_new_version_is_a_new_decision() -> None:
    """The cache key holds the definition version: an old table is never used for a new one."""
    authorizer = Authorizer()
    v1 = holder(reviewer(1))
    authorizer.authorize(v1, READ, OTHERS_CHAT_IN_A)
    misses = authorizer.cache_info().misses

    v2 = holder(reviewer(2, org=["chat:update"]))  # same name, new definition
    assert not allowed(authorizer, v2, READ, OTHERS_CHAT_IN_A)
    authorizer.authorize(v2, Action.UPDATE, OTHERS_CHAT_IN_A)
    assert authorizer.cache_info().misses == misses + 1  # compiled anew

    # A subject loaded again with the unchanged definition reuses the compiled table.
    again = holder(reviewer(2, org=["chat:update"]))
    authorizer.authorize(again, Action.UPDATE, OTHERS_CHAT_IN_A)
    assert authorizer.cache_info().misses == misses + 1
    assert again.table is v2.table


def test_a_reused_version_with_another_definition_still_compiles_anew() -> None:
    """Storage should bump the version; if it does not, equality still keeps tables apart."""
    authorizer = Authorizer()
    assert allowed(authorizer, holder(reviewer(7)), READ, OTHERS_CHAT_IN_A)
    same_version = holder(reviewer(7, org=[]))
    assert not allowed(authorizer, same_version, READ, OTHERS_CHAT_IN_A)


def test_only_a_changed_definition_recompiles() -> None:
    authorizer = Authorizer()
    plain = Subject(id=ME, roles=("member", f"organization-member:{ORG_A}"))
    authorizer.authorize(plain, READ, resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A))
    misses = authorizer.cache_info().misses
    unheld = Subject(id=ME, roles=plain.roles, custom_roles=(reviewer(9),))
    authorizer.authorize(unheld, READ, resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A))
    assert authorizer.cache_info().misses == misses


def test_holding_a_known_custom_role_makes_a_member() -> None:
    """Membership = holding a known org role; a custom role with no permissions counts."""
    authorizer = Authorizer()
    subject = Subject(
        id=ME, roles=("chat-access", f"empty:{ORG_A}"), custom_roles=(CustomRole(ORG_A, "empty"),)
    )
    authorizer.authorize(subject, READ, resources.CHAT.with_owner(ME).in_org(ORG_A))


def test_member_level_reaches_own_objects_only() -> None:
    authorizer = Authorizer()
    role = CustomRole(ORG_A, "org-chat-user", member=["chat:*"])
    subject = holder(role, name="org-chat-user")
    authorizer.authorize(subject, Action.DELETE, resources.CHAT.with_owner(ME).in_org(ORG_A))
    assert not allowed(authorizer, subject, READ, OTHERS_CHAT_IN_A)
    assert not allowed(authorizer, subject, READ, resources.CHAT.with_owner(ME))


def test_an_org_level_ban_still_overrides_a_custom_member_grant() -> None:
    ban = r.Role(
        "chat-ban", "ban", by_org={ORG_A: r.OrgPermissions(org=(Permission(True, "chat", "*"),))}
    )
    role = CustomRole(ORG_A, "org-chat-user", member=["chat:*"])
    subject = Subject(
        id=ME, roles=(f"org-chat-user:{ORG_A}",), custom_roles=(role,), inline_roles=(ban,)
    )
    assert not allowed(Authorizer(), subject, READ, resources.CHAT.with_owner(ME).in_org(ORG_A))


def test_explain_names_the_custom_role() -> None:
    explanation = Authorizer().explain(holder(reviewer()), READ, OTHERS_CHAT_IN_A)
    assert explanation.allowed
    assert explanation.role == RoleIdentifier("chat-reviewer", ORG_A)
    assert f"org level allows by role 'chat-reviewer:{ORG_A}' +chat:read" in explanation.summary


def test_prepared_filter_uses_the_custom_role() -> None:
    prepared = Authorizer().prepare(holder(reviewer()), READ, "chat")
    assert prepared.rule.allowed_org_ids == (ORG_A,)
    denied = Authorizer().prepare(holder(reviewer()), Action.UPDATE, "chat")
    assert denied.rule.allowed_org_ids == ()
