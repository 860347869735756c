"""Model configs (visible to chat users, changed by owners) and chat files."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from server.errors import NOT_FOUND_DETAIL
from server.settings import Settings
from tests.server.conftest import World, error_of

CONFIGS = "/api/v2/chats/model-configs"
FILES = "/api/v2/chats/files"


def new_config(**overrides: Any) -> dict[str, Any]:
    return {
        "provider": "acme",
        "model": f"m-{uuid.uuid4().hex[:6]}",
        "context_limit": 1000,
    } | overrides


# --- model configs -----------------------------------------------------------------------------


def test_default_config(world: World) -> None:
    response = world.call("chatter", "GET", f"{CONFIGS}/default")
    assert response.status_code == 200
    assert response.json()["id"] == str(world.default_config.id)


@pytest.mark.parametrize("actor", ["member", "user_admin"])
def test_default_config_is_404_for_callers_without_chat_access(world: World, actor: str) -> None:
    response = world.call(actor, "GET", f"{CONFIGS}/default")
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND_DETAIL


def test_list_and_get_configs(world: World) -> None:
    listed = world.call("chatter", "GET", CONFIGS)
    assert listed.status_code == 200
    assert {str(world.default_config.id), str(world.other_config.id)} <= {
        c["id"] for c in listed.json()
    }
    one = world.call("chatter", "GET", f"{CONFIGS}/{world.other_config.id}")
    assert one.status_code == 200
    assert one.json()["model"] == "small"
    assert world.call("chatter", "GET", f"{CONFIGS}/{uuid.uuid4()}").status_code == 404
    assert world.call("member", "GET", f"{CONFIGS}/{world.other_config.id}").status_code == 404


def test_list_configs_is_403_without_chat_access(world: World) -> None:
    assert world.call("member", "GET", CONFIGS).status_code == 403


def test_org_admin_without_chat_access_sees_the_models(world: World) -> None:
    """It may create chats in its org (an any-org check), so it may pick a model."""
    assert world.call("org_admin", "GET", CONFIGS).status_code == 200
    default = world.call("org_admin", "GET", f"{CONFIGS}/default")
    assert default.status_code == 200
    assert default.json()["id"] == str(world.default_config.id)


@pytest.mark.parametrize("actor", ["chatter", "member", "user_admin", "org_admin"])
def test_only_owners_change_configs(world: World, actor: str) -> None:
    target = f"{CONFIGS}/{world.other_config.id}"
    assert world.call(actor, "POST", CONFIGS, json=new_config()).status_code == 403
    assert world.call(actor, "PATCH", target, json={"enabled": False}).status_code == 403
    assert world.call(actor, "DELETE", target).status_code == 403
    assert world.call("owner", "GET", target).json()["enabled"] is True


def test_owner_config_lifecycle(world: World) -> None:
    created = world.call("owner", "POST", CONFIGS, json=new_config(display_name="New"))
    assert created.status_code == 201
    url = f"{CONFIGS}/{created.json()['id']}"
    patched = world.call("owner", "PATCH", url, json={"context_limit": 4096})
    assert patched.status_code == 200
    assert patched.json()["context_limit"] == 4096
    assert patched.json()["display_name"] == "New"
    assert world.call("owner", "DELETE", url).status_code == 204
    assert world.call("owner", "DELETE", url).status_code == 404
    assert world.call("owner", "PATCH", url, json={"enabled": True}).status_code == 404


def test_the_default_moves(world: World) -> None:
    created = world.call("owner", "POST", CONFIGS, json=new_config(is_default=True)).json()
    assert world.call("chatter", "GET", f"{CONFIGS}/default").json()["id"] == created["id"]
    back = world.call(
        "owner", "PATCH", f"{CONFIGS}/{world.default_config.id}", json={"is_default": True}
    )
    assert back.status_code == 200
    assert world.call("chatter", "GET", f"{CONFIGS}/default").json()["id"] == str(
        world.default_config.id
    )
    defaults = [c for c in world.call("owner", "GET", CONFIGS).json() if c["is_default"]]
    assert len(defaults) == 1


def test_disabled_default_is_400_and_disabled_config_refused_for_chats(world: World) -> None:
    disabled = world.call("owner", "POST", CONFIGS, json=new_config(enabled=False)).json()
    response = world.call(
        "chatter", "POST", "/api/v2/chats", json={"model_config_id": disabled["id"]}
    )
    assert response.status_code == 400
    conflict = world.call("owner", "POST", CONFIGS, json=new_config(enabled=False, is_default=True))
    assert conflict.status_code == 400  # chat_model_configs_default_is_enabled


@pytest.mark.parametrize(
    "body",
    [
        {"provider": "acme", "model": "m"},
        new_config(context_limit=0),
        new_config(context_limit=2**31),
        new_config(provider=""),
        new_config(extra="no"),
    ],
)
def test_config_validation_is_422(world: World, body: dict[str, Any]) -> None:
    assert world.call("owner", "POST", CONFIGS, json=body).status_code == 422


# --- files -------------------------------------------------------------------------------------


def upload(
    world: World, actor: str, data: bytes, *, org: str | None = None, name: str = "notes.txt"
) -> Any:
    form = {"organization_id": org} if org else None
    return world.call(actor, "POST", FILES, files={"file": (name, data, "text/plain")}, data=form)


def test_upload_and_download(world: World) -> None:
    response = upload(world, "chatter", b"hello, file", org=str(world.org_a.id))
    assert response.status_code == 201, response.text
    meta = response.json()
    assert (meta["name"], meta["mimetype"], meta["size"]) == ("notes.txt", "text/plain", 11)
    assert meta["organization_id"] == str(world.org_a.id)
    got = world.call("chatter", "GET", f"{FILES}/{meta['id']}")
    assert got.status_code == 200
    assert got.content == b"hello, file"
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert world.call("org_admin", "GET", f"{FILES}/{meta['id']}").status_code == 200


def test_files_others_cannot_read_are_404(world: World) -> None:
    meta = upload(world, "chatter", b"private").json()
    for actor in ("other", "member", "org_admin"):
        hidden = world.call(actor, "GET", f"{FILES}/{meta['id']}")
        missing = world.call(actor, "GET", f"{FILES}/{uuid.uuid4()}")
        assert hidden.status_code == missing.status_code == 404
        assert error_of(hidden) == error_of(missing)


def test_upload_is_refused_without_chat_access_or_outside_ones_orgs(world: World) -> None:
    assert upload(world, "member", b"x").status_code == 403
    assert upload(world, "chatter", b"x", org=str(world.org_b.id)).status_code == 403


def test_odd_names_and_types_are_cleaned(world: World) -> None:
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="ev\til\x01.bin"\r\n'
        b"Content-Type: text/html\x01X-Evil: 1\r\n\r\n"
        b"\x00\x01\r\n--b0undary--\r\n"
    )
    response = world.call(
        "chatter",
        "POST",
        FILES,
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert response.status_code == 201, response.text
    meta = response.json()
    assert meta["name"] == "evil.bin"
    assert meta["mimetype"] == "application/octet-stream"
    got = world.call("chatter", "GET", f"{FILES}/{meta['id']}")
    assert got.content == b"\x00\x01"
    assert got.headers["content-type"] == "application/octet-stream"
    assert "X-Evil" not in got.headers


def test_file_size_limit_is_413(world: World) -> None:
    small = world.client_for(Settings(max_file_bytes=8))
    headers = world.headers("chatter")
    exact = small.post(FILES, headers=headers, files={"file": ("a", b"12345678")})
    assert exact.status_code == 201
    too_big = small.post(FILES, headers=headers, files={"file": ("a", b"123456789")})
    assert too_big.status_code == 413


def test_upload_without_a_file_is_422(world: World) -> None:
    assert world.call("chatter", "POST", FILES, data={"x": "y"}).status_code == 422
