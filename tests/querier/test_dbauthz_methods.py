"""The method suite: every `Querier` method, the exact checks it makes, run three ways, on both
faces (`AuthzQuerier` and `AsyncAuthzQuerier` share the cases: one list, two suites).

The inner querier is a mock (that is the point: we assert what the wrapper asks, not what the
database does); real-database behaviour is in test_dbauthz_integration.py.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest

from authz import Action, Authorizer, NotAuthorizedError, Object, Subject, resources
from authz.subjects import CHATD
from authz.testing import MethodCase, MethodSuite, Mode, RecordingAuthorizer
from authz.testing.suite import call_method
from querier.dbauthz import AsyncAuthzQuerier, AuthzQuerier, as_actor, without_actor
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.models import (
    ApiKey,
    Chat,
    ChatFile,
    ChatMessage,
    ChatMessageRole,
    ChatModelConfig,
    ChatStatus,
    DeleteCustomRoleIfUnusedRow,
    DemoSeed,
    GetAuthorizationByAPIKeyRow,
    GetAuthorizationUserRolesRow,
    GetChatCostPerChatRow,
    GetChatCostPerModelRow,
    GetChatCostSummaryRow,
    GetChatFileMetadataRow,
    GetDataPresenceRow,
    Organization,
    OrganizationMember,
    User,
    UserStatus,
)
from querier.generated.models import CustomRole as CustomRoleRow
from querier.generated.protocol import FILTERED_METHODS, QUERY_METHODS, Querier

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ACTOR_ID = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
OWNER = uuid.UUID("00000000-0000-4000-8000-0000000000b2")
ORG = uuid.UUID("00000000-0000-4000-8000-0000000000c3")
CHAT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000d4")
FILE_ID = uuid.UUID("00000000-0000-4000-8000-0000000000e5")
CONFIG_ID = uuid.UUID("00000000-0000-4000-8000-0000000000f6")

ACTOR = Subject(id=ACTOR_ID, roles=("owner",))

CHAT = Chat(CHAT_ID, OWNER, ORG, "t", ChatStatus.WAITING, None, False, NOW, NOW)
PERSONAL = Chat(CHAT_ID, OWNER, None, "t", ChatStatus.WAITING, None, False, NOW, NOW)
MESSAGE = ChatMessage(
    7, CHAT_ID, OWNER, ChatMessageRole.USER, {"text": "x"}, None, 1, 2, 3, False, NOW
)
USER = User(OWNER, "o@example.com", "o", ("chat-access",), UserStatus.ACTIVE, NOW, NOW)
ORGANIZATION = Organization(ORG, "acme", "Acme", False, NOW)
MEMBER = OrganizationMember(OWNER, ORG, ("organization-auditor",), NOW)
FILE = ChatFile(FILE_ID, OWNER, ORG, "a.txt", "text/plain", b"x", NOW)
FILE_META = GetChatFileMetadataRow(FILE_ID, OWNER, ORG, "a.txt", "text/plain", 1, NOW)
CONFIG = ChatModelConfig(CONFIG_ID, "acme", "m", "M", True, True, 8192, NOW, NOW)
SUMMARY = GetChatCostSummaryRow(Decimal(10), Decimal(1), Decimal(2), 3)
PER_MODEL = [
    GetChatCostPerModelRow(CONFIG_ID, "acme", "m", "M", Decimal(10), Decimal(1), Decimal(2), 3)
]
PER_CHAT = [GetChatCostPerChatRow(CHAT_ID, "t", Decimal(10), Decimal(1), Decimal(2), 3)]
API_KEY = ApiKey("abcdefghij", b"x" * 32, OWNER, NOW, NOW, NOW)
KEY_OBJ = resources.API_KEY.with_owner(OWNER)
AUTH_ROW = GetAuthorizationUserRolesRow(OWNER, "o", UserStatus.ACTIVE, (), (), "[]")
KEY_AUTH_ROW = GetAuthorizationByAPIKeyRow(
    "abcdefghij", b"x" * 32, NOW, NOW, OWNER, "o", UserStatus.ACTIVE, (), (), "[]"
)
ROLE_ROW = CustomRoleRow(ORG, "chat-reviewer", "Chat reviewer", ("chat:read",), (), 1, NOW, NOW)
ROLE_ARGS = {
    "organization_id": ORG,
    "name": "chat-reviewer",
    "display_name": "Chat reviewer",
    "org_permissions": ("chat:read",),
    "member_permissions": (),
}
ORG_CHATS = Object(type="chat").in_org(ORG)
"""The escalation guard's probe for `chat:*` pairs: every chat of the org."""
DEMO_SEED = DemoSeed(True, NOW)
PRESENCE = GetDataPresenceRow(True, False, False)

