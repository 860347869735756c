"""Why a decision came out as it did: which path decided — a role (level, role, permission)
or an ACL entry (user or group, action) — and whether the scope admitted it (which permission
and allow-list entry) or refused it.

Computed straight from the subject's roles, the object's ACL and the subject's scope, as
DESIGN.md reads — not from the compiled tables — so it doubles as a second implementation the
tests compare with `authorize`. Slow by design (it lists every matching permission); call it
when logging a denial or answering a support question, never on the hot path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from authz.custom_roles import resolve_role
from authz.objects import Object
from authz.permissions import Permission, Vote
from authz.registry import Action
from authz.roles import Role, RoleIdentifier
from authz.scopes import AllowEntry
from authz.subjects import Subject


class Level(enum.StrEnum):
    """The levels in precedence order: the first one that does not abstain decides."""

    SITE = "site"
    ORG = "org"
    MEMBER = "member"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Match:
    """A permission of a role that matched the (type, action) asked about."""

    role: RoleIdentifier
    permission: Permission

    def __str__(self) -> str:
        return f"role '{self.role}' {self.permission}"


@dataclass(frozen=True, slots=True)
class LevelVote:
    """One level: whether it applied to this object (and why), its vote, what matched."""

    level: Level
    applies: bool
    reason: str
    vote: Vote
    matches: tuple[Match, ...]

    @property
    def decisive(self) -> Match | None:
        """The first negated match if the level denies, else the first match if it allows."""
        if self.vote is Vote.DENY:
            return next(m for m in self.matches if m.permission.negate)
        return self.matches[0] if self.vote is Vote.ALLOW else None


@dataclass(frozen=True, slots=True)
class AclMatch:
    """The ACL entry that allowed: a user or group id and the action it grants (or `*`)."""

    kind: str
    """"user" or "group" (an org's Everyone group has the org's id)."""
    id: UUID
    action: Action

    def __str__(self) -> str:
        return f"ACL {self.kind} entry {self.id} grants {self.action.value}"


@dataclass(frozen=True, slots=True)
class ScopeVerdict:
    """Whether the scope admitted the object, and by what (or why not)."""

    admitted: bool
    permission: Permission | None
    """The scope permission matching (type, action); None: none does."""
    entry: AllowEntry | None
    """The allow-list entry admitting the object; None: none does."""
    scope_name: str

    def __str__(self) -> str:
        if self.admitted:
            assert self.permission is not None
            assert self.entry is not None
            return (
                f"scope {self.scope_name} admits by {self.permission} and allow-list entry "
                f"{self.entry[0]}:{self.entry[1]}"
            )
        if self.permission is None:
            return f"scope {self.scope_name} refuses: no scope permission matches"
        return f"scope {self.scope_name} refuses: no allow-list entry admits the object"


@dataclass(frozen=True, slots=True)
class Explanation:
    """A structured decision; `str()` reads as a short report for logs and support."""

    allowed: bool
    subject_id: UUID
    subject_name: str
    action: Action
    object: Object
    decided_by: Level | None
    """The level whose vote decided; None when no level voted (denied: nothing matched)."""
    levels: tuple[LevelVote, ...]
    ignored_roles: tuple[RoleIdentifier, ...]
    """Stored role names that resolved to nothing (unknown, retired, reserved, or a custom role
    the subject carries no definition of — e.g. deleted)."""
    role_allowed: bool = False
    """The role path allows (before the scope)."""
    acl: AclMatch | None = None
    """The ACL entry that allows when the role path does not (before the scope)."""
    acl_reason: str = "object has no ACL"
    scope: ScopeVerdict | None = None
    org_considered: UUID | None = None
    """For an any-org object: the org whose evaluation is shown (None: the personal case)."""

    @property
    def path(self) -> str | None:
        """ "role" or "acl": the path that allowed before the scope; None when neither did."""
        if self.role_allowed:
            return "role"
        return "acl" if self.acl is not None else None

    @property
    def deciding(self) -> Match | None:
        """The role permission behind the role path's vote (None when no level voted)."""
        for level in self.levels:
            if level.level is self.decided_by:
                return level.decisive
        return None

    @property
    def role(self) -> RoleIdentifier | None:
        match = self.deciding
        return None if match is None else match.role

    @property
    def permission(self) -> Permission | None:
        match = self.deciding
        return None if match is None else match.permission

    @property
    def summary(self) -> str:
        who = self.subject_name or str(self.subject_id)
        verdict = "ALLOWED" if self.allowed else "DENIED"
        head = f"{verdict}: {who} {self.action.value} {self.object}"
        if self.object.in_any_org:
            where = "personally" if self.org_considered is None else f"in org {self.org_considered}"
            head = f"{head} (evaluated {where})"
        match = self.deciding
        if match is None:
            role = "no permission matched at any level that applies"
        else:
            verb = "allows" if self.role_allowed else "denies"
            role = f"{self.decided_by} level {verb} by {match}"
        if not self.role_allowed and self.acl is not None:
            role = f"{role}; {self.acl}"
        elif not self.role_allowed and self.object._acl is not None:
            role = f"{role}; ACL: {self.acl_reason}"
        scope = self.scope
        if scope is None or (scope.admitted and scope.scope_name == "all"):
            return f"{head}: {role}"
        return f"{head}: {role}; {scope}"

    def __str__(self) -> str:
        lines = [self.summary]
        for level in self.levels:
            matched = "; ".join(map(str, level.matches)) or "no matching permission"
            detail = f"{level.reason}; {matched}" if level.applies else level.reason
            lines.append(f"  {level.level.value:<7}{level.vote.name.lower():<8}{detail}")
        if self.object._acl is not None:
            acl = str(self.acl) if self.acl is not None else self.acl_reason or "not needed"
            lines.append(f"  {'acl':<7}{'allow' if self.acl else '-':<8}{acl}")
        if self.scope is not None and self.scope.scope_name != "all":
            verdict = "admits" if self.scope.admitted else "refuses"
            lines.append(f"  {'scope':<7}{verdict:<8}{self.scope}")
        if self.ignored_roles:
            lines.append(f"  ignored roles: {', '.join(map(str, self.ignored_roles))}")
        return "\n".join(lines)


