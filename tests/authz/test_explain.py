"""Explain: which level decided, by which role and permission — for allows and every deny."""

from __future__ import annotations

from uuid import UUID

from authz import (
    Action,
    Authorizer,
    Level,
    OrgPermissions,
    Permission,
    Role,
    RoleIdentifier,
    Subject,
    Vote,
    resources,
)

ME = UUID("00000000-0000-4000-8000-000000000001")
ORG = UUID("00000000-0000-4000-8000-0000000000a0")
ELSEWHERE = UUID("00000000-0000-4000-8000-0000000000b0")
AUTHORIZER = Authorizer()
OWN_CHAT = resources.CHAT.with_owner(ME).in_org(ORG)
MEMBERSHIP = f"organization-member:{ORG}"


def _deny(level: str, perm: Permission) -> Role:
    if level == "site":
        return Role("deny-site", "Deny", site=[perm])
    if level == "user":
        return Role("deny-user", "Deny", user=[perm])
    if level == "org":
        return Role("deny-org", "Deny", by_org={ORG: OrgPermissions(org=(perm,))})
    return Role("deny-member", "Deny", by_org={ORG: OrgPermissions(member=(perm,))})


def _subject(*roles: str, inline: tuple[Role, ...] = ()) -> Subject:
    return Subject(id=ME, roles=("member", *roles), inline_roles=inline, name="alice")


def test_allowed_at_site_level() -> None:
    explanation = AUTHORIZER.explain(_subject("owner"), Action.DELETE, OWN_CHAT)
    assert explanation.allowed
    assert explanation.decided_by is Level.SITE
    assert explanation.role == RoleIdentifier("owner")
    assert explanation.permission == Permission(False, "*", Action.WILDCARD)
    assert str(explanation).splitlines()[0] == (
        f"ALLOWED: alice delete {OWN_CHAT}: site level allows by role 'owner' +*:*"
    )


def test_allowed_at_user_level_in_a_member_org() -> None:
    explanation = AUTHORIZER.explain(_subject("chat-access", MEMBERSHIP), Action.READ, OWN_CHAT)
    assert explanation.allowed
    assert explanation.decided_by is Level.USER
    assert explanation.role == RoleIdentifier("chat-access")
    assert str(explanation) == "\n".join(
        [
            f"ALLOWED: alice read {OWN_CHAT}: user level allows by role 'chat-access' +chat:read",
            "  site   abstain always applies; no matching permission",
            f"  org    abstain subject is a member of org {ORG}; no matching permission",
            f"  member abstain subject is a member of org {ORG}; object is owned by the subject;"
            " no matching permission",
            f"  user   allow   object is owned by the subject; subject is a member of org {ORG};"
            " role 'chat-access' +chat:read",
        ]
    )


def test_allowed_at_org_and_member_levels() -> None:
    org_admin = _subject(f"organization-admin:{ORG}", MEMBERSHIP)
    explanation = AUTHORIZER.explain(org_admin, Action.READ, resources.CHAT.in_org(ORG))
    assert (explanation.decided_by, explanation.role) == (
        Level.ORG,
        RoleIdentifier("organization-admin", ORG),
    )
    own_key = resources.API_KEY.with_owner(ME).in_org(ORG)
    explanation = AUTHORIZER.explain(_subject(MEMBERSHIP), Action.DELETE, own_key)
    assert explanation.allowed
    assert explanation.decided_by is Level.MEMBER
    assert explanation.permission == Permission(False, "api_key", Action.WILDCARD)


def test_denied_at_each_level_names_the_negated_permission() -> None:
    negated = Permission(True, "chat", Action.WILDCARD)
    for level in (Level.SITE, Level.ORG, Level.MEMBER, Level.USER):
        subject = _subject("chat-access", MEMBERSHIP, inline=(_deny(level.value, negated),))
        explanation = AUTHORIZER.explain(subject, Action.READ, OWN_CHAT)
        assert not explanation.allowed, level
        assert explanation.decided_by is level
        assert explanation.permission == negated
        assert explanation.role == RoleIdentifier(f"deny-{level.value}")
        assert f"{level.value} level denies by role 'deny-{level.value}' -chat:*" in str(
            explanation
        )


def test_a_higher_allow_wins_over_a_lower_deny() -> None:
    subject = _subject("owner", MEMBERSHIP, inline=(_deny("org", Permission(True, "chat", "*")),))
    explanation = AUTHORIZER.explain(subject, Action.READ, OWN_CHAT)
    assert explanation.allowed
    assert explanation.decided_by is Level.SITE
    org_level = explanation.levels[1]
    assert org_level.vote is Vote.DENY  # recorded, but site decided first


def test_denied_because_nothing_matched() -> None:
    explanation = AUTHORIZER.explain(_subject(MEMBERSHIP), Action.READ, OWN_CHAT)
    assert not explanation.allowed
    assert explanation.decided_by is None
    assert explanation.role is None
    assert explanation.permission is None
    assert str(explanation).splitlines()[0] == (
        f"DENIED: alice read {OWN_CHAT}: no permission matched at any level that applies"
    )


def test_denied_because_not_a_member_of_the_object_s_org() -> None:
    chat = resources.CHAT.with_owner(ME).in_org(ELSEWHERE)
    explanation = AUTHORIZER.explain(_subject("chat-access", MEMBERSHIP), Action.READ, chat)
    assert not explanation.allowed
    assert [lv.applies for lv in explanation.levels] == [True, False, False, False]
    user_level = explanation.levels[3]
    assert user_level.reason == (
        f"object is owned by the subject; subject is not a member of org {ELSEWHERE}"
    )
    assert user_level.matches == ()  # chat-access would match; the level does not apply


def test_denied_because_not_the_owner_and_ignored_roles_are_listed() -> None:
    subject = _subject("chat-access", "agents-access")
    explanation = AUTHORIZER.explain(subject, Action.READ, resources.CHAT.with_owner(ELSEWHERE))
    assert not explanation.allowed
    assert explanation.levels[3].reason == "object is not the subject's"
    assert explanation.ignored_roles == (RoleIdentifier("agents-access"),)
    assert str(explanation).endswith("  ignored roles: agents-access")


def test_unnamed_subjects_are_shown_by_id() -> None:
    subject = Subject(id=ME, roles=["member"])
    explanation = AUTHORIZER.explain(subject, Action.READ, resources.SYSTEM)
    assert str(explanation).startswith(f"DENIED: {ME} read system(): ")
