"""The request gate: who is calling and how large the body may be, decided before it is read.

FastAPI reads and parses a request body before any dependency runs, so a token checked in a
dependency comes too late: a client without one could make the server receive, parse or spool
any amount. This ASGI middleware sits in front of the routing and, for each HTTP request:

1. refuses a declared `Content-Length` above the limit (413) — before reading a byte;
2. under `/api/`, authenticates the bearer token (401 otherwise) — before reading a byte — and
   leaves the subject in the scope for the route (`server.auth.authenticated_subject`);
3. counts the body's bytes as the application receives them and stops at the limit (413):
   that is what bounds a chunked body, which declares no length;
4. reads a body that is not an upload (bounded by 3) and refuses JSON nested deeper than
   `max_json_nesting` (400) before anything parses it — every JSON route in one place.

The database: an `/api/` request takes one async connection from the pool (`server.pool`, which
admits at most as many requests at once as it has connections; the others wait in the event
loop, holding nothing), authenticates on it, and hands it to the application in the scope —
authentication, the handler and the response on one connection, in one event-loop path, no
thread hop. A request with a JSON body gives the connection back while the body is read and
takes one again after, so a slow client sending one holds none (an upload's multipart body is
read by the application, holding its connection).

The limit is `Settings.max_multipart_bytes` for a `multipart/form-data` upload and
`max_json_bytes` for any other body. Refusals raised here go through the application's own
exception handlers, so a 401 or 413 from the gate looks exactly like one from a route.
"""

from __future__ import annotations

import inspect
import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authz import AuthorizerProtocol
from server.auth import CONNECTION_SCOPE_KEY, SUBJECT_SCOPE_KEY, authenticate, parse_bearer
from server.json_depth import nesting_exceeds
from server.pool import RequestConnections
from server.settings import Settings

API_PREFIX = "/api/"
_DIGITS = re.compile(r"[0-9]{1,20}")


class BodyTooLargeError(HTTPException):
    """413 naming the limit; raised before reading (declared length) or while reading."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large: the limit is {limit} bytes.")
        self.limit = limit


class BadBodyError(HTTPException):
    """400: a malformed `Content-Length`, or JSON nested too deep to parse safely."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


class LimitedReceive:
    """An ASGI `receive` that counts body bytes and raises `BodyTooLargeError` past `limit`.

    `pending` says whether part of the body is still unread (it starts as "is there a body").
    """

    def __init__(self, receive: Receive, limit: int, *, pending: bool) -> None:
        self._receive = receive
        self.limit = limit
        self.received = 0
        self.pending = pending

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.pending = bool(message.get("more_body", False))
            if self.received > self.limit:
                self.pending = True
                raise BodyTooLargeError(self.limit)
        else:
            self.pending = False
        return message


class ReplayReceive:
    """Hands out messages already received, then defers to the real `receive`."""

    def __init__(self, messages: list[Message], receive: Receive) -> None:
        self._messages = messages
        self._receive = receive

    async def __call__(self) -> Message:
        if self._messages:
            return self._messages.pop(0)
        return await self._receive()


class RequestGateMiddleware:
    """See the module docstring; `upload_paths` are the only paths that take multipart bodies.

    Everywhere else a body is held to the JSON rules whatever its `Content-Type` says: a route
    may parse its body as JSON without looking at the header.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        connections: RequestConnections,
        settings: Settings,
        authorizer: AuthorizerProtocol,
        upload_paths: frozenset[str],
    ) -> None:
        self.app = app
        self.connections = connections
        self.settings = settings
        self.authorizer = authorizer
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = scope["path"] in self.upload_paths and _is_multipart(
            headers.get("content-type")
        )
        limit = self.settings.max_multipart_bytes if multipart else self.settings.max_json_bytes
        has_body = "transfer-encoding" in headers or headers.get("content-length", "0") != "0"
        body = LimitedReceive(receive, limit, pending=has_body)
        send = _closing_if_unread(send, body)
        reads_json = has_body and not multipart
        api = scope["path"].startswith(API_PREFIX)
        gated: Receive = body
        try:
            declared = _declared_length(headers)
            if declared is not None and declared > limit:
                raise BodyTooLargeError(limit)
            if api:
                parse_bearer(headers.get("authorization"))  # no token: no connection taken
            elif reads_json:
                gated = await self._checked_json(body)
        except Exception as exc:
            await _respond(scope, receive, send, exc)
            return
        if not api:
            await self._run(scope, gated, send)
            return
        failure: Exception | None = None
        async with self.connections.connection() as conn:
            try:
                scope[SUBJECT_SCOPE_KEY] = await authenticate(
                    conn, self.authorizer, headers.get("authorization")
                )
            except Exception as exc:
                failure = exc
            else:
                if not reads_json:  # nothing to read first, or an upload the app reads itself
                    scope[CONNECTION_SCOPE_KEY] = conn
                    await self._run(scope, body, send)
                    return
        if failure is not None:
            await _respond(scope, receive, send, failure)
            return
        try:  # the JSON body is read holding no connection: a slow client ties up none
            gated = await self._checked_json(body)
        except Exception as exc:
            await _respond(scope, receive, send, exc)
            return
        async with self.connections.connection() as conn:
            scope[CONNECTION_SCOPE_KEY] = conn
            await self._run(scope, gated, send)

    async def _checked_json(self, receive: Receive) -> Receive:
        """Read the whole (bounded) body, refuse deep nesting, and replay it to the app."""
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                return ReplayReceive([message], receive)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        nesting = self.settings.max_json_nesting
        if nesting_exceeds(body, nesting):
            raise BadBodyError(f"JSON nested deeper than {nesting} levels.")
        replayed: Message = {"type": "http.request", "body": body, "more_body": False}
        return ReplayReceive([replayed], receive)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app; a limit hit where no handler caught it still answers 413, not 500."""
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLargeError as exc:
            if started:
                raise
            await _respond(scope, receive, send, exc)


def _closing_if_unread(send: Send, body: LimitedReceive) -> Send:
    """Answering before the body is read (a refusal): close the connection after the response.

    Otherwise the server would go on receiving and discarding the rest of the body, however
    large, just to reuse the connection.
    """

    async def closing_send(message: Message) -> None:
        if message["type"] == "http.response.start" and body.pending:
            MutableHeaders(scope=message)["connection"] = "close"
        await send(message)

    return closing_send


async def _respond(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """Answer `exc` with the application's handler for it; re-raise if it has none."""
    handlers = getattr(scope.get("app"), "exception_handlers", {})
    handler = next((handlers[c] for c in type(exc).__mro__ if c in handlers), None)
    if handler is None:
        raise exc
    response = handler(Request(scope), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, receive, send)


def _is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "multipart/form-data"


def _declared_length(headers: Headers) -> int | None:
    raw = headers.get("content-length")
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw.strip()):
        raise BadBodyError("Invalid Content-Length header.")
    return int(raw)
