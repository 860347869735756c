"""The method-suite cases of the chat ACLs (sharing) queries (#13).

Every check is on the exact object, ACL included: the stored chat (`SHARED`) is shared with
`READER`, so its object carries that entry, and the decision must be made on it.
"""

from __future__ import annotations

import uuid

from authz import Action, resources
from authz.testing import MethodCase
from querier.dbauthz.group_objects import everyone_object
from querier.generated.models import Chat, ChatStatus, GetChatACLRow, GetChatShareTargetsRow
from tests.querier.method_data import ACTOR_ID, CHAT_ID, CHAT_OBJ, NOW, ORG, OWNER, READ

SHARE = Action.SHARE
READER = uuid.UUID("00000000-0000-4000-8000-0000000000a7")
NEW_USER = uuid.UUID("00000000-0000-4000-8000-0000000000a8")

SHARED = Chat(
    CHAT_ID, OWNER, ORG, "t", ChatStatus.WAITING, None, False, NOW, NOW,
    {str(READER): ["read"]}, {},
)  # fmt: skip
SHARED_OBJ = CHAT_OBJ.with_acl(users={READER: {Action.READ}})
"""The stored chat's object: its ACL is part of what is checked."""
REPLACED = Chat(
    CHAT_ID, OWNER, ORG, "t", ChatStatus.WAITING, None, False, NOW, NOW,
    {str(NEW_USER): ["read"]}, {str(ORG): ["read"]},
)  # fmt: skip
ACL_ROW = GetChatACLRow("user", READER, "reader", "", ("read",))
TARGETS = GetChatShareTargetsRow((NEW_USER,), (ORG,))

CASES: list[MethodCase] = [
    MethodCase(
        "get_chat_acl",
        {"chat_id": CHAT_ID},
        [(SHARED_OBJ, READ)],
        inner={"get_chat": SHARED, "get_chat_acl": [ACL_ROW]},
        writes=True,  # the entries are not read before the chat is allowed
    ),
    MethodCase(
        "get_chat_for_share",
        {"id": CHAT_ID},
        [(SHARED_OBJ, READ), (SHARED_OBJ, READ), (SHARED_OBJ, SHARE)],
        inner={"get_chat": SHARED, "get_chat_for_share": SHARED},
    ),
    MethodCase(
        "get_chat_share_targets",
        {"user_ids": (NEW_USER,), "organization_id": ORG, "group_ids": (ORG,)},
        # Whoever may share its own chats in the org may look its members and groups up.
        [(resources.CHAT.with_owner(ACTOR_ID).in_org(ORG), SHARE)],
        inner={"get_chat_share_targets": TARGETS},
        writes=True,
    ),
    MethodCase(
        "update_chat_acl",
        {"id": CHAT_ID, "user_acl": {str(NEW_USER): ["read"]}, "group_acl": {str(ORG): ["read"]}},
        # A new group must be one the sharer may read (here the org's Everyone group).
        [(SHARED_OBJ, READ), (SHARED_OBJ, READ), (SHARED_OBJ, SHARE), (everyone_object(ORG), READ)],
        inner={
            "get_chat": SHARED,
            "get_chat_for_share": SHARED,
            "get_chat_share_targets": TARGETS,
            "update_chat_acl": REPLACED,
        },
        writes=True,
    ),
]
