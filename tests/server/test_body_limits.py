"""Request bodies: authenticated before a byte is read, bounded by length and while streaming.

Most tests drive the ASGI application directly with an instrumented `receive`, which counts
every body byte handed to the application: "refused without reading" is then a count of zero,
not a guess from timing or memory.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI

from querier.roundtrips import count_async_round_trips
from server.app import create_app
from server.gate import API_PREFIX
from server.json_depth import nesting_exceeds
from server.schemas import MAX_MESSAGE_CONTENT_BYTES, MAX_TITLE_CHARS
from server.settings import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_JSON_BYTES,
    MAX_JSON_BYTES_ENV,
    MULTIPART_ENVELOPE_BYTES,
    Settings,
    SettingsError,
)
from tests.server.conftest import World

CHATS = "/api/v2/chats"
FILES = "/api/v2/chats/files"
MiB = 1024 * 1024
CHUNK = 64 * 1024


@dataclass
class CountingBody:
    """An ASGI `receive` serving `total` bytes in chunks, counting what the app asked for."""

    total: int
    chunk: int = CHUNK
    prefix: bytes = b""
    bytes_read: int = 0
    calls: int = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.bytes_read >= self.total and self.calls > 1:
            return {"type": "http.disconnect"}
        size = min(self.chunk, self.total - self.bytes_read)
        head = self.prefix[self.bytes_read : self.bytes_read + size]
        self.bytes_read += size
        more = self.bytes_read < self.total
        return {"type": "http.request", "body": head + b"x" * (size - len(head)), "more_body": more}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    messages: list[dict[str, Any]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


def drive(
    app: FastAPI,
    method: str,
    path: str,
    headers: dict[str, str],
    body: CountingBody,
) -> Answer:
    """One request through the ASGI app, as a server would run it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, body, send))  # type: ignore[arg-type]
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    return Answer(
        status=start["status"],
        headers={k.decode(): v.decode() for k, v in start["headers"]},
        body=b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
        messages=sent,
    )


def auth(world: World, actor: str = "chatter") -> dict[str, str]:
    return world.headers(actor)


# --- unauthenticated: answered before the body is read ------------------------------------------


def test_unauthenticated_chunked_body_is_401_without_reading_it(world: World) -> None:
    body = CountingBody(total=250 * MiB)
    answer = drive(
        world.app,
        "POST",
        f"{CHATS}/{world.default_config.id}/messages",
        {"content-type": "application/json", "transfer-encoding": "chunked"},
        body,
    )
    assert answer.status == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "x-request-id" in answer.headers
    assert answer.headers["connection"] == "close"  # the server will not read the rest either
    assert body.calls == 0
    assert body.bytes_read == 0


def test_bad_token_with_a_body_is_401_without_reading_it(world: World) -> None:
    body = CountingBody(total=512 * 1024)
    answer = drive(
        world.app,
        "POST",
        CHATS,
        {
            "authorization": "Bearer nope-nope",
            "content-type": "application/json",
            "content-length": str(body.total),
        },
        body,
    )
    assert answer.status == 401
    assert body.bytes_read == 0


def test_unauthenticated_multipart_upload_is_401_before_reading(world: World) -> None:
    body = CountingBody(total=5 * MiB)  # under the upload limit: only the token can refuse it
    answer = drive(
        world.app,
        "POST",
        FILES,
        {
            "content-type": "multipart/form-data; boundary=b0undary",
            "content-length": str(body.total),
        },
        body,
    )
    assert answer.status == 401
    assert body.calls == 0


def test_declared_oversized_body_is_413_without_reading_it(world: World) -> None:
    body = CountingBody(total=250 * MiB)
    headers = {"content-type": "application/json", "content-length": str(body.total)}
    for extra in ({}, auth(world)):
        answer = drive(world.app, "POST", CHATS, headers | extra, body)
        assert answer.status == 413
        assert (
            answer.json()["detail"]
            == f"Request body too large: the limit is {DEFAULT_MAX_JSON_BYTES} bytes."
        )
    assert body.calls == 0


def test_an_invalid_content_length_is_400(world: World) -> None:
    for value in ("-1", "12abc", "\u00b2"):
        body = CountingBody(total=10)
        answer = drive(world.app, "POST", CHATS, auth(world) | {"content-length": value}, body)
        assert answer.status == 400
        assert body.calls == 0


# --- authenticated: bounded while reading -------------------------------------------------------


