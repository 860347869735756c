"""The OpenAPI document lists every status a route can return, with one error body schema, and
`/docs` works offline (its assets are served by the app itself)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from server.openapi import documented_statuses
from tests.server.conftest import World
from tests.server.status_recorder import template_for, undocumented


def test_every_id_route_documents_404_and_every_route_401_and_500(world: World) -> None:
    documented = documented_statuses(world.app)
    assert len(documented) >= 20
    for (method, path), statuses in documented.items():
        assert 500 in statuses, (method, path)
        assert 401 in statuses, (method, path)  # every API route authenticates
        if "{" in path:
            assert 404 in statuses, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/v2/users", 409),
        ("POST", "/api/v2/organizations", 409),
        ("PATCH", "/api/v2/chats/{chat_id}", 403),
        ("DELETE", "/api/v2/chats/{chat_id}", 403),
        ("POST", "/api/v2/chats/model-configs", 403),
        ("PATCH", "/api/v2/chats/model-configs/{config_id}", 403),
        ("DELETE", "/api/v2/chats/model-configs/{config_id}", 403),
        ("POST", "/api/v2/chats", 422),
        ("POST", "/api/v2/chats/files", 413),
    ],
)
def test_the_statuses_the_issue_found_missing(
    world: World, method: str, path: str, status: int
) -> None:
    assert status in documented_statuses(world.app)[(method, path)]


def test_every_error_response_uses_the_one_error_body(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    error_body = schema["components"]["schemas"]["ErrorBody"]
    assert set(error_body["properties"]) == {"message", "detail", "request_id"}
    assert set(error_body["required"]) == {"message", "detail", "request_id"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                assert "X-Request-ID" in response["headers"], (method, path, code)
                if int(code) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorBody", (method, path, code)


def test_the_error_body_documents_its_request_id(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    get_chat = schema["paths"]["/api/v2/chats/{chat_id}"]["get"]["responses"]["500"]
    assert "request_id" in get_chat["description"]
    request_id = schema["components"]["schemas"]["ErrorBody"]["properties"]["request_id"]
    assert "X-Request-ID" in request_id["description"]


def test_docs_load_their_assets_from_the_app_not_a_cdn(world: World) -> None:
    html = world.client.get("/docs").text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), f"/docs loads {asset} from elsewhere"
        response = world.client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 100, asset
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)


def test_the_recorder_names_an_undocumented_status(world: World) -> None:
    app: FastAPI = world.app
    problems = undocumented(app, [("GET", "/api/v2/users/me", 418), ("GET", "/docs", 200)])
    assert problems == [
        "GET /api/v2/users/me answered 418, which its OpenAPI document does not list: add the "
        "rule or an EXTRA entry in server/openapi.py (or `responses=` on the route)"
    ]
    documented = documented_statuses(app)
    assert template_for("GET", "/api/v2/users/me", documented) == "/api/v2/users/me"
    assert template_for("GET", "/api/v2/users/abc", documented) == "/api/v2/users/{user}"
