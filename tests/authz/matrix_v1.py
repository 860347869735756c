"""The role matrix's v1 cases: every built-in role (and, since custom organization roles,
subjects holding them) against every resource type and action. Every subject of
`matrix_subjects.SUBJECTS` is placed in every case."""

from __future__ import annotations

from collections.abc import Sequence

from authz import Action, resources
from tests.authz.matrix_subjects import (
    CHAT_ACTIONS,
    CHAT_WRITES,
    CRUD,
    ME,
    ORG_A,
    ORG_B,
    OTHER,
    Case,
    _sid,
)

V1_CASES: Sequence[Case] = (
    # --- chats: the chat-access gate --------------------------------------------------------
    Case(
        "own personal chat",
        resources.CHAT.with_id(_sid(100)).with_owner(ME),
        CHAT_ACTIONS,
        allowed=(
            "owner chat_access chat_access_in_org_a chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a scoped_chats_only"
        ),
        denied=(
            "member auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat"
            " group_member_in_org_a org_admin_me scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "own chat in org A (user-level grant reaches it; the org-level ban overrides it): read",
        resources.CHAT.with_id(_sid(101)).with_owner(ME).in_org(ORG_A),
        [Action.READ],
        allowed=(
            "owner org_admin chat_access_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
            " chat_reviewer org_chat_user_me"
        ),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " group_member_in_org_a owner_scoped_profile"
            " stale_chat_reviewer"
        ),
    ),
    Case(
        "own chat in org A (user-level grant reaches it; the org-level ban overrides it): write, share",
        resources.CHAT.with_id(_sid(101)).with_owner(ME).in_org(ORG_A),
        CHAT_WRITES,
        allowed=(
            "owner org_admin chat_access_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
            " org_chat_user_me"
        ),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " group_member_in_org_a owner_scoped_profile"
            " chat_reviewer stale_chat_reviewer"
        ),
    ),
    Case(
        "own chat in org B, which the chat-access user does not belong to",
        resources.CHAT.with_owner(ME).in_org(ORG_B),
        CHAT_ACTIONS,
        allowed="owner other_org_admin",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "someone else's chat in org A: read",
        resources.CHAT.with_owner(OTHER).in_org(ORG_A),
        [Action.READ],
        allowed=("owner org_admin org_admin_me chat_reviewer"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "someone else's chat in org A: write, share",
        resources.CHAT.with_owner(OTHER).in_org(ORG_A),
        CHAT_WRITES,
        allowed=("owner org_admin org_admin_me"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "someone else's personal chat",
        resources.CHAT.with_owner(OTHER),
        CHAT_ACTIONS,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    # --- users ------------------------------------------------------------------------------
    Case(
        "read own user",
        resources.user_object(ME),
        [Action.READ],
        allowed=(
            "owner member auditor user_admin chat_access chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me owner_scoped_profile"
            " org_chat_user_me stale_chat_reviewer"
        ),
        denied=(
            "org_admin org_member org_auditor org_user_admin org_service_account "
            "other_org_admin other_org_member"
            " group_member_in_org_a scoped_chats_only scoped_one_chat"
            " chat_reviewer"
        ),
    ),
    Case(
        "own user, personal fields",
        resources.user_object(ME),
        [Action.READ_PERSONAL, Action.UPDATE_PERSONAL],
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me owner_scoped_profile"
            " org_chat_user_me stale_chat_reviewer"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member"
            " group_member_in_org_a scoped_chats_only scoped_one_chat"
            " chat_reviewer"
        ),
    ),
    Case(
        "update or delete own user (members may not)",
        resources.user_object(ME),
        [Action.UPDATE, Action.DELETE],
        allowed="owner user_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "manage another user",
        resources.user_object(OTHER),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner user_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "read another user",
        resources.user_object(OTHER),
        [Action.READ],
        allowed=("owner auditor user_admin owner_scoped_profile"),
        denied=(
            "member chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "another user's personal fields",
        resources.user_object(OTHER),
        [Action.READ_PERSONAL, Action.UPDATE_PERSONAL],
        allowed=("owner owner_scoped_profile"),
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    # --- organizations and members ----------------------------------------------------------
    Case(
        "read org A",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.READ],
        allowed=(
            "owner auditor org_admin org_member org_auditor org_user_admin "
            "org_service_account chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
        denied=(
            "member user_admin chat_access other_org_admin other_org_member"
            " scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "create or update org A",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.CREATE, Action.UPDATE],
        allowed=("owner org_admin org_admin_me"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "delete org A (not even its admin)",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.DELETE],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "read members of org A",
        resources.ORGANIZATION_MEMBER.in_org(ORG_A),
        [Action.READ],
        allowed=("owner auditor user_admin org_admin org_auditor org_user_admin org_admin_me"),
        denied=(
            "member chat_access org_member org_service_account other_org_admin "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "manage members of org A",
        resources.ORGANIZATION_MEMBER.in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed=("owner user_admin org_admin org_user_admin org_admin_me"),
        denied=(
            "member auditor chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "read own membership in org A (members may not)",
        resources.ORGANIZATION_MEMBER.with_id(ME).with_owner(ME).in_org(ORG_A),
        [Action.READ],
        allowed=("owner auditor user_admin org_admin org_auditor org_user_admin org_admin_me"),
        denied=(
            "member chat_access org_member org_service_account other_org_admin "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "edit own membership in org A (members may not)",
        resources.ORGANIZATION_MEMBER.with_id(ME).with_owner(ME).in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed=("owner user_admin org_admin org_user_admin org_admin_me"),
        denied=(
            "member auditor chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    # --- model configs, api keys ------------------------------------------------------------
    Case(
        "read a chat model config",
        resources.CHAT_MODEL_CONFIG.with_id(_sid(200)),
        [Action.READ],
        allowed="owner auditor",
        denied=(
            "member user_admin chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "manage chat model configs",
        resources.CHAT_MODEL_CONFIG.with_id(_sid(200)),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "own api key",
        resources.API_KEY.with_id(_sid(300)).with_owner(ME),
        CRUD,
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me"
            " org_chat_user_me stale_chat_reviewer"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member"
            " group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer"
        ),
    ),
    Case(
        "someone else's api key",
        resources.API_KEY.with_owner(OTHER),
        CRUD,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    # --- role assignment --------------------------------------------------------------------
    Case(
        "read site role assignments (every member may)",
        resources.ASSIGN_ROLE,
        [Action.READ],
        allowed=(
            "owner member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
        denied=(" scoped_chats_only scoped_one_chat owner_scoped_profile"),
    ),
    Case(
        "assign site roles",
        resources.ASSIGN_ROLE,
        [Action.ASSIGN, Action.UNASSIGN],
        allowed="owner user_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "org roles in org A",
        resources.ASSIGN_ORG_ROLE.in_org(ORG_A),
        [Action.ASSIGN, Action.UNASSIGN, Action.READ],
        allowed=("owner org_admin org_user_admin org_admin_me"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "define custom roles in org A (org user admins may assign, not define)",
        resources.ASSIGN_ORG_ROLE.in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner org_admin org_admin_me",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a grouped_chat_access_in_org_a "
            "group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    # --- deployment, system -----------------------------------------------------------------
    Case(
        "deployment config",
        resources.DEPLOYMENT_CONFIG,
        [Action.READ, Action.UPDATE],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
    Case(
        "system",
        resources.SYSTEM,
        CRUD,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
            " chat_reviewer org_chat_user_me stale_chat_reviewer"
        ),
    ),
)