def test_chunked_json_body_is_cut_off_at_the_limit(world: World) -> None:
    body = CountingBody(total=50 * MiB)
    headers = auth(world) | {"content-type": "application/json", "transfer-encoding": "chunked"}
    answer = drive(world.app, "POST", CHATS, headers, body)
    assert answer.status == 413
    assert answer.headers["connection"] == "close"
    assert str(DEFAULT_MAX_JSON_BYTES) in answer.json()["detail"]
    assert body.bytes_read <= DEFAULT_MAX_JSON_BYTES + CHUNK


def test_chunked_multipart_body_is_cut_off_at_the_upload_limit(world: World) -> None:
    part = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    body = CountingBody(total=50 * MiB, prefix=part)
    headers = auth(world) | {
        "content-type": "multipart/form-data; boundary=b0undary",
        "transfer-encoding": "chunked",
    }
    answer = drive(world.app, "POST", FILES, headers, body)
    assert answer.status == 413
    limit = DEFAULT_MAX_FILE_BYTES + MULTIPART_ENVELOPE_BYTES
    assert answer.json()["detail"] == f"Request body too large: the limit is {limit} bytes."
    assert body.bytes_read <= limit + CHUNK


def test_chunked_body_through_http_is_413(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(40):
            yield b"y" * CHUNK
        yield b'"}'

    response = world.call("chatter", "POST", CHATS, content=chunks())
    assert response.status_code == 413
    assert response.json()["detail"].endswith(f"limit is {DEFAULT_MAX_JSON_BYTES} bytes.")


def test_content_length_over_the_limit_through_http_is_413(world: World) -> None:
    payload = json.dumps({"title": "t" * (2 * MiB)})
    response = world.call("chatter", "POST", CHATS, content=payload)
    assert response.status_code == 413


def test_bodies_within_the_limits_still_work(world: World) -> None:
    created = world.call("chatter", "POST", CHATS, json={"title": "fine"})
    assert created.status_code == 201
    assert "connection" not in created.headers  # read to the end: the connection may be reused
    chat_id = created.json()["id"]
    text = "z" * (MAX_MESSAGE_CONTENT_BYTES - 100)
    posted = world.call(
        "chatter", "POST", f"{CHATS}/{chat_id}/messages", json={"content": {"text": text}}
    )
    assert posted.status_code == 201, posted.text
    upload = world.call("chatter", "POST", FILES, files={"file": ("a.bin", b"q" * (3 * MiB))})
    assert upload.status_code == 201, upload.text


def test_limits_come_from_settings_and_the_environment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_JSON_BYTES_ENV, "64")
    settings = Settings(experiments=frozenset({"agents"}))
    assert settings.max_json_bytes == 64
    small = world.client_for(settings)
    headers = world.headers("chatter")
    assert small.post(CHATS, headers=headers, json={"title": "ok"}).status_code == 201
    too_big = small.post(CHATS, headers=headers, json={"title": "t" * 100})
    assert too_big.status_code == 413
    assert too_big.json()["detail"].endswith("limit is 64 bytes.")
    monkeypatch.setenv(MAX_JSON_BYTES_ENV, "lots")
    with pytest.raises(SettingsError, match=MAX_JSON_BYTES_ENV):
        Settings()


def test_the_token_is_looked_up_once_per_request(world: World) -> None:
    with count_async_round_trips() as trips:
        response = world.call("chatter", "POST", CHATS, json={"title": "counted"})
    assert response.status_code == 201
    assert sum("FROM api_keys" in s for s in trips.statements) == 1


def test_paths_outside_the_api_need_no_token(world: World) -> None:
    assert world.client.get("/healthz").status_code == 200
    assert world.client.get("/openapi.json").status_code == 200


