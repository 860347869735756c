"""A chat's messages: read them, add to them (authorized as the parent chat)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from server.context import Ctx
from server.routes.chats import readable_chat
from server.routes.common import PageLimit
from server.schemas import MAX_BIGINT, MessageCreateRequest, MessageResponse

router = APIRouter(prefix="/api/v2/chats", tags=["messages"])


@router.post("/{chat_id}/messages", status_code=201)
async def post_message(ctx: Ctx, chat_id: UUID, body: MessageCreateRequest) -> MessageResponse:
    """Append a message (404 if the chat is unreadable, 403 if the caller may only read it).

    A `model_config_id` the caller may not read answers exactly like a missing one (404).
    Token counts and cost are not accepted here (422): only the system records usage.
    """
    async with ctx.transaction() as q:
        await readable_chat(q, chat_id)
        message = await q.insert_chat_message(
            chat_id=chat_id,
            created_by=ctx.subject.id,
            role=body.role,
            content=body.content,
            model_config_id=body.model_config_id,
            input_tokens=0,
            output_tokens=0,
            total_cost_micros=0,
        )
    return MessageResponse.of(message)


@router.get("/{chat_id}/messages")
async def list_messages(
    ctx: Ctx,
    chat_id: UUID,
    after_id: Annotated[int, Query(ge=0, le=MAX_BIGINT, description="Last id seen.")] = 0,
    limit: PageLimit = 50,
) -> list[MessageResponse]:
    """Messages oldest first; soft-deleted ones are left out."""
    async with ctx.transaction() as q:
        await readable_chat(q, chat_id)
        messages = await q.get_chat_messages(chat_id=chat_id, after_id=after_id, page_limit=limit)
    return [MessageResponse.of(m) for m in messages]