def _vote(matches: tuple[Match, ...]) -> Vote:
    if any(m.permission.negate for m in matches):
        return Vote.DENY
    return Vote.ALLOW if matches else Vote.ABSTAIN


def _level(level: Level, applies: bool, reason: str, matches: list[Match]) -> LevelVote:
    found = tuple(matches) if applies else ()
    return LevelVote(level, applies, reason, _vote(found), found)


def explain(subject: Subject, action: Action, obj: Object) -> Explanation:
    """Evaluate DESIGN.md for one check, keeping every detail. Assumes a valid pair.

    An any-org object is evaluated personally and in each org the subject is a member of
    (sorted); the first case that allows is shown, else the personal one.
    """
    named: list[Role] = []
    ignored: list[RoleIdentifier] = []
    custom = {d.key: d for d in subject.custom_roles}
    for rid in dict.fromkeys(subject.roles):
        role = resolve_role(rid, custom)
        if role is None:
            ignored.append(rid)
        else:
            named.append(role)
    roles = (*named, *subject.inline_roles)
    member_orgs = {org for role in roles for org in role.by_org}
    if obj.in_any_org:
        candidates: list[UUID | None] = [None, *sorted(member_orgs)]
    else:
        candidates = [obj.org]
    shown: tuple[UUID | None, tuple[LevelVote, ...], AclMatch | None, str] | None = None
    for org in candidates:
        levels = _levels(roles, subject, action, obj, org, member_orgs)
        acl, acl_reason = _acl(subject, action, obj, org, member_orgs)
        case = (org, levels, acl, acl_reason)
        if shown is None:
            shown = case
        if _role_vote(levels) is Vote.ALLOW or acl is not None:
            shown = case
            break
    assert shown is not None
    org, levels, acl, acl_reason = shown
    deciding = next((lv for lv in levels if lv.vote is not Vote.ABSTAIN), None)
    role_allowed = deciding is not None and deciding.vote is Vote.ALLOW
    scope = _scope(subject, action, obj)
    return Explanation(
        allowed=(role_allowed or acl is not None) and scope.admitted,
        subject_id=subject.id,
        subject_name=subject.name,
        action=Action(action),
        object=obj,
        decided_by=None if deciding is None else deciding.level,
        levels=levels,
        ignored_roles=tuple(ignored),
        role_allowed=role_allowed,
        acl=None if role_allowed else acl,
        acl_reason=acl_reason,
        scope=scope,
        org_considered=org if obj.in_any_org else None,
    )


