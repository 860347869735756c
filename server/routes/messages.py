"""A chat's messages: read them, add to them (authorized as the parent chat)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from querier.errors import ForeignKeyViolationError
from server.context import Ctx
from server.errors import ResourceHiddenError
from server.routes.chats import readable_chat
from server.routes.common import PageLimit
from server.schemas import MAX_BIGINT, MessageCreateRequest, MessageResponse

router = APIRouter(prefix="/api/v2/chats", tags=["messages"])

CHAT_FKEY = "chat_messages_chat_id_fkey"


@router.post("/{chat_id}/messages", status_code=201)
def post_message(ctx: Ctx, chat_id: UUID, body: MessageCreateRequest) -> MessageResponse:
    """Append a message (404 if the chat is unreadable, 403 if the caller may only read it).

    An unknown `model_config_id` is refused by its foreign key (400).
    """
    with ctx.transaction() as q:
        readable_chat(q, chat_id)
        try:
            message = q.insert_chat_message(
                chat_id=chat_id,
                created_by=ctx.subject.id,
                role=body.role,
                content=body.content,
                model_config_id=body.model_config_id,
                input_tokens=body.input_tokens,
                output_tokens=body.output_tokens,
                total_cost_micros=body.total_cost_micros,
            )
        except ForeignKeyViolationError as exc:
            if exc.constraint == CHAT_FKEY:  # deleted since it was read: the chat is gone
                raise ResourceHiddenError() from exc
            raise
    return MessageResponse.of(message)


@router.get("/{chat_id}/messages")
def list_messages(
    ctx: Ctx,
    chat_id: UUID,
    after_id: Annotated[int, Query(ge=0, le=MAX_BIGINT, description="Last id seen.")] = 0,
    limit: PageLimit = 50,
) -> list[MessageResponse]:
    """Messages oldest first; soft-deleted ones are left out."""
    with ctx.transaction() as q:
        readable_chat(q, chat_id)
        messages = q.get_chat_messages(chat_id=chat_id, after_id=after_id, page_limit=limit)
    return [MessageResponse.of(m) for m in messages]
