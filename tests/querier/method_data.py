"""Rows, objects and helpers the method-suite cases share (one place, so every case module
asserts against the same values)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from authz import Action, Object, Subject, resources
from authz.testing import MethodCase
from querier.generated.models import (
    ApiKey,
    Chat,
    ChatFile,
    ChatMessage,
    ChatMessageRole,
    ChatModelConfig,
    ChatStatus,
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

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ACTOR_ID = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
OWNER = uuid.UUID("00000000-0000-4000-8000-0000000000b2")
ORG = uuid.UUID("00000000-0000-4000-8000-0000000000c3")
CHAT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000d4")
FILE_ID = uuid.UUID("00000000-0000-4000-8000-0000000000e5")
CONFIG_ID = uuid.UUID("00000000-0000-4000-8000-0000000000f6")

ACTOR = Subject(id=ACTOR_ID, roles=("owner",))

CHAT = Chat(CHAT_ID, OWNER, ORG, "t", ChatStatus.WAITING, None, False, NOW, NOW, {}, {})
PERSONAL = Chat(CHAT_ID, OWNER, None, "t", ChatStatus.WAITING, None, False, NOW, NOW, {}, {})
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
API_KEY = ApiKey("abcdefghij", b"x" * 32, OWNER, NOW, NOW, NOW, ("all",), ("*:*",))
KEY_OBJ = resources.API_KEY.with_owner(OWNER)
AUTH_ROW = GetAuthorizationUserRolesRow(OWNER, "o", UserStatus.ACTIVE, (), (), "[]", ())
KEY_AUTH_ROW = GetAuthorizationByAPIKeyRow(
    "abcdefghij",
    b"x" * 32,
    NOW,
    NOW,
    OWNER,
    "o",
    UserStatus.ACTIVE,
    (),
    (),
    "[]",
    (),
    ("all",),
    ("*:*",),
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