CHAT_OBJ = resources.CHAT.with_id(CHAT_ID).with_owner(OWNER).in_org(ORG)
CHATS_ANYWHERE = resources.CHAT.with_owner(ACTOR_ID).any_org()
"""May the actor use chats at all: create one personally or in some org of its."""
OWNERS_CHATS = resources.CHAT.with_owner(OWNER)
ORG_MEMBERS = resources.ORGANIZATION_MEMBER.in_org(ORG)
ASSIGN = resources.ASSIGN_ROLE
ASSIGN_ORG = resources.ASSIGN_ORG_ROLE.in_org(ORG)
WINDOW = {"owner_id": OWNER, "start_date": NOW, "end_date": NOW}

READ, CREATE, UPDATE, DELETE = Action.READ, Action.CREATE, Action.UPDATE, Action.DELETE
ASSIGN_, UNASSIGN = Action.ASSIGN, Action.UNASSIGN


def chat_update(method: str, extra: dict[str, object], action: Action = UPDATE) -> MethodCase:
    returns = 1 if method == "delete_chat" else CHAT
    return MethodCase(
        method,
        {"id": CHAT_ID, **extra},
        [(CHAT_OBJ, action)],
        inner={"get_chat": CHAT, method: returns},
        writes=True,
    )


def cost_case(method: str, returns: object) -> MethodCase:
    """The owner's chats, then only those the reader may read, filtered in SQL."""
    return MethodCase(
        method,
        WINDOW,
        [(OWNERS_CHATS, READ), (Object(type="chat"), READ)],
        inner={method: returns},
        writes=True,
        empty_when_denied=False,
    )


