"""The per-request context: the caller's subject, and the one way handlers reach the database.

FastAPI runs a sync dependency and the endpoint in different threadpool calls, so an actor set
in a dependency would not be seen by the endpoint. Instead the dependency authenticates and
hands over a `RequestContext`; the endpoint opens `ctx.transaction()`, which sets the actor and
yields the authorizing querier, in the thread that does the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Connection, Engine

from authz import Action, AuthorizerProtocol, Object, Subject, resources
from querier.dbauthz import AuthzQuerier, as_actor
from querier.generated.sql import SqlQuerier
from server.auth import authenticate, authenticated_subject
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


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.dbauthz
    return state


@dataclass(frozen=True, slots=True)
class RequestContext:
    subject: Subject
    settings: Settings
    authorizer: AuthorizerProtocol
    connection: Connection

    @contextmanager
    def transaction(self) -> Iterator[AuthzQuerier]:
        """One transaction as the caller: committed when the block ends, rolled back on error."""
        with self.connection.begin(), as_actor(self.subject):
            yield AuthzQuerier(SqlQuerier(self.connection), self.authorizer)

    def authorize(self, action: Action, obj: Object) -> None:
        """A handler's own pre-flight check; raises `NotAuthorizedError` (-> 403)."""
        self.authorizer.authorize(self.subject, action, obj)

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


def request_context(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Iterator[RequestContext]:
    """Authenticate (401 on failure) and lend the request one connection until it ends.

    Under `/api/` the request gate has already authenticated the caller, before the body was
    read (`server.gate`); its subject is used as is.
    """
    state = app_state(request)
    with state.engine.connect() as conn:
        subject = authenticated_subject(request.scope)
        if subject is None:
            subject = authenticate(conn, state.authorizer, request.headers.get("authorization"))
        yield RequestContext(
            subject=subject,
            settings=state.settings,
            authorizer=state.authorizer,
            connection=conn,
        )


Ctx = Annotated[RequestContext, Depends(request_context, scope="function")]
