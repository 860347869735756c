"""Chat sharing: read, change and clear a chat's ACL (read-only sharing, Coder's shapes).

| route                              | needs            | answers                           |
|------------------------------------|------------------|-----------------------------------|
| `GET /api/v2/chats/{chat}/acl`     | `read` on chat   | 200 users and groups with role    |
| `PATCH /api/v2/chats/{chat}/acl`   | `share` on chat  | 204; 400 bad role / id / self / cap|
| `DELETE /api/v2/chats/{chat}/acl`  | `share` on chat  | 204 (every entry removed)         |

A chat the caller may not read answers 404 exactly like a missing one (sharing it too); a
chat it may read but not share answers 403 — so does every ACL write while the kill switch is
on (its own message). The write re-reads the chat under a row lock in one transaction
(`AsyncAuthzQuerier.change_chat_acl`), so two concurrent PATCHes are merged, not lost.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar
from uuid import UUID

from fastapi import APIRouter, Response

from authz import Action, NotAuthorizedError
from querier.dbauthz.chat_acl import READ_ROLE
from server.context import Ctx
from server.errors import ResourceHiddenError
from server.schemas import ChatACLGroup, ChatACLResponse, ChatACLUpdateRequest, ChatACLUser

router = APIRouter(prefix="/api/v2/chats", tags=["sharing"])

T = TypeVar("T")

WRITE_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {
        "description": "The caller may read the chat but not share it, or chat sharing is "
        "disabled on this server (`--disable-chat-sharing`)."
    },
    400: {
        "description": 'A role other than `read` / `""`, the caller or the chat\'s owner as '
        "a target, an id that is unknown or outside the chat's organization (one text for "
        "both), a group on a personal chat, or too many entries."
    },
}


async def share_or_404(write: Awaitable[T]) -> T:
    """A denied read of the chat is the same 404 as a missing chat; a denied share is 403."""
    try:
        return await write
    except NotAuthorizedError as exc:
        if exc.action is Action.READ:
            raise ResourceHiddenError() from exc
        raise


@router.get("/{chat_id}/acl")
async def get_chat_acl(ctx: Ctx, chat_id: UUID) -> ChatACLResponse:
    """Who the chat is shared with; whoever may read the chat may see this (as in Coder)."""
    async with ctx.statements() as q:
        try:
            rows = await q.get_chat_acl(chat_id=chat_id)
        except NotAuthorizedError as exc:
            raise ResourceHiddenError() from exc
    users, groups = [], []
    for row in rows:
        if row.id is None or row.name is None:  # never, for rows of the UNION's arms
            continue
        role = READ_ROLE if READ_ROLE in (row.actions or ()) else ""
        if row.kind == "user":
            users.append(ChatACLUser(id=row.id, username=row.name, role=role))
        else:
            display = row.display_name or ""
            groups.append(ChatACLGroup(id=row.id, name=row.name, display_name=display, role=role))
    return ChatACLResponse(users=users, groups=groups)


@router.patch("/{chat_id}/acl", status_code=204, response_class=Response, responses=WRITE_RESPONSES)
async def patch_chat_acl(ctx: Ctx, chat_id: UUID, body: ChatACLUpdateRequest) -> Response:
    """Grant (`"read"`) or remove (`""`) entries; the others stay as they are."""
    async with ctx.transaction() as q:
        await share_or_404(
            q.change_chat_acl(id=chat_id, user_roles=body.user_roles, group_roles=body.group_roles)
        )
    return Response(status_code=204)


@router.delete(
    "/{chat_id}/acl", status_code=204, response_class=Response, responses=WRITE_RESPONSES
)
async def delete_chat_acl(ctx: Ctx, chat_id: UUID) -> Response:
    """Remove every entry: the chat is shared with nobody."""
    async with ctx.transaction() as q:
        await share_or_404(q.update_chat_acl(id=chat_id, user_acl={}, group_acl={}))
    return Response(status_code=204)