METHOD_SUITE = MethodSuite(
    spec=Querier,
    methods=QUERY_METHODS,
    wrap=AuthzQuerier,
    actor=ACTOR,
    as_actor=as_actor,
    without_actor=without_actor,
    filtered=FILTERED_METHODS,
)
METHOD_SUITE.add(
    # users
    MethodCase(
        "get_user_by_id",
        {"id": OWNER},
        [(resources.user_object(OWNER), READ)],
        inner={"get_user_by_id": USER},
    ),
    MethodCase(
        "get_user_by_id_for_update",
        {"id": OWNER},
        [(resources.user_object(OWNER), READ)],
        inner={"get_user_by_id_for_update": USER},
    ),
    MethodCase(
        "get_user_by_email_or_username",
        {"email": "o@example.com", "username": ""},
        [(resources.user_object(OWNER), READ)],
        inner={"get_user_by_email_or_username": USER},
    ),
    MethodCase(
        "get_users",
        {"page_limit": 10},
        [(Object(type="user"), READ)],
        inner={"get_users": [USER]},
    ),
    MethodCase(
        "insert_user",
        {
            "id": OWNER,
            "email": "o@example.com",
            "username": "o",
            "rbac_roles": ("chat-access", "member"),
            "status": UserStatus.ACTIVE,
        },
        [(resources.USER, CREATE), (ASSIGN, ASSIGN_)],
        inner={"insert_user": USER},
        writes=True,
    ),
    MethodCase(
        "update_user_roles",
        {"id": OWNER, "granted_roles": ("auditor", "user-admin")},
        # Only the changed roles are checked: chat-access removed, two added.
        [
            (resources.user_object(OWNER), READ),
            (ASSIGN, ASSIGN_),
            (ASSIGN, ASSIGN_),
            (ASSIGN, UNASSIGN),
        ],
        inner={"get_user_and_owners_for_update": [USER], "update_user_roles": USER},
        writes=True,
    ),
    MethodCase(
        "update_user_status",
        {"id": OWNER, "status": UserStatus.SUSPENDED},
        [(resources.user_object(OWNER), UPDATE), (resources.user_object(OWNER), READ)],
        inner={"get_user_and_owners_for_update": [USER], "update_user_status": USER},
        writes=True,
    ),
    MethodCase(
        "get_user_and_owners_for_update",
        {"id": OWNER},
        [(resources.SYSTEM, READ)],
        inner={"get_user_and_owners_for_update": [USER]},
        writes=True,
    ),
    MethodCase(
        "get_authorization_user_roles",
        {"user_id": OWNER},
        [(resources.SYSTEM, READ)],
        inner={"get_authorization_user_roles": AUTH_ROW},
        writes=True,
    ),
    # API keys
    MethodCase(
        "get_authorization_by_api_key",
        {"id": "abcdefghij"},
        [(resources.SYSTEM, READ)],
        inner={"get_authorization_by_api_key": KEY_AUTH_ROW},
        writes=True,
    ),
    MethodCase(
        "insert_api_key",
        {"id": "abcdefghij", "hashed_secret": b"x" * 32, "user_id": OWNER, "expires_at": NOW},
        [(KEY_OBJ, CREATE)],
        inner={"insert_api_key": API_KEY},
        writes=True,
    ),
    MethodCase(
        "get_api_key_by_id",
        {"id": "abcdefghij"},
        [(KEY_OBJ, READ)],
        inner={"get_api_key_by_id": API_KEY},
    ),
    MethodCase(
        "update_api_key_last_used",
        {"id": "abcdefghij", "last_used": NOW},
        [(KEY_OBJ, UPDATE)],
        inner={"get_api_key_by_id": API_KEY, "update_api_key_last_used": 1},
        writes=True,
    ),
    MethodCase(
        "delete_api_key",
        {"id": "abcdefghij"},
        [(KEY_OBJ, DELETE)],
        inner={"get_api_key_by_id": API_KEY, "delete_api_key": 1},
        writes=True,
    ),
    MethodCase(
        "get_api_keys_by_user_id",
        {"user_id": OWNER},
        [(KEY_OBJ, READ)],
        inner={"get_api_keys_by_user_id": [API_KEY]},
        writes=True,
    ),
    # organizations and members
    MethodCase(
        "insert_organization",
        {"id": ORG, "name": "acme", "display_name": "Acme", "is_default": False},
        [(resources.ORGANIZATION.with_id(ORG).in_org(ORG), CREATE)],
        inner={"insert_organization": ORGANIZATION},
        writes=True,
    ),
    MethodCase(
        "get_organization_by_id",
        {"id": ORG},
        [(ORGANIZATION.rbac_object(), READ)],
        inner={"get_organization_by_id": ORGANIZATION},
    ),
    MethodCase(
        "get_default_organization",
        {},
        [(ORGANIZATION.rbac_object(), READ)],
        inner={"get_default_organization": ORGANIZATION},
    ),
    MethodCase(
        "get_organization_by_name",
        {"name": "acme"},
        [(ORGANIZATION.rbac_object(), READ)],
        inner={"get_organization_by_name": ORGANIZATION},
    ),
    MethodCase(
        "get_organizations",
        {"page_limit": 10},
        [(Object(type="organization"), READ)],
        inner={"get_organizations": [ORGANIZATION]},
    ),
    MethodCase(
        "insert_organization_member",
        {"user_id": OWNER, "organization_id": ORG, "roles": ("organization-auditor",)},
        # The user and the organization must be readable too (else: as if missing).
        [
            (ORG_MEMBERS, CREATE),
            (ASSIGN_ORG, ASSIGN_),
            (resources.user_object(OWNER), READ),
            (ORGANIZATION.rbac_object(), READ),
        ],
        inner={"insert_organization_member": MEMBER},
        writes=True,
    ),
    MethodCase(
        "get_organization_member",
        {"user_id": OWNER, "organization_id": ORG},
        [(ORG_MEMBERS, READ)],
        inner={"get_organization_member": MEMBER},
    ),
    MethodCase(
        "update_member_roles",
        {
            "user_id": OWNER,
            "organization_id": ORG,
            "granted_roles": ("organization-auditor", "organization-admin", "chat-reviewer"),
        },
        # A custom role: its definition is read, then assign + the escalation guard.
        [(ORG_MEMBERS, UPDATE), (ASSIGN_ORG, ASSIGN_), (ASSIGN_ORG, ASSIGN_), (ORG_CHATS, READ)],
        inner={
            "get_organization_member_for_update": MEMBER,
            "get_custom_roles_for_assignment": [ROLE_ROW],
            "update_member_roles": MEMBER,
        },
        writes=True,
    ),
    MethodCase(
        "get_organization_member_for_update",
        {"user_id": OWNER, "organization_id": ORG},
        [(ORG_MEMBERS, READ)],
        inner={"get_organization_member_for_update": MEMBER},
    ),
    MethodCase(
        "get_organization_members",
        {"organization_id": ORG},
        [(ORG_MEMBERS, READ)],
        inner={"get_organization_members": [MEMBER]},
        writes=True,
    ),
    MethodCase(
        "delete_organization_member",
        {"user_id": OWNER, "organization_id": ORG},
        # Removing a member takes its org roles away: each is an unassignment.
        [(ORG_MEMBERS, DELETE), (ASSIGN_ORG, UNASSIGN)],
        inner={"get_organization_member_for_update": MEMBER, "delete_organization_member": 1},
        writes=True,
    ),
    # custom roles: the action on assign_org_role in the org, then the escalation guard's probes
    MethodCase(
        "insert_custom_role",
        ROLE_ARGS,
        [(ASSIGN_ORG, CREATE), (ORG_CHATS, READ)],
        inner={"insert_custom_role": ROLE_ROW},
        writes=True,
    ),
    MethodCase(
        "get_custom_role",
        {"organization_id": ORG, "name": "chat-reviewer"},
        [(ASSIGN_ORG, READ)],
        inner={"get_custom_role": ROLE_ROW},
    ),
    MethodCase(
        "get_custom_role_for_update",
        {"organization_id": ORG, "name": "chat-reviewer"},
        [(ASSIGN_ORG, READ)],
        inner={"get_custom_role_for_update": ROLE_ROW},
    ),
    MethodCase(
        "get_custom_roles_by_organization",
        {"organization_id": ORG},
        [(ASSIGN_ORG, READ)],
        inner={"get_custom_roles_by_organization": [ROLE_ROW]},
        writes=True,
    ),
    MethodCase(
        "update_custom_role",
        {**ROLE_ARGS, "org_permissions": ("chat:read", "chat:update")},
        # The new definition and the stored one both pass the guard.
        [
            (ASSIGN_ORG, READ),
            (ASSIGN_ORG, UPDATE),
            (ORG_CHATS, READ),
            (ORG_CHATS, UPDATE),
            (ORG_CHATS, READ),
        ],
        inner={"get_custom_role_for_update": ROLE_ROW, "update_custom_role": ROLE_ROW},
        writes=True,
    ),
    MethodCase(
        "delete_custom_role_if_unused",
        {"organization_id": ORG, "name": "chat-reviewer"},
        [(ASSIGN_ORG, READ), (ASSIGN_ORG, DELETE), (ORG_CHATS, READ)],
        inner={
            "get_custom_role_for_update": ROLE_ROW,
            "delete_custom_role_if_unused": DeleteCustomRoleIfUnusedRow(0, 1),
        },
        writes=True,
    ),
    MethodCase(
        "get_custom_roles_for_assignment",
        {"organization_id": ORG, "names": ("chat-reviewer",)},
        [(ASSIGN_ORG, READ)],
        inner={"get_custom_roles_for_assignment": [ROLE_ROW]},
        writes=True,
    ),
    # chats
    MethodCase("get_chat", {"id": CHAT_ID}, [(CHAT_OBJ, READ)], inner={"get_chat": CHAT}),
    MethodCase(
        "get_chats",
        {"page_limit": 50, "owner_id": OWNER},
        [(Object(type="chat"), READ)],
        inner={"get_chats": [CHAT]},
    ),
    MethodCase(
        "insert_chat",
        {
            "id": CHAT_ID,
            "owner_id": OWNER,
            "organization_id": None,
            "title": "t",
            "status": ChatStatus.WAITING,
        },
        [(resources.CHAT.with_owner(OWNER), CREATE)],  # personal: no org
        inner={"insert_chat": PERSONAL},
        writes=True,
    ),
    chat_update("update_chat_title", {"title": "new"}),
    chat_update("update_chat_status", {"status": ChatStatus.RUNNING}),
    chat_update("archive_chat", {}),
    chat_update("unarchive_chat", {}),
    chat_update("delete_chat", {}, DELETE),
    # messages: authorized as the parent chat; usage only from chatd; the config must be usable
    MethodCase(
        "insert_chat_message",
        {
            "chat_id": CHAT_ID,
            "created_by": None,
            "role": ChatMessageRole.ASSISTANT,
            "content": {"text": "x"},
            "model_config_id": CONFIG_ID,
            "input_tokens": 1,
            "output_tokens": 2,
            "total_cost_micros": 3,
        },
        [(CHAT_OBJ, UPDATE), (resources.CHAT.with_owner(CHATD.id), READ)],
        inner={"get_chat": CHAT, "insert_chat_message": MESSAGE},
        writes=True,
        actor=CHATD,
    ),
    MethodCase(
        "get_chat_messages",
        {"chat_id": CHAT_ID, "after_id": 0, "page_limit": 10},
        [(CHAT_OBJ, READ)],
        inner={"get_chat": CHAT, "get_chat_messages": [MESSAGE]},
        writes=True,
    ),
    MethodCase(
        "get_chat_message",
        {"chat_id": CHAT_ID, "id": 7},
        [(CHAT_OBJ, READ)],
        inner={"get_chat": CHAT, "get_chat_message": MESSAGE},
        writes=True,
    ),
    MethodCase(
        "soft_delete_chat_message",
        {"chat_id": CHAT_ID, "id": 7},
        [(CHAT_OBJ, UPDATE)],
        inner={"get_chat": CHAT, "soft_delete_chat_message": 1},
        writes=True,
    ),
    # cost: read on the owner's chats
    cost_case("get_chat_cost_summary", SUMMARY),
    cost_case("get_chat_cost_per_model", PER_MODEL),
    cost_case("get_chat_cost_per_chat", PER_CHAT),
    # files: authorized as chats of their owner
    MethodCase(
        "insert_chat_file",
        {
            "id": FILE_ID,
            "owner_id": OWNER,
            "organization_id": ORG,
            "name": "a.txt",
            "mimetype": "text/plain",
            "data": b"x",
        },
        [(resources.CHAT.with_owner(OWNER).in_org(ORG), CREATE)],
        inner={"insert_chat_file": FILE},
        writes=True,
    ),
    MethodCase(
        "get_chat_file",
        {"id": FILE_ID},
        [(resources.CHAT.with_owner(OWNER).in_org(ORG), READ)],
        inner={"get_chat_file_metadata": FILE_META, "get_chat_file": FILE},
        writes=True,  # here: the bytes are never loaded when the read is denied
    ),
    MethodCase(
        "get_chat_file_metadata",
        {"id": FILE_ID},
        [(resources.CHAT.with_owner(OWNER).in_org(ORG), READ)],
        inner={"get_chat_file_metadata": FILE_META},
    ),
    # model configs: readable by whoever may create a chat somewhere (any org or personally),
    # else by read on chat_model_config in some org (see the fallback test); managed on
    # chat_model_config
    MethodCase(
        "get_default_chat_model_config",
        {},
        [(CHATS_ANYWHERE, CREATE)],
        inner={"get_default_chat_model_config": CONFIG},
        writes=True,
    ),
    MethodCase(
        "get_chat_model_config",
        {"id": CONFIG_ID},
        [(CHATS_ANYWHERE, CREATE)],
        inner={"get_chat_model_config": CONFIG},
        writes=True,
    ),
    MethodCase(
        "get_chat_model_configs",
        {"enabled_only": True},
        [(CHATS_ANYWHERE, CREATE)],
        inner={"get_chat_model_configs": [CONFIG]},
        writes=True,
    ),
    MethodCase(
        "insert_chat_model_config",
        {
            "id": CONFIG_ID,
            "provider": "acme",
            "model": "m",
            "display_name": "M",
            "enabled": True,
            "is_default": True,
            "context_limit": 8192,
        },
        [(resources.CHAT_MODEL_CONFIG.with_id(CONFIG_ID), CREATE)],
        inner={"insert_chat_model_config": CONFIG},
        writes=True,
    ),
    MethodCase(
        "update_chat_model_config",
        {
            "id": CONFIG_ID,
            "display_name": "M",
            "enabled": True,
            "is_default": False,
            "context_limit": 4096,
        },
        [(resources.CHAT_MODEL_CONFIG.with_id(CONFIG_ID), UPDATE)],
        inner={"update_chat_model_config": CONFIG},
        writes=True,
    ),
    MethodCase(
        "delete_chat_model_config",
        {"id": CONFIG_ID},
        [(resources.CHAT_MODEL_CONFIG.with_id(CONFIG_ID), DELETE)],
        inner={"delete_chat_model_config": 1},
        writes=True,
    ),
    # demo seeding: system only
    MethodCase(
        "get_demo_seed",
        {},
        [(resources.SYSTEM, READ)],
        inner={"get_demo_seed": DEMO_SEED},
        writes=True,
    ),
    MethodCase(
        "insert_demo_seed",
        {},
        [(resources.SYSTEM, CREATE)],
        inner={"insert_demo_seed": DEMO_SEED},
        writes=True,
    ),
    MethodCase(
        "get_data_presence",
        {},
        [(resources.SYSTEM, READ)],
        inner={"get_data_presence": PRESENCE},
        writes=True,
    ),
    MethodCase(
        "lock_chat_model_config_writes",
        {},
        [(resources.CHAT_MODEL_CONFIG, UPDATE)],
        inner={"lock_chat_model_config_writes": None},
        writes=True,
    ),
)


