"""Chat model configs: anyone who may use chats sees them; only their admins change them."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi import APIRouter, Response

from authz import Action, resources
from querier.dbauthz import AuthzQuerier
from querier.errors import NotFoundError
from server.context import Ctx
from server.errors import ResourceHiddenError, read_or_404
from server.schemas import ModelConfigCreateRequest, ModelConfigResponse, ModelConfigUpdateRequest

router = APIRouter(prefix="/api/v2/chats/model-configs", tags=["model configs"])


@router.get("", responses={403: {"description": "The caller may not use chats."}})
def list_model_configs(ctx: Ctx, enabled_only: bool = False) -> list[ModelConfigResponse]:
    with ctx.transaction() as q:
        configs = q.get_chat_model_configs(enabled_only=enabled_only)
    return [ModelConfigResponse.of(c) for c in configs]


@router.get("/default")
def get_default_model_config(ctx: Ctx) -> ModelConfigResponse:
    """The default model config; 404 when there is none or the caller may not use chats."""
    with ctx.transaction() as q:
        return ModelConfigResponse.of(read_or_404(q.get_default_chat_model_config))


@router.get("/{config_id}")
def get_model_config(ctx: Ctx, config_id: UUID) -> ModelConfigResponse:
    with ctx.transaction() as q:
        return ModelConfigResponse.of(read_or_404(lambda: q.get_chat_model_config(id=config_id)))


@router.post("", status_code=201)
def create_model_config(ctx: Ctx, body: ModelConfigCreateRequest) -> ModelConfigResponse:
    """Add a model config; `is_default` moves the default here from wherever it was."""
    config_id = uuid.uuid4()
    ctx.authorize(Action.CREATE, resources.CHAT_MODEL_CONFIG.with_id(config_id))
    with ctx.transaction() as q:
        if body.is_default:
            q.lock_chat_model_config_writes()
            _clear_default(q, keep=config_id)
        config = q.insert_chat_model_config(
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
def update_model_config(
    ctx: Ctx, config_id: UUID, body: ModelConfigUpdateRequest
) -> ModelConfigResponse:
    ctx.authorize(Action.UPDATE, resources.CHAT_MODEL_CONFIG.with_id(config_id))
    with ctx.transaction() as q:
        q.lock_chat_model_config_writes()  # first: what is read next is what the last writer left
        current = read_or_404(lambda: q.get_chat_model_config(id=config_id))
        is_default = current.is_default if body.is_default is None else body.is_default
        if is_default and not current.is_default:
            _clear_default(q, keep=config_id)
        config = q.update_chat_model_config(
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
def delete_model_config(ctx: Ctx, config_id: UUID) -> Response:
    ctx.authorize(Action.DELETE, resources.CHAT_MODEL_CONFIG.with_id(config_id))
    with ctx.transaction() as q:
        if q.delete_chat_model_config(id=config_id) == 0:
            raise ResourceHiddenError()
    return Response(status_code=204)


def _clear_default(q: AuthzQuerier, *, keep: UUID) -> None:
    """There is at most one default: unset the current one (the caller may update configs)."""
    try:
        current = q.get_default_chat_model_config()
    except NotFoundError:
        return
    if current.id != keep:
        q.update_chat_model_config(
            id=current.id,
            display_name=current.display_name,
            enabled=current.enabled,
            is_default=False,
            context_limit=current.context_limit,
        )
