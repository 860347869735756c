"""Every error the API can answer with, decided in one place.

| raised                                  | status | body                                  |
|-----------------------------------------|--------|---------------------------------------|
| `AuthenticationError`                   | 401    | why; `WWW-Authenticate: Bearer`       |
| `NotAuthorizedError` (pre-flight/write) | 403    | vague, or the role it may not assign  |
|                                         |        | (or what makes a new token broader)   |
| `NotFoundError`, `ResourceHiddenError`  | 404    | one body for missing *and* unreadable |
| `InvalidRoleError`, constraint, data    | 400    | what was wrong                        |
| `InvalidScopeError` (a token's scope)   | 400    | the unknown names, or the bad entry   |
| `InvalidShareError` (a chat ACL change) | 400    | which sharing rule it broke           |
| `ChatSharingDisabledError`              | 403    | sharing is switched off (its message) |
| `UniqueViolationError`                  | 409    | which constraint                      |
| deadlock, serialization, lock timeout   | 409    | retry; `Retry-After: 1`               |
| request validation                      | 422    | the failed fields (input not echoed)  |
| `gate.BodyTooLargeError`                | 413    | the limit; the connection is closed   |
| `gate.BadBodyError`                     | 400    | too-deep JSON, bad `Content-Length`   |
| `HTTPException` (a route's own, 405…)   | its own| its message                           |
| database unreachable, restarting, gone  | 503    | `Retry-After`                         |
| schema behind the program (a table,     | 503    | run `dbauthz db migrate`              |
| column or type it needs is missing)     |        |                                       |
| anything else                           | 500    | logged with traceback and the id      |

Every error body has one shape (`server.openapi.ErrorBody`): `message` (a string), `detail`
(the same message — kept for clients that read it — or, for 422, the failed fields) and
`request_id` (the `X-Request-ID` value, also in the log line of a 500 or 503). The request gate
(`server.gate`) answers its refusals through these same handlers.

Single-resource reads go through `read_or_404`, which turns a denial into `ResourceHiddenError`
so a caller cannot tell a chat it may not read from one that does not exist. Every response
carries `X-Request-ID`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg.errors
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authz import InvalidRoleError, NotAuthorizedError, RoleEscalationError
from authz.token_scopes import InvalidScopeError, ScopeEscalationError
from querier.dbauthz import RoleAssignmentError
from querier.dbauthz.chat_acl import ChatSharingDisabledError, InvalidShareError
from querier.errors import ConstraintViolationError, NotFoundError, UniqueViolationError
from server.auth import AuthenticationError

log = logging.getLogger("server")

T = TypeVar("T")

REQUEST_ID_HEADER = "X-Request-ID"
NOT_FOUND_DETAIL = "Resource not found or you do not have access to it."
FORBIDDEN_DETAIL = "Forbidden: you are not allowed to perform this action."
INTERNAL_DETAIL = "Internal server error."
UNAVAILABLE_DETAIL = "The database is unavailable; try again shortly."
SCHEMA_BEHIND_DETAIL = (
    "The database schema is behind this program: run `dbauthz db migrate`, then retry."
)
VALIDATION_MESSAGE = "The request failed validation; `detail` lists the fields."
RETRY_AFTER_S = 5
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class ResourceHiddenError(Exception):
    """A denied read, answered exactly like a missing resource."""


async def read_or_404(fetch: Awaitable[T]) -> T:
    """Await a single-resource read; a denial becomes the same 404 as a missing row."""
    try:
        return await fetch
    except NotAuthorizedError as exc:
        raise ResourceHiddenError() from exc


def error_body(request: Request, message: str, detail: Any = None) -> dict[str, Any]:
    """The one error body: `message`, `detail` (the message unless there is more), `request_id`."""
    return {
        "message": message,
        "detail": message if detail is None else detail,
        "request_id": request_id_of(request),
    }


def error_response(
    request: Request, status_code: int, message: str, detail: Any = None, **headers: str
) -> JSONResponse:
    return JSONResponse(
        error_body(request, message, detail), status_code=status_code, headers=headers or None
    )


def forbidden_detail(exc: NotAuthorizedError) -> str:
    """A role-assignment denial names the role, an escalation refusal the permission the caller
    lacks (its own rights and the role it submitted: nothing about other data); every other
    denial stays vague."""
    if isinstance(
        exc,
        RoleAssignmentError | RoleEscalationError | ScopeEscalationError | ChatSharingDisabledError,
    ):
        return str(exc)
    return FORBIDDEN_DETAIL


async def on_authentication_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthenticationError)
    return error_response(request, 401, exc.detail, **{"WWW-Authenticate": "Bearer"})


async def on_not_authorized(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotAuthorizedError)
    return error_response(request, 403, forbidden_detail(exc))


async def on_not_found(request: Request, __: Exception) -> JSONResponse:
    return error_response(request, 404, NOT_FOUND_DETAIL)


async def on_invalid_role(request: Request, exc: Exception) -> JSONResponse:
    return error_response(request, 400, str(exc))


async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    """A route's own `HTTPException`, the gate's 413/400, and Starlette's 404/405 for unknown
    paths and methods: the same body as every other error (headers such as `Allow` kept)."""
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(request, exc.status_code, message, **dict(exc.headers or {}))


async def on_constraint_violation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConstraintViolationError)
    what = exc.constraint or "a database constraint"
    if isinstance(exc, UniqueViolationError):
        return error_response(request, 409, f"Conflicts with an existing record ({what}).")
    return error_response(request, 400, f"Invalid data: violates {what}.")


CONFLICT_DETAIL = "Conflicted with a concurrent change; nothing was written. Retry the request."


def is_transient_conflict(exc: DBAPIError) -> bool:
    """A deadlock or serialization failure (SQLSTATE class 40) or a lock timeout (55P03)."""
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return sqlstate.startswith("40") or sqlstate == "55P03"


async def on_dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    """Values PostgreSQL refuses (out of range, bad encoding) are the client's to fix.

    A transaction PostgreSQL aborted because of another one (deadlock, serialization failure,
    lock timeout) was rolled back whole: the same request may simply be sent again.
    """
    assert isinstance(exc, DBAPIError)
    if is_transient_conflict(exc):
        return error_response(request, 409, CONFLICT_DETAIL, **{"Retry-After": "1"})
    if database_unavailable(exc):
        return unavailable(request, exc)
    if schema_behind(exc):
        return unavailable(request, exc, message=SCHEMA_BEHIND_DETAIL)
    if isinstance(exc.orig, psycopg.errors.DataError):
        return error_response(request, 400, "Invalid data: a value is out of range or malformed.")
    return internal_error(request, exc)


def as_dbapi_error(exc: psycopg.Error) -> DBAPIError:
    """The async face raises psycopg's own errors: wrapped as SQLAlchemy would wrap them, they
    are judged by exactly the same rules as the sync face's."""
    wrapped = DBAPIError.instance(None, None, exc, psycopg.Error, hide_parameters=True)
    assert isinstance(wrapped, DBAPIError)  # always, for a DB-API error
    return wrapped


