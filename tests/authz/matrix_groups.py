"""The role matrix's group cases (#13): groups and their rosters, in org A and org B.

A group object carries its own group ACL entry `{group.id: [read]}` (as in Coder), so the
group's members read it — and its roster — without any role; the Everyone group (id = org id)
is read by every member of its org the same way. Managing groups (create / update / delete) is
for organization admins (and owners); managing who is in them (`group_member` create / delete)
also for user admins (site-wide) and organization user admins (their org). Nobody gets a group
or a roster entry through owning it: `member` and `organization-member` exclude both types, so
a member can never add itself. Every subject of `matrix_subjects.SUBJECTS` is placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from authz import Action, resources
from tests.authz.matrix_subjects import GROUP_A, ME, ORG_A, ORG_B, Case

READ = [Action.READ]
WRITES = [Action.CREATE, Action.UPDATE, Action.DELETE]
ROSTER_WRITES = [Action.CREATE, Action.DELETE]
GROUP_B = UUID("00000000-0000-4000-8000-0000000000d0")

GROUP_IN_A = resources.GROUP.with_id(GROUP_A).in_org(ORG_A).with_acl(groups={GROUP_A: READ})
ROSTER_IN_A = resources.GROUP_MEMBER.with_id(GROUP_A).in_org(ORG_A).with_acl(groups={GROUP_A: READ})
GROUP_IN_B = resources.GROUP.with_id(GROUP_B).in_org(ORG_B).with_acl(groups={GROUP_B: READ})
ROSTER_IN_B = resources.GROUP_MEMBER.with_id(GROUP_B).in_org(ORG_B).with_acl(groups={GROUP_B: READ})
EVERYONE_A = resources.GROUP.with_id(ORG_A).in_org(ORG_A).with_acl(groups={ORG_A: READ})

_NOBODY_ELSE = (
    "member chat_access org_member org_service_account other_org_admin other_org_member "
    "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a "
    "scoped_chats_only scoped_one_chat owner_scoped_profile "
    "chat_reviewer org_chat_user_me stale_chat_reviewer"
)
"""Neither a manager of org A's groups nor in group A (or scoped away from groups)."""

GROUP_CASES: Sequence[Case] = (
    Case(
        "group A of org A: read (its members through its ACL entry; readers of groups)",
        GROUP_IN_A,
        READ,
        allowed=(
            "owner auditor user_admin org_admin org_admin_me org_auditor org_user_admin "
            "grouped_chat_access_in_org_a group_member_in_org_a"
        ),
        denied=_NOBODY_ELSE,
    ),
    Case(
        "group A of org A: create, rename, delete (organization admins only)",
        GROUP_IN_A,
        WRITES,
        allowed="owner org_admin org_admin_me",
        # User admins manage who is in a group, not which groups exist; the ACL grants read.
        denied=(
            "auditor user_admin org_auditor org_user_admin grouped_chat_access_in_org_a "
            f"group_member_in_org_a {_NOBODY_ELSE}"
        ),
    ),
    Case(
        "org A's Everyone group: read by every member of org A (ACL entry = org id)",
        EVERYONE_A,
        READ,
        allowed=(
            "owner auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a grouped_chat_access_in_org_a group_member_in_org_a "
            "org_admin_me chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
        # Not members of org A, or scoped to something else.
        denied=(
            "member chat_access other_org_admin other_org_member scoped_chats_only "
            "scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "group A's roster: read (the group's members see who else is in it)",
        ROSTER_IN_A,
        READ,
        allowed=(
            "owner auditor user_admin org_admin org_admin_me org_auditor org_user_admin "
            "grouped_chat_access_in_org_a group_member_in_org_a"
        ),
        denied=_NOBODY_ELSE,
    ),
    Case(
        "group A's roster: add and remove members (admins and user admins, not the members)",
        ROSTER_IN_A,
        ROSTER_WRITES,
        allowed="owner user_admin org_admin org_admin_me org_user_admin",
        denied=(
            f"auditor org_auditor grouped_chat_access_in_org_a group_member_in_org_a {_NOBODY_ELSE}"
        ),
    ),
    Case(
        "my own entry in group A's roster (owning it grants nothing: no self-add)",
        resources.GROUP_MEMBER.with_id(GROUP_A).with_owner(ME).in_org(ORG_A),
        ROSTER_WRITES,
        allowed="owner user_admin org_admin org_admin_me org_user_admin",
        denied=(
            f"auditor org_auditor grouped_chat_access_in_org_a group_member_in_org_a {_NOBODY_ELSE}"
        ),
    ),
    Case(
        "a group object owned by me, no org (never stored; owning it grants nothing)",
        resources.GROUP.with_owner(ME),
        WRITES,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a "
            "grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only "
            "scoped_one_chat owner_scoped_profile chat_reviewer org_chat_user_me "
            "stale_chat_reviewer"
        ),
    ),
    Case(
        "a group of org B: read",
        GROUP_IN_B,
        READ,
        allowed="owner auditor user_admin other_org_admin",
        denied=(
            "member chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a grouped_chat_access_in_org_a group_member_in_org_a "
            "org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile chat_reviewer "
            "org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "a group of org B: create, rename, delete; its roster: add, remove (org A's admins may not)",
        GROUP_IN_B,
        WRITES,
        allowed="owner other_org_admin",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a grouped_chat_access_in_org_a "
            "group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat "
            "owner_scoped_profile chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "a group of org B's roster: add, remove (site user admins may; org A's may not)",
        ROSTER_IN_B,
        ROSTER_WRITES,
        allowed="owner user_admin other_org_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a grouped_chat_access_in_org_a "
            "group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat "
            "owner_scoped_profile chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
)
