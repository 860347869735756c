"""Small helpers the route modules share."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from server.context import ME, USER_REF_PATTERN, Ctx
from server.errors import read_or_404

M = TypeVar("M", bound=BaseModel)

PageLimit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
UserQuery = Annotated[str, Query(pattern=USER_REF_PATTERN, description="`me` or a user id.")]

USER_REF_MAX = 254  # the longest email (`server.schemas`); nothing longer can name a user


async def resolve_user_path(
    ctx: Ctx,
    user: Annotated[
        str,
        Path(
            min_length=1,
            max_length=USER_REF_MAX,
            description="`me` (the caller), a user id, a username or an email — what the CLI "
            "takes. A user the caller may not read is the same 404 as a missing one.",
        ),
    ],
) -> UUID:
    """The `{user}` of every route, resolved in one place: `me`, a UUID, a username or an email.

    `me` is always the caller (a user named `me` is reached by id or email). A UUID is passed
    on as is: the route's own read of the user decides (404 when missing or unreadable). A
    username or email is looked up as the caller, so one it may not read is the same 404 as
    one that does not exist — no existence oracle by name either.
    """
    if user == ME:
        return ctx.subject.id
    try:
        return UUID(user)
    except ValueError:
        pass
    async with ctx.statements() as q:
        found = await read_or_404(q.get_user_by_email_or_username(email=user, username=user))
    return found.id


UserPath = Annotated[UUID, Depends(resolve_user_path)]
"""A route's `{user}` path parameter, already resolved to the user's id."""

_INVALID_JSON = object()


async def raw_json_body(request: Request) -> Any:
    """The body as parsed JSON, without validation (`_INVALID_JSON` when it does not parse)."""
    body = await request.body()
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return _INVALID_JSON


RawJsonBody = Annotated[Any, Depends(raw_json_body)]


def lenient_uuid(raw: Any, key: str) -> UUID | None:
    """`raw[key]` as a UUID if it is one; anything else is left for validation to report."""
    if not isinstance(raw, dict) or not isinstance(raw.get(key), str):
        return None
    try:
        return UUID(raw[key])
    except ValueError:
        return None


def validate_body(model: type[M], raw: Any) -> M:
    """What FastAPI does for a declared body, for handlers that must decide before validating."""
    if raw is _INVALID_JSON:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error", "input": {}}]
        )
    if raw is None:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for error in errors:
            error["loc"] = ("body", *error["loc"])
        raise RequestValidationError(errors) from None


def json_body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the JSON request body of a route that reads it raw."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    assert "$defs" not in schema, f"{model.__name__}: nested models need components"
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
