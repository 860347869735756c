"""Bodies of the scoped-token endpoints (`POST /users/{user}/keys/tokens`, `GET /auth/scopes`).

Only shapes and sizes are checked here (422); what the names and entries mean — known scope
names, known types, UUID ids, not broader than the caller's own token — is decided by the data
layer (`authz.token_scopes`), which answers 400 naming what is unknown, or 403.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from authz.token_scopes import DEFAULT_SCOPES
from server.schemas import AllowListEntry, ApiKeyResponse, RequestBody, ResponseBody, ScopeText
from server.settings import DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME


def _everything() -> list[AllowListEntry]:
    return [AllowListEntry(type="*", id="*")]


class TokenCreateRequest(RequestBody):
    scopes: list[ScopeText] = Field(
        default_factory=lambda: list(DEFAULT_SCOPES),
        description='Scope names (`GET /api/v2/auth/scopes`); default `["all"]`: unscoped.',
    )
    allow_list: list[AllowListEntry] = Field(
        default_factory=_everything,
        description="The objects the token may reach; default `*:*` (everything its scope "
        'names). `{"type": "chat", "id": "<uuid>"}` narrows it to one chat.',
    )
    lifetime_seconds: Annotated[
        int,
        Field(
            ge=int(MIN_TOKEN_LIFETIME.total_seconds()),
            le=int(MAX_TOKEN_LIFETIME.total_seconds()),
            description="How long the token is valid (default 30 days, at most 365).",
        ),
    ] = int(DEFAULT_TOKEN_LIFETIME.total_seconds())


class TokenCreateResponse(ApiKeyResponse):
    """The new key's metadata and, this once, the token itself."""

    key: str = Field(description="The token, `<id>-<secret>`: shown only in this response.")


class ScopeResponse(ResponseBody):
    name: str
    permissions: list[str] = Field(
        description="The `type:action` pairs it admits (`*` for any); `all` is `*:*`."
    )
