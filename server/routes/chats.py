"""Chats: create (with a pre-flight check), list, read, change, delete."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response

from authz import Action
from querier.dbauthz import AsyncAuthzQuerier
from querier.dbauthz.decide import SharedMode
from querier.errors import NotFoundError
from querier.generated.models import Chat, ChatStatus
from server.context import Ctx, chat_object
from server.errors import ResourceHiddenError, read_or_404
from server.routes.common import (
    PageLimit,
    RawJsonBody,
    UserQuery,
    json_body_openapi,
    lenient_uuid,
    validate_body,
)
from server.schemas import ChatCreateRequest, ChatResponse, ChatUpdateRequest

router = APIRouter(prefix="/api/v2/chats", tags=["chats"])


@router.post(
    "",
    status_code=201,
    openapi_extra=json_body_openapi(ChatCreateRequest),
    responses={403: {"description": "The caller may not create chats (there)."}},
)
async def create_chat(ctx: Ctx, raw: RawJsonBody) -> ChatResponse:
    """Create a chat owned by the caller, in `organization_id` if given.

    The caller's right to create a chat there is checked before the body is validated or any
    model config looked up, so a caller without `chat-access` gets 403 and learns nothing else.

    No transaction: the config read and the insert need not stand or fall together (a config
    removed in between fails the insert's foreign key, as it would in a READ COMMITTED
    transaction), so the request is three round trips — authentication, config, insert.
    """
    ctx.authorize(Action.CREATE, chat_object(ctx.subject.id, lenient_uuid(raw, "organization_id")))
    body = validate_body(ChatCreateRequest, raw)
    async with ctx.statements() as q:
        model_config_id = await _model_config_for_new_chat(q, body.model_config_id)
        chat = await q.insert_chat(
            id=uuid.uuid4(),
            owner_id=ctx.subject.id,
            organization_id=body.organization_id,
            title=body.title,
            status=ChatStatus.WAITING,
            last_model_config_id=model_config_id,
        )
    return ChatResponse.of(chat)


async def _model_config_for_new_chat(q: AsyncAuthzQuerier, requested: UUID | None) -> UUID | None:
    """The requested config (400 if unusable) or the default one (None if there is none).

    A config the caller may not read counts as missing: model configs are visible to callers
    who may use personal chats, so an org-only chat user (an org admin) gets no default.
    """
    if requested is None:
        try:
            return (await read_or_404(q.get_default_chat_model_config())).id
        except (NotFoundError, ResourceHiddenError):
            return None
    try:
        config = await read_or_404(q.get_chat_model_config(id=requested))
    except (NotFoundError, ResourceHiddenError):
        raise HTTPException(400, "Unknown model config.") from None
    if not config.enabled:
        raise HTTPException(400, "That model config is disabled.")
    return config.id


@router.get("")
async def list_chats(
    ctx: Ctx,
    owner: UserQuery | None = None,
    archived: bool | None = None,
    after_id: UUID | None = None,
    limit: PageLimit = 25,
    shared: SharedMode = SharedMode.EXCLUDE,
) -> list[ChatResponse]:
    """The chats the caller may read, newest first (`[]` for a caller without chat access).

    `shared`: `exclude` (default) what the caller's roles allow; `include` also the chats
    shared with it (a user entry, or one of its groups, Everyone included); `only` just those,
    minus its own. With chat sharing disabled on the server every mode is `exclude`."""
    owner_id = ctx.user_id(owner) if owner is not None else None
    async with ctx.statements() as q:
        # An unreadable cursor and a missing one answer alike (404): no existence oracle.
        if shared is SharedMode.EXCLUDE:
            fetch = q.get_chats(
                owner_id=owner_id, archived=archived, after_id=after_id, page_limit=limit
            )
        else:
            fetch = q.get_chats_shared(
                shared=shared,
                owner_id=owner_id,
                archived=archived,
                after_id=after_id,
                page_limit=limit,
            )
        chats = await read_or_404(fetch)
    return [ChatResponse.of(chat) for chat in chats]


async def readable_chat(q: AsyncAuthzQuerier, chat_id: UUID) -> Chat:
    """The chat, or 404 whether it is missing or merely unreadable."""
    return await read_or_404(q.get_chat(id=chat_id))


@router.get("/{chat_id}")
async def get_chat(ctx: Ctx, chat_id: UUID) -> ChatResponse:
    async with ctx.statements() as q:
        return ChatResponse.of(await readable_chat(q, chat_id))


@router.patch("/{chat_id}")
async def update_chat(ctx: Ctx, chat_id: UUID, body: ChatUpdateRequest) -> ChatResponse:
    """Change the title, status or archived flag (404 if unreadable, 403 if read-only)."""
    async with ctx.transaction() as q:
        chat = await readable_chat(q, chat_id)
        ctx.authorize(Action.UPDATE, chat.rbac_object())  # even when nothing would change
        if body.title is not None:
            chat = await q.update_chat_title(title=body.title, id=chat_id)
        if body.status is not None:
            chat = await q.update_chat_status(status=body.status, id=chat_id)
        if body.archived is True:
            chat = await q.archive_chat(id=chat_id)
        elif body.archived is False:
            chat = await q.unarchive_chat(id=chat_id)
    return ChatResponse.of(chat)


@router.delete("/{chat_id}", status_code=204, response_class=Response)
async def delete_chat(ctx: Ctx, chat_id: UUID) -> Response:
    async with ctx.transaction() as q:
        await readable_chat(q, chat_id)
        await q.delete_chat(id=chat_id)
    return Response(status_code=204)
