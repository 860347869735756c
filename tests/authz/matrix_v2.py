"""The role matrix's v2 cases: shared objects (user ACL, group ACL, Everyone group) and any-org
questions. Every subject of `matrix_subjects.SUBJECTS` is placed in every case."""

from __future__ import annotations

from collections.abc import Sequence

from authz import Action, resources
from tests.authz.matrix_subjects import GROUP_A, ME, ORG_A, ORG_B, OTHER, Case, _sid

READ = [Action.READ]
NOT_READ = [Action.CREATE, Action.UPDATE, Action.DELETE, Action.SHARE]

SHARED_WITH_ME_IN_A = (
    resources.CHAT.with_id(_sid(102)).with_owner(OTHER).in_org(ORG_A).with_acl(users={ME: READ})
)

V2_CASES: Sequence[Case] = (
    Case(
        "someone else's chat in org A, shared with me (user ACL: read)",
        SHARED_WITH_ME_IN_A,
        READ,
        # The ACL allows members of org A named in it — even under the org-level chat ban.
        allowed=(
            "owner org_admin chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a grouped_chat_access_in_org_a org_admin_me "
            "scoped_chats_only"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
        # Not a member of org A (member, chat_access: unlike Coder), not named, or the scope
        # does not admit it (scoped_one_chat: another id; owner_scoped_profile: not chats).
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member group_member_in_org_a "
            "scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "someone else's chat in org A, shared with me: only read",
        SHARED_WITH_ME_IN_A,
        NOT_READ,
        allowed="owner org_admin org_admin_me",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a grouped_chat_access_in_org_a "
            "group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "someone else's personal chat, shared with me (no org: no membership needed)",
        resources.CHAT.with_id(_sid(103)).with_owner(OTHER).with_acl(users={ME: READ}),
        READ,
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a grouped_chat_access_in_org_a org_admin_me "
            "scoped_chats_only"
            " org_chat_user_me stale_chat_reviewer"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member group_member_in_org_a "
            "scoped_one_chat owner_scoped_profile"
            " chat_reviewer"
        ),
    ),
    Case(
        "someone else's chat in org B, shared with me (I am not in org B)",
        resources.CHAT.with_owner(OTHER).in_org(ORG_B).with_acl(users={ME: ["*"]}),
        READ,
        allowed="owner other_org_admin",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a grouped_chat_access_in_org_a "
            "group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat "
            "owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "someone else's chat in org A, shared with a group of org A",
        resources.CHAT.with_owner(OTHER).in_org(ORG_A).with_acl(groups={GROUP_A: READ}),
        READ,
        allowed="owner org_admin grouped_chat_access_in_org_a group_member_in_org_a org_admin_me"
        " chat_reviewer",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a scoped_chats_only "
            "scoped_one_chat owner_scoped_profile"
            " org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "someone else's chat in org A, shared with everyone in org A (Everyone group)",
        resources.CHAT.with_owner(OTHER).in_org(ORG_A).with_acl(groups={ORG_A: READ}),
        READ,
        allowed=(
            "owner org_admin org_member org_auditor org_user_admin org_service_account "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a "
            "grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
        # scoped_one_chat: the object has no id, and its allow-list names one chat only.
        denied=(
            "member auditor user_admin chat_access other_org_admin other_org_member "
            "scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "create my chat somewhere: personally or in some org (any-org)",
        resources.CHAT.with_owner(ME).any_org(),
        [Action.CREATE],
        # Org admins may create any chat in their org, so the question "in some org" is yes.
        allowed=(
            "owner chat_access org_admin other_org_admin chat_access_in_org_a "
            "chat_access_banned_in_org_a grouped_chat_access_in_org_a org_admin_me "
            "scoped_chats_only"
            " org_chat_user_me"
        ),
        denied=(
            "member auditor user_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_member org_a_member_no_chat group_member_in_org_a "
            "scoped_one_chat owner_scoped_profile"
            " chat_reviewer stale_chat_reviewer"
        ),
    ),
    Case(
        "read model configs site-wide or in some org (any-org)",
        resources.CHAT_MODEL_CONFIG.any_org(),
        READ,
        allowed="owner auditor org_admin org_auditor other_org_admin org_admin_me",
        denied=(
            "member user_admin chat_access org_member org_user_admin org_service_account "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a grouped_chat_access_in_org_a group_member_in_org_a "
            "scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
)
