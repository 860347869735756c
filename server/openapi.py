"""Every status each route can answer with, documented centrally, with one error body schema.

`install_openapi(app)` runs after the routers are mounted and replaces `app.openapi` with a
builder that, for **every** route (so routes added later are covered by default), adds:

| status | documented when                                                     |
|--------|---------------------------------------------------------------------|
| 400    | the operation writes (POST/PUT/PATCH/DELETE), or `EXTRA` says so    |
| 401    | the operation authenticates (it has a `security` requirement)       |
| 403    | the route declares it (`responses=`) or `EXTRA` lists it            |
| 404    | the path has a parameter (`{chat_id}`…): missing and unreadable alike |
| 409    | the operation writes (a concurrent transaction can win), or `EXTRA` |
| 413    | the operation writes (the request gate bounds every body)           |
| 422    | the operation takes parameters or a body                            |
| 500    | always (the log has the traceback under the body's `request_id`)    |
| 503    | always: the database is unreachable (`Retry-After`)                 |

The rules read the generated operation (its path, method, `security`, `parameters`,
`requestBody`, declared `responses`), not FastAPI's route internals.

All error responses share one schema, `ErrorBody` (see `server.errors` for what raises what).
`tests/server/test_openapi.py` and the status recorder (`tests/server/status_recorder.py`)
compare this with the statuses the route tests actually observe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

DESCRIPTIONS: Mapping[int, str] = {
    400: "Invalid input the database or handler refused (unknown role, violated constraint, "
    "out-of-range value); `detail` says what.",
    401: "Missing, invalid or expired token, or a suspended user.",
    403: "The caller may see the resource but not do this.",
    404: "Not found, or not readable by the caller: the same answer for both.",
    409: "Conflicts with an existing record (`detail` names the constraint), or lost to a "
    "concurrent transaction: nothing was written, send it again (`Retry-After`).",
    413: "The body is larger than the limit (`detail` names it).",
    422: "The request failed validation; `detail` lists the fields (the input is not echoed).",
    500: "Unexpected error; `request_id` (also in `X-Request-ID`) finds it in the log.",
    503: "The database is unreachable or restarting (retry after `Retry-After` seconds), or "
    "its schema is behind this program (`message` says: run `dbauthz db migrate`).",
}

EXTRA: Mapping[tuple[str, str], Mapping[int, str]] = {
    ("POST", "/api/v2/users"): {409: "A user with this email or username exists."},
    ("POST", "/api/v2/organizations"): {409: "An organization with this name exists."},
    ("PATCH", "/api/v2/chats/{chat_id}"): {403: "The caller may read the chat but not change it."},
    ("DELETE", "/api/v2/chats/{chat_id}"): {403: "The caller may read the chat but not delete it."},
    ("POST", "/api/v2/chats/model-configs"): {403: "Only owners create model configs."},
    ("PATCH", "/api/v2/chats/model-configs/{config_id}"): {403: "Only owners change them."},
    ("DELETE", "/api/v2/chats/model-configs/{config_id}"): {403: "Only owners delete them."},
    ("GET", "/api/v2/chats/cost/{user}/summary"): {400: "A date is out of range or reversed."},
    ("GET", "/api/v2/chats"): {404: "`after_id` names no chat the caller may read."},
    ("GET", "/api/v2/users"): {404: "`after_id` names no user the caller may read."},
    ("GET", "/api/v2/chats/model-configs/default"): {404: "No default config the caller may read."},
    ("POST", "/api/v2/chats/{chat_id}/messages"): {
        403: "The caller may read the chat but not add to it."
    },
    ("GET", "/api/v2/users/me"): {
        404: "The caller's token is scoped without `user:read` (e.g. `chat:read`): to it, its "
        "own user is unreadable, which reads as missing."
    },
}
"""Statuses a route returns that its own declaration does not (yet) say; keyed by
(method, path template). Prefer `responses=` on the route for new ones."""


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field.")
    msg: str
    type: str | None = None


class ErrorBody(BaseModel):
    """The body of every error response (built by `server.errors.error_body`)."""

    message: str = Field(description="What went wrong, for a person to read.")
    detail: str | list[FieldError] = Field(
        description="The same message (kept for clients that read `detail`); for 422 the list "
        "of fields that failed validation."
    )
    request_id: str = Field(
        description="The id of the request, also in `X-Request-ID` (and in the log line of a "
        "500 or 503)."
    )


def operation_statuses(method: str, path: str, operation: Mapping[str, Any]) -> dict[int, str]:
    """The error statuses an operation documents, with their descriptions (rules above)."""
    out: dict[int, str] = {}
    for status, response in operation.get("responses", {}).items():
        code = int(status)
        if code >= 400:
            out[code] = str(response.get("description") or DESCRIPTIONS.get(code, ""))
    for code, text in EXTRA.get((method, path), {}).items():  # specific words before defaults
        out.setdefault(code, text)
    if method in WRITES:
        for code in (400, 409, 413):
            out.setdefault(code, DESCRIPTIONS[code])
    if operation.get("security"):
        out.setdefault(401, DESCRIPTIONS[401])
    if "{" in path:
        out.setdefault(404, DESCRIPTIONS[404])
    if operation.get("parameters") or operation.get("requestBody"):
        out[422] = DESCRIPTIONS[422]
    out[500] = DESCRIPTIONS[500]
    out[503] = DESCRIPTIONS[503]
    return out


def documented_statuses(app: FastAPI) -> dict[tuple[str, str], set[int]]:
    """`(method, path template) -> every status in the OpenAPI document` (successes included)."""
    out: dict[tuple[str, str], set[int]] = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            out[(method.upper(), path)] = {int(code) for code in operation["responses"]}
    return out


def install_openapi(app: FastAPI) -> None:
    """Add every operation's error statuses and `ErrorBody` to the app's OpenAPI document.

    FastAPI still builds (and caches, and rebuilds when routes change) the document; this
    completes it in place on each call — idempotently, so a cached document is just re-checked.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        complete(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any]) -> None:
    """Document each operation's error statuses with `ErrorBody` and `X-Request-ID`."""
    ref = "#/components/schemas/{model}"
    error_body = ErrorBody.model_json_schema(ref_template=ref)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error_body.pop("$defs", {}))
    components["ErrorBody"] = error_body
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body, replaced
        components.pop(unused, None)
    body = {"application/json": {"schema": {"$ref": ref.format(model="ErrorBody")}}}
    request_id = {
        "X-Request-ID": {
            "description": "The request's id (the caller's own when short and plain).",
            "schema": {"type": "string"},
        }
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in operation_statuses(method.upper(), path, operation).items():
                responses[str(code)] = {"description": text, "content": body}
            for response in responses.values():
                response.setdefault("headers", {}).update(request_id)
            operation["responses"] = dict(sorted(responses.items()))
