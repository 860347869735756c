"""A brute-force reference, written straight from DESIGN.md's "Policy semantics" table and
its "Model v2" section: `allow = (role_allow OR acl_allow) AND scope_allow`.

Deliberately naive and independent of `authz.tables` / `authz.explain` / `authz.acl` /
`authz.scopes`: it re-derives membership, matching, the level precedence, the ACL vote and
the scope from the subject's roles, the object's public fields and the scope's public fields
on every call. An any-org object is evaluated literally: personally and in each member org.
Custom organization roles are looked up in the subject's definitions by (org, name).
"""

from __future__ import annotations

from uuid import UUID

from authz import Object, Permission, Subject
from authz.roles import OrgPermissions, Role, role_by_name

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


def _roles(subject: Subject) -> list[Role]:
    """Built-in roles by name; else the subject's custom definition of that org and name
    ("org role identifiers may name a custom role of that org"); else nothing."""
    roles: list[Role] = []
    for rid in subject.roles:
        role = role_by_name(rid)
        if role is None and rid.org_id is not None:
            for d in subject.custom_roles:
                if d.org_id == rid.org_id and d.name == rid.name:
                    role = Role(rid, d.name, by_org={d.org_id: OrgPermissions(d.org, d.member)})
        if role is not None:
            roles.append(role)
    return roles + list(subject.inline_roles)


def _member_orgs(roles: list[Role]) -> set[UUID]:
    # "a subject is a member of every organization for which it holds any org role"
    return {org for role in roles for org in role.by_org}


def reference_allows(subject: Subject, action: str, obj: Object) -> bool:
    """`(role_allow OR acl_allow) AND scope_allow`; any-org: best over personal + member orgs."""
    if not scope_allows(subject, action, obj):
        return False
    roles = _roles(subject)
    member_orgs = _member_orgs(roles)
    if obj.in_any_org:
        # "in *some* organization of mine, or personally"
        places: list[UUID | None] = [None, *member_orgs]
    else:
        places = [obj.org]
    return any(
        role_allows(roles, member_orgs, subject, action, obj, org)
        or acl_allows(member_orgs, subject, action, obj, org)
        for org in places
    )


def acl_allows(
    member_orgs: set[UUID], subject: Subject, action: str, obj: Object, org: UUID | None
) -> bool:
    """DESIGN.md's ACL vote for `obj` placed in `org`."""
    in_member_org = org is not None and org in member_orgs
    user_entry = {a.value for a in obj.acl_users.get(subject.id, frozenset())}
    if (org is None or in_member_org) and (action in user_entry or "*" in user_entry):
        return True
    # every org the subject is a member of also counts as that org's Everyone group
    groups = set(subject.groups) | member_orgs
    if in_member_org:
        for group in groups:
            entry = {a.value for a in obj.acl_groups.get(group, frozenset())}
            if action in entry or "*" in entry:
                return True
    return False


def scope_allows(subject: Subject, action: str, obj: Object) -> bool:
    """A scope permission matches (type, action) and the allow-list admits the object."""
    scope = subject.scope
    permitted = any(
        p.resource_type in ("*", obj.type) and p.action.value in ("*", action)
        for p in scope.permissions
    )
    admitted = (
        ("*", "*") in scope.allow_list
        or (obj.type, "*") in scope.allow_list
        or (obj.id is not None and (obj.type, obj.id) in scope.allow_list)
    )
    return permitted and admitted


def role_allows(
    roles: list[Role],
    member_orgs: set[UUID],
    subject: Subject,
    action: str,
    obj: Object,
    org: UUID | None,
) -> bool:
    """The four levels for `obj` placed in `org` (None: no org)."""
    owned = obj.owner is not None and obj.owner == subject.id
    in_member_org = org is not None and org in member_orgs

    site = _vote([p for role in roles for p in role.site], obj.type, action)
    org_vote = member = user = ABSTAIN
    if in_member_org:
        assert org is not None
        org_perms = [p for role in roles if org in role.by_org for p in role.by_org[org].org]
        org_vote = _vote(org_perms, obj.type, action)
        if owned:
            member_perms = [
                p for role in roles if org in role.by_org for p in role.by_org[org].member
            ]
            member = _vote(member_perms, obj.type, action)
    if owned and (org is None or in_member_org):
        user = _vote([p for role in roles for p in role.user], obj.type, action)

    # "allow if site allows; otherwise, unless site denies, allow if org allows; otherwise,
    # unless org denies, allow if member allows; otherwise, unless member denies, allow if
    # user allows. Everything else is denied."
    if site == ALLOW:
        return True
    if site == DENY:
        return False
    if org_vote == ALLOW:
        return True
    if org_vote == DENY:
        return False
    if member == ALLOW:
        return True
    if member == DENY:
        return False
    return user == ALLOW