def _role_vote(levels: tuple[LevelVote, ...]) -> Vote:
    return next((lv.vote for lv in levels if lv.vote is not Vote.ABSTAIN), Vote.ABSTAIN)


def _levels(
    roles: tuple[Role, ...],
    subject: Subject,
    action: Action,
    obj: Object,
    org: UUID | None,
    member_orgs: set[UUID],
) -> tuple[LevelVote, ...]:
    """The four levels for `obj` as if it were in `org` (None: no org)."""

    def matching(perms_of: list[tuple[RoleIdentifier, tuple[Permission, ...]]]) -> list[Match]:
        return [
            Match(rid, p) for rid, perms in perms_of for p in perms if p.matches(obj.type, action)
        ]

    owned = obj.owner is not None and obj.owner == subject.id
    member = org is not None and org in member_orgs

    if org is None:
        org_reason = "object has no organization"
    elif member:
        org_reason = f"subject is a member of org {org}"
    else:
        org_reason = f"subject is not a member of org {org}"
    own_reason = "object is owned by the subject" if owned else "object is not the subject's"

    in_org = [(r.identifier, r.by_org[org]) for r in roles if org is not None and org in r.by_org]
    org_perms = [(rid, perms.org) for rid, perms in in_org]
    member_perms = [(rid, perms.member) for rid, perms in in_org]
    user_applies = owned and (org is None or member)
    if not owned:
        user_reason = own_reason
    elif org is None:
        user_reason = f"{own_reason}, no organization"
    else:
        user_reason = f"{own_reason}; {org_reason}"

    return (
        _level(
            Level.SITE, True, "always applies", matching([(r.identifier, r.site) for r in roles])
        ),
        _level(Level.ORG, member, org_reason, matching(org_perms)),
        _level(
            Level.MEMBER,
            member and owned,
            f"{org_reason}; {own_reason}" if member else org_reason,
            matching(member_perms),
        ),
        _level(
            Level.USER, user_applies, user_reason, matching([(r.identifier, r.user) for r in roles])
        ),
    )


def _acl(
    subject: Subject, action: Action, obj: Object, org: UUID | None, member_orgs: set[UUID]
) -> tuple[AclMatch | None, str]:
    """The first ACL entry granting `action` on `obj` as if in `org`, or why none does."""
    if not obj.acl_users and not obj.acl_groups:
        return None, "object has no ACL"
    member = org is not None and org in member_orgs
    reasons: list[str] = []
    granted = obj.acl_users.get(subject.id, frozenset())
    if org is not None and not member:
        reasons.append(f"user entries need membership in org {org}")
    else:
        for wanted in (action, Action.WILDCARD):
            if wanted in granted:
                return AclMatch("user", subject.id, wanted), ""
        reasons.append("no user entry grants it")
    if org is None:
        reasons.append("group entries apply only inside an org")
    elif not member:
        reasons.append(f"group entries need membership in org {org}")
    else:
        for group in (*subject.groups, *sorted(member_orgs)):
            actions = obj.acl_groups.get(group, frozenset())
            for wanted in (action, Action.WILDCARD):
                if wanted in actions:
                    return AclMatch("group", group, wanted), ""
        reasons.append("no entry of the subject's groups grants it")
    return None, "; ".join(reasons)


def _scope(subject: Subject, action: Action, obj: Object) -> ScopeVerdict:
    scope = subject.scope
    permission = scope.admitting_permission(obj.type, action)
    entry = scope.admitting_entry(obj.type, obj.id)
    return ScopeVerdict(permission is not None and entry is not None, permission, entry, str(scope))
