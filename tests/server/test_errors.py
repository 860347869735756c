"""The error mapping: 500s carry and log a request id; nothing authorization-related is a 500."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from authz import NoActorError, NotAuthorizedError
from querier.errors import CheckViolationError, NotFoundError, UniqueViolationError
from server.context import Ctx
from server.errors import FORBIDDEN_DETAIL, INTERNAL_DETAIL, NOT_FOUND_DETAIL
from tests.server.conftest import World


@pytest.fixture(scope="module")
def client(world: World) -> TestClient:
    """The world's app plus a few routes that raise on purpose."""
    app = world.app

    def raiser(exc: Exception) -> object:
        def endpoint(ctx: Ctx) -> None:
            raise exc

        return endpoint

    cases: dict[str, Exception] = {
        "boom": RuntimeError("kaboom"),
        "denied": NotAuthorizedError(internal="secret detail"),
        "no-actor": NoActorError(),
        "missing": NotFoundError("GetThing"),
        "unique": UniqueViolationError("InsertThing", "things_name_key", "dup"),
        "check": CheckViolationError("InsertThing", "things_positive", "neg"),
    }
    for name, exc in cases.items():
        app.add_api_route(f"/test/{name}", raiser(exc), include_in_schema=False)  # type: ignore[arg-type]

    def data_error(ctx: Ctx) -> None:
        with ctx.transaction() as q:
            q.inner.connection.execute(sa.text("SELECT 1 / 0"))  # type: ignore[attr-defined]

    app.add_api_route("/test/data-error", data_error, include_in_schema=False)
    return world.client


def test_unhandled_error_is_a_logged_500_with_request_id(
    world: World, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="server"):
        response = client.get("/test/boom", headers=world.headers("chatter"))
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert response.json() == {"detail": INTERNAL_DETAIL, "request_id": request_id}
    [record] = [r for r in caplog.records if r.name == "server"]
    assert request_id in record.getMessage()
    assert record.exc_info is not None
    assert "kaboom" in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("name", "status", "detail"),
    [
        ("denied", 403, FORBIDDEN_DETAIL),
        ("no-actor", 403, FORBIDDEN_DETAIL),
        ("missing", 404, NOT_FOUND_DETAIL),
        ("unique", 409, "Conflicts with an existing record (things_name_key)."),
        ("check", 400, "Invalid data: violates things_positive."),
        ("data-error", 400, "Invalid data: a value is out of range or malformed."),
    ],
)
def test_mapped_errors(
    world: World, client: TestClient, name: str, status: int, detail: str
) -> None:
    response = client.get(f"/test/{name}", headers=world.headers("chatter"))
    assert response.status_code == status
    assert response.json() == {"detail": detail}
    assert "secret detail" not in response.text


def test_unknown_route_is_404_with_request_id(world: World) -> None:
    response = world.client.get("/nope")
    assert response.status_code == 404
    assert response.headers["X-Request-ID"]


def test_openapi_and_docs_are_served(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    assert "/api/v2/chats" in schema["paths"]
    create = schema["paths"]["/api/v2/chats"]["post"]
    assert "title" in create["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert world.client.get("/docs").status_code == 200