async def on_psycopg_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, psycopg.Error)
    return await on_dbapi_error(request, as_dbapi_error(exc))


def schema_behind(exc: BaseException) -> bool:
    """A table, column or type the program needs is missing: the schema is behind the program
    (a `db downgrade` under a running server, a database restored from an older dump).

    Nothing the client sent can cause these — every statement is generated from the schema at
    head — so the operator must act: 503 naming `dbauthz db migrate`, not a 500.
    """
    return isinstance(exc, DBAPIError) and isinstance(
        exc.orig,
        psycopg.errors.UndefinedTable
        | psycopg.errors.UndefinedColumn
        | psycopg.errors.UndefinedObject,
    )


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with where and why; the offending input is not echoed (it may be binary)."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": error.get("type"),
        }
        for error in exc.errors()
    ]
    return error_response(request, 422, VALIDATION_MESSAGE, errors)


def database_unavailable(exc: BaseException) -> bool:
    """The server is down, restarting or unreachable (not a bad statement): worth a retry.

    psycopg raises `OperationalError` (connection refused, `AdminShutdown` on a restart, a
    dropped connection) or `InterfaceError` (a closed connection); SQLAlchemy wraps either, or
    times out waiting for a pooled connection.
    """
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return exc.orig is not None and database_unavailable(exc.orig)
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError | PoolTimeoutError)


