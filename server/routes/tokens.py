"""Scoped API tokens: mint one (`POST /users/{user}/keys/tokens`), list the scope names.

The data layer decides everything about a new token (`insert_api_key`): `create` on the target
user's `api_key` (everyone for itself, owners for anyone), valid scope names and allow-list
entries (400 naming the unknown ones), and never broader than the caller's own token (403 saying
what is broader). Minting for another user follows the key listing's rule: whoever may not
create keys for that user gets the 404 of a missing user, so a request learns nothing about
users it cannot see; for oneself a refusal is 403.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from authz import NotAuthorizedError, Scope
from authz.token_scopes import PUBLIC_SCOPE_NAMES, ScopeEscalationError
from server.context import Ctx
from server.errors import ResourceHiddenError, read_or_404
from server.routes.common import UserPath
from server.schemas import ApiKeyResponse
from server.schemas_tokens import ScopeResponse, TokenCreateRequest, TokenCreateResponse
from server.tokens import mint_token_async

router = APIRouter(prefix="/api/v2", tags=["keys"])


@router.post(
    "/users/{user}/keys/tokens",
    status_code=201,
    responses={
        400: {"description": "An unknown scope name (named), or a malformed allow-list entry."},
        403: {
            "description": "The caller may not mint tokens for itself (its token's scope lacks "
            "`api_key:create`), or asked for a scope broader than its own token's (named)."
        },
    },
)
async def create_token(ctx: Ctx, user: UserPath, body: TokenCreateRequest) -> TokenCreateResponse:
    """Mint a token for the user, narrowed to `scopes` on `allow_list`; the token is in `key`,
    shown only in this response."""
    user_id = ctx.user_id(user)
    mine = user_id == ctx.subject.id
    async with ctx.statements() as q:
        if not mine:
            await read_or_404(q.get_user_by_id(id=user_id))
        try:
            token, key = await mint_token_async(
                q,
                user_id,
                timedelta(seconds=body.lifetime_seconds),
                body.scopes,
                [entry.stored() for entry in body.allow_list],
            )
        except ScopeEscalationError:
            raise
        except NotAuthorizedError as exc:
            if mine:
                raise
            raise ResourceHiddenError() from exc  # like listing another user's keys
    return TokenCreateResponse(key=str(token), **ApiKeyResponse.of(key).model_dump())


@router.get("/auth/scopes")
async def list_scopes(ctx: Ctx) -> list[ScopeResponse]:
    """Every scope name a token may be minted with, and the permissions each admits.

    Needs a token (every `/api/` route does) but no permission: the names are the same for
    every caller."""
    del ctx  # authenticated by the request gate; nothing else to decide
    return [ScopeResponse(name=name, permissions=_permissions(name)) for name in PUBLIC_SCOPE_NAMES]


def _permissions(name: str) -> list[str]:
    return [f"{p.resource_type}:{p.action.value}" for p in Scope.from_names([name]).permissions]
