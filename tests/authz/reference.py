"""A brute-force reference, written straight from DESIGN.md's "Policy semantics" table.

Deliberately naive and independent of `authz.tables` / `authz.explain`: it re-derives
membership, matching and the level precedence from the roles on every call.
"""

from __future__ import annotations

from authz import Object, Permission, Subject
from authz.roles import role_by_name

DENY, ABSTAIN, ALLOW = -1, 0, 1


def _vote(perms: list[Permission], resource_type: str, action: str) -> int:
    """A level denies if any matching permission is negated, allows if any matches."""
    matching = [
        p
        for p in perms
        if p.resource_type in ("*", resource_type) and p.action.value in ("*", action)
    ]
    if any(p.negate for p in matching):
        return DENY
    return ALLOW if matching else ABSTAIN


def reference_allows(subject: Subject, action: str, obj: Object) -> bool:
    roles = [role for role in map(role_by_name, subject.roles) if role is not None]
    roles += subject.inline_roles
    # "a subject is a member of every organization for which it holds any org role"
    member_orgs = {org for role in roles for org in role.by_org}
    owned = obj.owner is not None and obj.owner == subject.id
    in_member_org = obj.org is not None and obj.org in member_orgs

    site = _vote([p for role in roles for p in role.site], obj.type, action)
    org = member = user = ABSTAIN
    if in_member_org:
        assert obj.org is not None
        org_perms = [
            p for role in roles if obj.org in role.by_org for p in role.by_org[obj.org].org
        ]
        org = _vote(org_perms, obj.type, action)
        if owned:
            member_perms = [
                p for role in roles if obj.org in role.by_org for p in role.by_org[obj.org].member
            ]
            member = _vote(member_perms, obj.type, action)
    if owned and (obj.org is None or in_member_org):
        user = _vote([p for role in roles for p in role.user], obj.type, action)

    # "allow if site allows; otherwise, unless site denies, allow if org allows; otherwise,
    # unless org denies, allow if member allows; otherwise, unless member denies, allow if
    # user allows. Everything else is denied."
    if site == ALLOW:
        return True
    if site == DENY:
        return False
    if org == ALLOW:
        return True
    if org == DENY:
        return False
    if member == ALLOW:
        return True
    if member == DENY:
        return False
    return user == ALLOW
