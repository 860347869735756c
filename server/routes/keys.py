"""A user's API keys: list their metadata, revoke one (Coder's `/users/{user}/keys`).

Keys are `api_key` objects owned by their user: every user may list and revoke its own, owners
anyone's. A key the caller may not read, a key of another user than the one in the path and a
missing key all answer the same 404. Revocation is immediate: every request looks its key up.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from server.context import Ctx
from server.errors import ResourceHiddenError, read_or_404
from server.routes.common import UserPath
from server.schemas import ApiKeyResponse

router = APIRouter(prefix="/api/v2/users", tags=["keys"])

KeyId = Annotated[str, Path(pattern=r"^[a-z0-9]{10,32}$", description="The key's public id.")]


@router.get("/{user}/keys")
async def list_keys(ctx: Ctx, user: UserPath) -> list[ApiKeyResponse]:
    """The user's keys, oldest first: metadata only."""
    user_id = ctx.user_id(user)
    async with ctx.transaction() as q:
        await read_or_404(q.get_user_by_id(id=user_id))
        keys = await read_or_404(q.get_api_keys_by_user_id(user_id=user_id))
    return [ApiKeyResponse.of(key) for key in keys]


@router.delete(
    "/{user}/keys/{key_id}",
    status_code=204,
    responses={403: {"description": "The caller may see the key but not revoke it."}},
)
async def revoke_key(ctx: Ctx, user: UserPath, key_id: KeyId) -> Response:
    """Delete the key: it is refused (401) from the next request on."""
    user_id = ctx.user_id(user)
    async with ctx.transaction() as q:
        key = await read_or_404(q.get_api_key_by_id(id=key_id))
        if key.user_id != user_id:
            raise ResourceHiddenError()
        await q.delete_api_key(id=key_id)
    return Response(status_code=204)
