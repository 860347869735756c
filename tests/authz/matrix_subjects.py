"""The role matrix's subjects and `Case`: shared by the v1 cases (test_matrix) and the v2
cases (matrix_v2: ACLs, groups, scopes, any-org)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from authz import Action, CustomRole, Object, OrgPermissions, Permission, Role, Scope, Subject
from authz import roles as r

ME = UUID("00000000-0000-4000-8000-00000000000a")
OTHER = UUID("00000000-0000-4000-8000-00000000000b")
ORG_A = UUID("00000000-0000-4000-8000-0000000000a0")
ORG_B = UUID("00000000-0000-4000-8000-0000000000b0")
GROUP_A = UUID("00000000-0000-4000-8000-0000000000c0")
"""A group of org A (not its Everyone group, whose id is ORG_A)."""

CRUD = (Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE)
CHAT_ACTIONS = (*CRUD, Action.SHARE)
CHAT_WRITES = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.SHARE)

CHAT_BANNED_IN_A = Role(
    "chat-ban",
    "Chat ban in org A (negated org-level chat)",
    by_org={ORG_A: OrgPermissions(org=(Permission(True, "chat", Action.WILDCARD),))},
)


CHAT_REVIEWER = CustomRole(
    ORG_A, "chat-reviewer", "Chat reviewer", org=["chat:read"], member=[], version=3
)
"""Org A's custom role: read every chat of the org, nothing more."""
ORG_CHAT_USER = CustomRole(ORG_A, "org-chat-user", "Chats in org A", member=["chat:*"], version=1)
"""Org A's custom role: chats of one's own in org A (not personal ones, not other orgs')."""
CHAT_REVIEWER_OF_B = CustomRole(ORG_B, "chat-reviewer", "Chat reviewer", org=["chat:read"])
"""Org B's role of the same name: never a definition of org A's."""


def _subject(
    ident: UUID,
    *roles: str,
    inline: Iterable[Role] = (),
    groups: Iterable[UUID] = (),
    scope: Scope = Scope.ALL,
    custom: Iterable[CustomRole] = (),
) -> Subject:
    return Subject(
        id=ident,
        roles=(r.MEMBER, *roles),
        inline_roles=inline,
        groups=groups,
        scope=scope,
        custom_roles=custom,
    )


def _sid(n: int) -> UUID:
    return UUID(int=0x5000 + n)


def org_member(org: UUID) -> str:
    return f"{r.ORG_MEMBER}:{org}"


SUBJECTS: Mapping[str, Subject] = {
    "owner": _subject(_sid(1), r.OWNER),
    "member": _subject(ME),
    "auditor": _subject(_sid(2), r.AUDITOR),
    "user_admin": _subject(_sid(3), r.USER_ADMIN),
    "chat_access": _subject(ME, r.CHAT_ACCESS),
    "org_admin": _subject(_sid(4), org_member(ORG_A), f"{r.ORG_ADMIN}:{ORG_A}"),
    "org_member": _subject(_sid(5), org_member(ORG_A)),
    "org_auditor": _subject(_sid(6), org_member(ORG_A), f"{r.ORG_AUDITOR}:{ORG_A}"),
    "org_user_admin": _subject(_sid(7), org_member(ORG_A), f"{r.ORG_USER_ADMIN}:{ORG_A}"),
    "org_service_account": _subject(_sid(8), f"{r.ORG_SERVICE_ACCOUNT}:{ORG_A}"),
    "other_org_admin": _subject(_sid(9), org_member(ORG_B), f"{r.ORG_ADMIN}:{ORG_B}"),
    "other_org_member": _subject(_sid(10), org_member(ORG_B)),
    "chat_access_in_org_a": _subject(ME, r.CHAT_ACCESS, org_member(ORG_A)),
    "org_a_member_no_chat": _subject(ME, org_member(ORG_A)),
    "chat_access_banned_in_org_a": _subject(
        ME, r.CHAT_ACCESS, org_member(ORG_A), inline=(CHAT_BANNED_IN_A,)
    ),
    # v2: groups, scopes, and an org admin who is the current user
    "grouped_chat_access_in_org_a": _subject(
        ME, r.CHAT_ACCESS, org_member(ORG_A), groups=(GROUP_A,)
    ),
    "group_member_in_org_a": _subject(_sid(11), org_member(ORG_A), groups=(GROUP_A,)),
    "org_admin_me": _subject(ME, org_member(ORG_A), f"{r.ORG_ADMIN}:{ORG_A}"),
    "scoped_chats_only": _subject(
        ME, r.CHAT_ACCESS, org_member(ORG_A), scope=Scope.from_names(["chat:*"])
    ),
    "scoped_one_chat": _subject(
        ME, r.CHAT_ACCESS, org_member(ORG_A), scope=Scope(["chat:*"], [("chat", _sid(101))])
    ),
    "owner_scoped_profile": _subject(_sid(12), r.OWNER, scope=Scope.from_names(["user:profile"])),
    # custom organization roles
    "chat_reviewer": _subject(
        _sid(13), org_member(ORG_A), f"chat-reviewer:{ORG_A}", custom=(CHAT_REVIEWER,)
    ),
    "org_chat_user_me": _subject(
        ME, org_member(ORG_A), f"org-chat-user:{ORG_A}", custom=(ORG_CHAT_USER,)
    ),
    "stale_chat_reviewer": _subject(
        ME, org_member(ORG_A), f"chat-reviewer:{ORG_A}", custom=(CHAT_REVIEWER_OF_B,)
    ),
}
"""member, chat_access, chat_access_in_org_a, org_a_member_no_chat,
chat_access_banned_in_org_a, grouped_chat_access_in_org_a, org_admin_me, scoped_chats_only,
scoped_one_chat, org_chat_user_me and stale_chat_reviewer are the current user (id ME); the others have ids of their own. The scoped
subjects: `chat:*` on everything; `chat:*` on chat _sid(101) only; an owner narrowed to
`user:profile`. Custom roles: chat_reviewer (its own id) holds org A's "chat-reviewer"
(org-level chat read); org_chat_user_me holds org A's "org-chat-user" (member-level chat `*`);
stale_chat_reviewer holds "chat-reviewer" of org A but carries only org B's definition of
that name (org A's was deleted): it grants nothing, so it is org_a_member_no_chat again.
The cases' objects are owned by ME, by OTHER (nobody here), or by no one."""


@dataclass(frozen=True)
class Case:
    """One object and some actions; `allowed` and `denied` list subject names, space-separated.

    Every subject must be in exactly one of them: there is no default bucket, so a new subject
    forces a decision in every case.
    """

    name: str
    resource: Object
    actions: Sequence[Action]
    allowed: str
    denied: str

    def buckets(self) -> tuple[list[str], list[str]]:
        return self.allowed.split(), self.denied.split()