# --- deep or broken JSON: 400/422, never 500 ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", CHATS),
        ("PATCH", f"{CHATS}/00000000-0000-4000-8000-000000000001"),
        ("POST", f"{CHATS}/00000000-0000-4000-8000-000000000001/messages"),
        ("POST", "/api/v2/chats/model-configs"),
        ("PUT", "/api/v2/users/me/roles"),
    ],
)
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_400(world: World, method: str, path: str, depth: int) -> None:
    response = world.call("owner", method, path, content="[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON nested deeper than 64 levels."


def test_deep_json_without_a_content_type_is_400(world: World) -> None:
    response = world.call(
        "chatter", "POST", CHATS, content="[" * 1_000, headers={"content-type": ""}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("payload", ["{", '{"title": "x"', "[1,]", "\xff", '{"title": "\ud800"}'])
def test_unparseable_json_is_422(world: World, payload: str) -> None:
    response = world.call(
        "chatter",
        "POST",
        CHATS,
        content=payload.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text


def test_nesting_within_the_limit_reaches_validation(world: World) -> None:
    content: Any = "leaf"
    for _ in range(40):  # fine for the gate (64), too deep for message content (32)
        content = [content]
    created = world.call("chatter", "POST", CHATS, json={"title": "nest"}).json()
    response = world.call(
        "chatter", "POST", f"{CHATS}/{created['id']}/messages", json={"content": content}
    )
    assert response.status_code == 422
    assert "nested deeper than 32" in response.text


class TestNestingExceeds:
    def test_counts_arrays_and_objects(self) -> None:
        assert not nesting_exceeds(b"[[[1]]]", 3)
        assert nesting_exceeds(b"[[[[1]]]]", 3)
        assert nesting_exceeds(b'{"a":{"b":{"c":{}}}}', 3)

    def test_brackets_in_strings_do_not_count(self) -> None:
        assert not nesting_exceeds(b'["[[[[[[", "{{{{{{\\"[[[[["]', 2)

    def test_siblings_are_not_depth(self) -> None:
        assert not nesting_exceeds(b"[" + b"[]," * 10_000 + b"[]]", 2)


# --- stored fields: bounded, with a 422 that names the limit -------------------------------------


def test_message_content_over_the_limit_is_422_naming_it(world: World) -> None:
    chat = world.call("chatter", "POST", CHATS, json={"title": "big"}).json()
    text = "\u00e9" * (MAX_MESSAGE_CONTENT_BYTES // 2)  # 2 bytes each in UTF-8: just over
    response = world.call(
        "chatter", "POST", f"{CHATS}/{chat['id']}/messages", json={"content": {"t": text}}
    )
    assert response.status_code == 422
    assert f"the limit is {MAX_MESSAGE_CONTENT_BYTES} bytes" in response.text


@pytest.mark.parametrize(
    ("method", "path", "payload", "limit"),
    [
        ("POST", CHATS, {"title": "t" * (MAX_TITLE_CHARS + 1)}, MAX_TITLE_CHARS),
        (
            "POST",
            "/api/v2/chats/model-configs",
            {"provider": "p" * 129, "model": "m", "context_limit": 1},
            128,
        ),
        (
            "POST",
            "/api/v2/chats/model-configs",
            {"provider": "p", "model": "m", "display_name": "d" * 129, "context_limit": 1},
            128,
        ),
        ("POST", "/api/v2/users", {"email": "a@b.co", "username": "u" * 33}, 32),
        ("POST", "/api/v2/users", {"email": "a" * 250 + "@b.co", "username": "u"}, 254),
        ("POST", "/api/v2/organizations", {"name": "o" * 65}, 64),
        ("PUT", "/api/v2/users/me/roles", {"roles": ["r" * 65]}, 64),
    ],
)
def test_text_fields_over_their_limit_are_422_naming_it(
    world: World, method: str, path: str, payload: dict[str, Any], limit: int
) -> None:
    response = world.call("owner", method, path, json=payload)
    assert response.status_code == 422, response.text
    assert f"at most {limit} characters" in response.text


def test_uploaded_file_names_are_cut_to_their_limit(world: World) -> None:
    response = world.call("chatter", "POST", FILES, files={"file": ("n" * 1000, b"x")})
    assert response.status_code == 201
    assert response.json()["name"] == "n" * 255


def test_app_factory_uses_the_same_limits(world: World) -> None:
    app = create_app(world.engine, Settings(max_json_bytes=10))
    body = CountingBody(total=11)
    headers = auth(world) | {"content-type": "application/json", "content-length": "11"}
    assert drive(app, "POST", CHATS, headers, body).status == 413
    assert body.calls == 0


def test_every_authenticated_route_is_behind_the_gate(world: World) -> None:
    """A route taking `Ctx` outside `/api/` would read its body before the token is checked.

    `Ctx` declares the bearer scheme, so the OpenAPI document lists exactly those operations
    with a `security` requirement.
    """
    paths = create_app(world.engine).openapi()["paths"]
    secured = [
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if operation.get("security")
    ]
    assert len(secured) > 20
    assert [path for path in secured if not path.startswith(API_PREFIX)] == []


def test_a_multipart_label_elsewhere_gets_the_json_rules(world: World) -> None:
    """Only the upload path takes multipart: POST /chats parses any body as JSON."""
    multipart = {"content-type": "multipart/form-data; boundary=b0undary"}
    deep = world.call("chatter", "POST", CHATS, content="[" * 5_000, headers=multipart)
    assert deep.status_code == 400
    body = CountingBody(total=5 * MiB)
    headers = auth(world) | multipart | {"content-length": str(body.total)}
    assert drive(world.app, "POST", CHATS, headers, body).status == 413
    assert body.calls == 0
