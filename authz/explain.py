"""Why a decision came out as it did: each level's vote, the role and permission that decided.

Computed straight from the subject's roles, level by level as the design's table reads — not
from the compiled tables — so it doubles as a second implementation the tests compare with
`authorize`. Slow by design (it lists every matching permission); call it when logging a
denial or answering a support question, never on the hot path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from authz.objects import Object
from authz.permissions import Permission, Vote
from authz.registry import Action
from authz.roles import Role, RoleIdentifier, role_by_name
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
    """Stored role names that resolved to nothing (unknown, retired or reserved)."""

    @property
    def deciding(self) -> Match | None:
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
        match = self.deciding
        if match is None:
            return f"{head}: no permission matched at any level that applies"
        verb = "allows" if self.allowed else "denies"
        return f"{head}: {self.decided_by} level {verb} by {match}"

    def __str__(self) -> str:
        lines = [self.summary]
        for level in self.levels:
            matched = "; ".join(map(str, level.matches)) or "no matching permission"
            detail = f"{level.reason}; {matched}" if level.applies else level.reason
            lines.append(f"  {level.level.value:<7}{level.vote.name.lower():<8}{detail}")
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
    """Evaluate the design's table for one check, keeping every detail. Assumes a valid pair."""
    named: list[Role] = []
    ignored: list[RoleIdentifier] = []
    for rid in dict.fromkeys(subject.roles):
        role = role_by_name(rid)
        if role is None:
            ignored.append(rid)
        else:
            named.append(role)
    roles = (*named, *subject.inline_roles)

    def matching(perms_of: list[tuple[RoleIdentifier, tuple[Permission, ...]]]) -> list[Match]:
        return [
            Match(rid, p) for rid, perms in perms_of for p in perms if p.matches(obj.type, action)
        ]

    member_orgs = {org for role in roles for org in role.by_org}
    owned = obj.owner is not None and obj.owner == subject.id
    org = obj.org
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

    levels = (
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
    deciding = next((lv for lv in levels if lv.vote is not Vote.ABSTAIN), None)
    return Explanation(
        allowed=deciding is not None and deciding.vote is Vote.ALLOW,
        subject_id=subject.id,
        subject_name=subject.name,
        action=Action(action),
        object=obj,
        decided_by=None if deciding is None else deciding.level,
        levels=levels,
        ignored_roles=tuple(ignored),
    )
