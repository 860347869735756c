"""The per-request context: the caller's subject, and the one way handlers reach the database.

Everything runs on the event loop, on one async connection per request: the request gate
checks it out of the pool, authenticates on it (`server.auth`) and leaves both in the scope;
the dependency hands them to the endpoint as a `RequestContext`. The endpoint sets the actor and
gets the authorizing querier from `ctx.statements()` (autocommit: a read that one statement
answers is one round trip) or `ctx.transaction()` (one BEGIN/COMMIT around several statements
that must stand or fall together) — in the task that does the work, so the actor is never
seen by another request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import AsyncConnection
from sqlalchemy.engine import Engine

from authz import Action, AuthorizerProtocol, Object, Subject, is_allowed, resources
from querier.dbauthz import AsyncAuthzQuerier, as_actor
from querier.generated.async_sql import AsyncSqlQuerier
from server.auth import authenticate, authenticated_subject, request_connection
from server.pool import RequestConnections
from server.settings import Settings

ME = "me"
USER_REF_PATTERN = (
    r"^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
"""A path or query value naming a user: `me` or the user's UUID."""


@dataclass(frozen=True, slots=True)
class AppState:
    """What every request needs from the application; stored on `app.state.dbauthz`."""

    engine: Engine
    settings: Settings
    authorizer: AuthorizerProtocol
    connections: RequestConnections


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.dbauthz
    return state


@dataclass(frozen=True, slots=True)
class RequestContext:
    subject: Subject
    settings: Settings
    authorizer: AuthorizerProtocol
    connection: AsyncConnection[Any]

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[AsyncAuthzQuerier]:
        """As the caller, each statement its own transaction (autocommit): for a read that one
        statement answers, or statements that need not stand or fall together."""
        with as_actor(self.subject):
            yield self._querier()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncAuthzQuerier]:
        """One transaction as the caller: committed when the block ends, rolled back on error."""
        async with self.connection.transaction():
            with as_actor(self.subject):
                yield self._querier()

    def _querier(self) -> AsyncAuthzQuerier:
        sharing = self.settings.chat_sharing  # the kill switch reaches the data layer here
        return AsyncAuthzQuerier(
            AsyncSqlQuerier(self.connection), self.authorizer, chat_sharing=sharing
        )

    def authorize(self, action: Action, obj: Object) -> None:
        """A handler's own pre-flight check; raises `NotAuthorizedError` (-> 403)."""
        self.authorizer.authorize(self.subject, action, obj)

    def may(self, action: Action, obj: Object) -> bool:
        """The same check as a yes/no: for what a response shows, not for refusing."""
        return is_allowed(self.authorizer, self.subject, action, obj)

    def user_id(self, ref: str | UUID) -> UUID:
        """`me` -> the caller; a UUID (a `{user}` path, resolved by `routes.common.UserPath`,
        or a query value validated by `USER_REF_PATTERN`) -> itself."""
        if isinstance(ref, UUID):
            return ref
        return self.subject.id if ref == ME else UUID(ref)


def chat_object(owner_id: UUID, organization_id: UUID | None) -> Object:
    """A chat as `owner_id` would create it, in `organization_id` if given."""
    obj = resources.CHAT.with_owner(owner_id)
    return obj.in_org(organization_id) if organization_id is not None else obj


bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API token (`<id>-<secret>`) from `dbauthz users create` or `serve --demo`.",
)


async def request_context(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> AsyncIterator[RequestContext]:
    """The caller and the request's connection (401 on failure).

    Under `/api/` the request gate has already authenticated the caller on the request's
    connection, before the body was read (`server.gate`): both are used as they are. Elsewhere
    the dependency takes a connection and authenticates on it itself.
    """
    state = app_state(request)
    subject = authenticated_subject(request.scope)
    conn = request_connection(request.scope)
    if subject is not None and conn is not None:
        yield RequestContext(subject, state.settings, state.authorizer, conn)
        return
    async with state.connections.connection() as conn:
        header = request.headers.get("authorization")
        subject = await authenticate(conn, state.authorizer, header)
        yield RequestContext(subject, state.settings, state.authorizer, conn)


Ctx = Annotated[RequestContext, Depends(request_context, scope="function")]
