"""Small helpers the route modules share."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from server.context import USER_REF_PATTERN

M = TypeVar("M", bound=BaseModel)

PageLimit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
UserQuery = Annotated[str, Query(pattern=USER_REF_PATTERN, description="`me` or a user id.")]
UserPath = Annotated[str, Path(pattern=USER_REF_PATTERN, description="`me` or a user id.")]

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
