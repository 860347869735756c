"""Chat model configs: anyone who may use chats sees them; only their admins change them."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi import APIRouter, Response

from authz import Action, resources
from querier.dbauthz import AsyncAuthzQuerier
from querier.errors import NotFoundError
from server.context import Ctx
from server.errors import ResourceHiddenError, read_or_404
from server.schemas import ModelConfigCreateRequest, ModelConfigResponse, ModelConfigUpdateRequest

router = APIRouter(prefix="/api/v2/chats/model-configs", tags=["model configs"])


@router.get("", responses={403: {"description": "The caller may not use chats."}})
async def list_model_configs(ctx: Ctx, enabled_only: bool = False) -> list[ModelConfigResponse]:
    async with ctx.statements() as q:
        configs = await q.get_chat_model_configs(enabled_only=enabled_only)
    return [ModelConfigResponse.of(c) for c in configs]


@router.get("/default")
async def get_default_model_config(ctx: Ctx) -> ModelConfigResponse:
    """The default model config; 404 when there is none or the caller may not use chats."""
    async with ctx.statements() as q:
        return ModelConfigResponse.of(await read_or_404(q.get_default_chat_model_config()))


@router.get("/{config_id}")
async def get_model_config(ctx: Ctx, config_id: UUID) -> ModelConfigResponse:
    async with ctx.statements() as q:
        return ModelConfigResponse.of(await read_or_404(q.get_chat_model_config(id=config_id)))


@router.post("", status_code=201)
async def create_model_config(ctx: Ctx, body: ModelConfigCreateRequest) -> ModelConfigResponse:
    """Add a model config; `is_default` moves the default here from wherever it was."""
    config_id = uuid.uuid4()
    ctx.authorize(Action.CREATE, resources.CHAT_MODEL_CONFIG.with_id(config_id))
    async with ctx.transaction() as q:
        if body.is_default:
            await q.lock_chat_model_config_writes()
            await _clear_default(q, keep=config_id)
        config = await q.insert_chat_model_config(
            id=config_id,
            provider=body.provider,
            model=body.model,
            display_name=body.display_name,
            enabled=body.enabled,
            is_default=body.is_default,
            context_limit=body.context_limit,
        )
    return ModelConfigResponse.of(config)


@router.patch("/{config_id}")
async def update_model_config(
    ctx: Ctx, config_id: UUID, body: ModelConfigUpdateRequest
) -> ModelConfigResponse:
    ctx.authorize(Action.UPDATE, resources.CHAT_MODEL_CONFIG.with_id(config_id))
    async with ctx.transaction() as q:
        await q.lock_chat_model_config_writes()  # first: what is read next is what the last left
        current = await read_or_404(q.get_chat_model_config(id=config_id))
        is_default = current.is_default if body.is_default is None else body.is_default
        if is_default and not current.is_default:
            await _clear_default(q, keep=config_id)
        config = await q.update_chat_model_config(
            id=config_id,
            display_name=current.display_name if body.display_name is None else body.display_name,
            enabled=current.enabled if body.enabled is None else body.enabled,
            is_default=is_default,
            context_limit=current.context_limit
            if body.context_limit is None
            else body.context_limit,
        )
    return ModelConfigResponse.of(config)


@router.delete("/{config_id}", status_code=204, response_class=Response)
async def delete_model_config(ctx: Ctx, config_id: UUID) -> Response:
    ctx.authorize(Action.DELETE, resources.CHAT_MODEL_CONFIG.with_id(config_id))
    async with ctx.statements() as q:
        if await q.delete_chat_model_config(id=config_id) == 0:
            raise ResourceHiddenError()
    return Response(status_code=204)


async def _clear_default(q: AsyncAuthzQuerier, *, keep: UUID) -> None:
    """There is at most one default: unset the current one (the caller may update configs)."""
    try:
        current = await q.get_default_chat_model_config()
    except NotFoundError:
        return
    if current.id != keep:
        await q.update_chat_model_config(
            id=current.id,
            display_name=current.display_name,
            enabled=current.enabled,
            is_default=False,
            context_limit=current.context_limit,
        )
