"""`create_app(engine, settings)`: the FastAPI application over the authorizing querier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from psycopg import AsyncConnection
from sqlalchemy.engine import Engine

from authz import Authorizer, AuthorizerProtocol
from server.context import AppState
from server.errors import install_error_handling
from server.gate import RequestGateMiddleware
from server.openapi import install_openapi
from server.pool import RequestConnections
from server.routes import ROUTERS, files
from server.settings import Settings

DESCRIPTION = """\
Chats, messages, costs, files and model configs, behind per-user API tokens.

Every handler reaches the database only through the authorizing querier, acting as the caller:
a resource you may not read answers **404** exactly like one that does not exist; an action you
may not take on something you can see answers **403**.
"""


def create_app(
    engine: Engine,
    settings: Settings | None = None,
    *,
    authorizer: AuthorizerProtocol | None = None,
    connection_class: type[AsyncConnection[Any]] = AsyncConnection,
) -> FastAPI:
    """The app; requests use async connections to `engine`'s database (`server.pool`), opened
    by the app's lifespan (run it: uvicorn does; a test client inside `with`).

    `connection_class`: tests pass `querier.roundtrips.CountingAsyncConnection`.
    """
    connections = RequestConnections(engine, connection_class=connection_class)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with connections.serving():
            yield

    app = FastAPIOffline(
        lifespan=lifespan,  # Swagger UI and ReDoc assets served locally: /docs works offline
        title="dbauthz",
        version="0.1.0",
        description=DESCRIPTION,
        responses={401: {"description": "Missing, invalid or expired token, or suspended user."}},
    )
    state = AppState(
        engine=engine,
        settings=settings or Settings(),
        authorizer=authorizer or Authorizer(),
        connections=connections,
    )
    app.state.dbauthz = state
    # Added first, so it runs inside the request-id middleware that `install_error_handling` adds.
    app.add_middleware(
        RequestGateMiddleware,
        connections=connections,
        settings=state.settings,
        authorizer=state.authorizer,
        upload_paths=frozenset({files.UPLOAD_PATH}),
    )
    install_error_handling(app)
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app)  # every status each route can return, one error body schema

    @app.get("/healthz", tags=["meta"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Trivial and async (no thread hop, no database): the benchmarks' baseline too."""
        return {"status": "ok"}

    return app