ASYNC_METHOD_SUITE = dataclasses.replace(METHOD_SUITE, spec=AsyncQuerier, wrap=AsyncAuthzQuerier)
"""The same cases (the very same list: a case added to `METHOD_SUITE` runs here too), on the
async face with an async inner mock."""


def test_method(method_case: MethodCase, method_mode: Mode) -> None:
    METHOD_SUITE.run(method_case, method_mode)


def test_async_method(method_case: MethodCase, method_mode: Mode) -> None:
    ASYNC_METHOD_SUITE.run(method_case, method_mode)


def test_both_faces_share_one_list_of_cases() -> None:
    assert ASYNC_METHOD_SUITE.cases is METHOD_SUITE.cases
    ASYNC_METHOD_SUITE.assert_complete()


OWN_COST_CASES = [
    MethodCase(
        method,
        {**WINDOW, "owner_id": ACTOR_ID},
        [(CHATS_ANYWHERE, CREATE), (Object(type="chat"), READ)],
        inner={method: returns},
        writes=True,
        empty_when_denied=False,
    )
    for method, returns in (
        ("get_chat_cost_summary", SUMMARY),
        ("get_chat_cost_per_model", PER_MODEL),
        ("get_chat_cost_per_chat", PER_CHAT),
    )
]


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("case", OWN_COST_CASES, ids=lambda c: c.method)
def test_own_cost_needs_chats_anywhere_not_read_on_own_chats(
    case: MethodCase, mode: Mode, face: str
) -> None:
    """One's own cost: whoever may use chats somewhere (an org admin without chat-access too)."""
    (METHOD_SUITE if face == "sync" else ASYNC_METHOD_SUITE).run(case, mode)


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("member", "auditor"), True),  # site read on chat_model_config
        (("member", f"organization-auditor:{ORG}", f"organization-member:{ORG}"), True),
        (("member", f"organization-member:{ORG}"), False),
    ],
)
def test_model_configs_fall_back_to_read_on_chat_model_config(
    roles: tuple[str, ...], allowed: bool, face: str
) -> None:
    """Auditors cannot create chats; their read on chat_model_config is what lets them in."""
    recorder = RecordingAuthorizer(Authorizer())
    spec, wrap = (Querier, AuthzQuerier) if face == "sync" else (AsyncQuerier, AsyncAuthzQuerier)
    inner = mock.create_autospec(spec, instance=True)
    inner.get_chat_model_configs.return_value = [CONFIG]
    wrapper = wrap(inner, recorder)
    args = {"enabled_only": True}
    with as_actor(Subject(id=ACTOR_ID, roles=roles)):
        if allowed:
            assert call_method(wrapper, "get_chat_model_configs", args) == [CONFIG]
        else:
            with pytest.raises(NotAuthorizedError):
                call_method(wrapper, "get_chat_model_configs", args)
            inner.get_chat_model_configs.assert_not_called()
    assert recorder.pairs() == [
        (CHATS_ANYWHERE, CREATE),
        (resources.CHAT_MODEL_CONFIG.any_org(), READ),
    ]


def test_every_method_has_exactly_one_case() -> None:
    METHOD_SUITE.assert_complete()


def test_accounting_names_a_method_without_a_case() -> None:
    partial = MethodSuite(
        spec=Querier,
        methods=QUERY_METHODS,
        wrap=AuthzQuerier,
        actor=ACTOR,
        as_actor=as_actor,
        without_actor=without_actor,
        cases=[c for c in METHOD_SUITE.cases if c.method != "get_chat"],
    )
    with pytest.raises(AssertionError, match=r"methods without a case: (.*, )?get_chat"):
        partial.assert_complete()


def test_the_kit_catches_a_wrong_object() -> None:
    wrong = MethodCase(
        "get_chat",
        {"id": CHAT_ID},
        [(resources.CHAT.with_owner(OWNER), READ)],
        inner={"get_chat": CHAT},
    )
    with pytest.raises(AssertionError, match="get_chat: checked"):
        METHOD_SUITE.run(wrong, Mode.SUCCESS)