def unavailable(
    request: Request, exc: BaseException, message: str = UNAVAILABLE_DETAIL
) -> JSONResponse:
    """503 with `Retry-After`: logged in one line (the cause, no traceback), the id in the body."""
    request_id = request_id_of(request)
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    cause = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    log.warning(
        "%s (request_id=%s) %s %s: %s",
        "database unavailable" if message == UNAVAILABLE_DETAIL else "schema behind the program",
        request_id,
        request.method,
        request.url.path,
        cause,
    )
    return error_response(request, 503, message, **{"Retry-After": str(RETRY_AFTER_S)})


async def on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return unavailable(request, exc)


def request_id_of(request: Request) -> str:
    request_id: str = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex
    return request_id


def internal_error(request: Request, exc: BaseException) -> JSONResponse:
    request_id = request_id_of(request)
    log.error(
        "unhandled error (request_id=%s) %s %s",
        request_id,
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_response(request, 500, INTERNAL_DETAIL)


class RequestIdMiddleware:
    """Tags every response with `X-Request-ID` and turns any escaped exception into a 500.

    It sits outside the routing and exception handlers, so the 500 it produces is the only
    one the app can send: logged with the traceback and the id, which the body also carries.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if database_unavailable(exc):
                response = unavailable(Request(scope), exc)
            elif schema_behind(as_dbapi_error(exc) if isinstance(exc, psycopg.Error) else exc):
                response = unavailable(Request(scope), exc, message=SCHEMA_BEHIND_DETAIL)
            else:
                response = internal_error(Request(scope), exc)
            if started:  # too late for a clean answer; let the server drop the connection
                raise
            await response(scope, receive, send_with_id)


def _incoming_request_id(scope: Scope) -> str | None:
    """A caller's own request id is kept when it is short and plain (it ends up in logs)."""
    headers: Sequence[tuple[bytes, bytes]] = scope.get("headers", ())
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _CLIENT_REQUEST_ID.fullmatch(text) else None
    return None


HANDLERS: tuple[tuple[type[Exception], Callable[[Request, Exception], Any]], ...] = (
    (AuthenticationError, on_authentication_error),
    (NotAuthorizedError, on_not_authorized),
    (NotFoundError, on_not_found),
    (ResourceHiddenError, on_not_found),
    (InvalidRoleError, on_invalid_role),
    (InvalidScopeError, on_invalid_role),  # a token's scope: unknown names, bad entries
    (InvalidShareError, on_invalid_role),
    (ConstraintViolationError, on_constraint_violation),
    (DBAPIError, on_dbapi_error),
    (PoolTimeoutError, on_database_unavailable),
    # The async face's own errors (the pool's timeout too): a deadlock is an OperationalError
    # in psycopg, so one handler judges them all in `on_dbapi_error`'s order (409 before 503).
    (psycopg.Error, on_psycopg_error),
    (RequestValidationError, on_validation_error),
    (StarletteHTTPException, on_http_exception),
)


def install_error_handling(app: FastAPI) -> None:
    for exc_type, handler in HANDLERS:
        app.add_exception_handler(exc_type, handler)
    app.add_middleware(RequestIdMiddleware)
