"""The error mapping: 500s carry and log a request id; nothing authorization-related is a 500."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from authz import NoActorError, NotAuthorizedError
from querier.errors import CheckViolationError, NotFoundError, UniqueViolationError
from querier.generated.sql import SqlQuerier
from querier.migrate import downgrade
from server.app import create_app
from server.context import Ctx
from server.errors import (
    FORBIDDEN_DETAIL,
    INTERNAL_DETAIL,
    NOT_FOUND_DETAIL,
    SCHEMA_BEHIND_DETAIL,
    VALIDATION_MESSAGE,
)
from server.tokens import mint_token
from tests import factories as f
from tests.conftest import NewDatabase
from tests.server.conftest import World, error_of, error_of_text


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

    async def data_error(ctx: Ctx) -> None:
        async with ctx.transaction():
            await ctx.connection.execute("SELECT 1 / 0")

    app.add_api_route("/test/data-error", data_error, include_in_schema=False)
    return world.client


def test_unhandled_error_is_a_logged_500_with_request_id(
    world: World, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="server"):
        response = client.get("/test/boom", headers=world.headers("chatter"))
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert response.json() == {
        "message": INTERNAL_DETAIL,
        "detail": INTERNAL_DETAIL,
        "request_id": request_id,
    }
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
    assert response.json()["detail"] == detail
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


def test_every_error_body_has_message_detail_and_request_id(world: World) -> None:
    invalid = world.call("chatter", "POST", "/api/v2/chats", json={"title": 5})
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["message"] == VALIDATION_MESSAGE
    assert [field["loc"] for field in body["detail"]] == [["body", "title"]]
    assert body["request_id"] == invalid.headers["X-Request-ID"]
    wrong_method = world.call("chatter", "PUT", "/api/v2/chats")  # Starlette's own 405
    assert wrong_method.status_code == 405
    assert error_of(wrong_method) == error_of_text("Method Not Allowed")
    assert wrong_method.headers["Allow"]
    anonymous = world.client.get("/api/v2/chats")  # the gate's 401, through the same handler
    assert anonymous.status_code == 401
    assert anonymous.json()["request_id"] == anonymous.headers["X-Request-ID"]
    assert anonymous.json()["message"] == anonymous.json()["detail"]


def test_a_schema_behind_the_program_is_a_503_naming_the_fix(
    new_database: NewDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    """`dbauthz db downgrade` under a running server: a clear 503, never a 500."""
    engine = new_database()
    with engine.begin() as conn:
        q = SqlQuerier(conn)
        user = f.user(q, "owner", name="ada")
        token = str(mint_token(q, user.id, timedelta(days=1))[0])
    client = TestClient(create_app(engine))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v2/users/me", headers=headers).status_code == 200
    for revision in ("0002", "base"):  # no api_keys table; then no table at all
        downgrade(engine, revision)
        with caplog.at_level(logging.WARNING, logger="server"):
            response = client.get("/api/v2/users/me", headers=headers)
        assert response.status_code == 503, response.text
        assert response.json()["message"] == SCHEMA_BEHIND_DETAIL
        assert "dbauthz db migrate" in response.json()["message"]
        assert response.json()["request_id"] == response.headers["X-Request-ID"]
        assert any("schema behind" in r.getMessage() for r in caplog.records)
    client.close()
