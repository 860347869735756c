"""A denied file read never loads the file's bytes: hidden and missing cost the same work.

Timing is not asserted (the machines are noisy); what the database is asked is. Every statement
the request runs is captured, and none of a denied or missing read selects the `data` column.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from querier.roundtrips import count_async_round_trips
from server.errors import NOT_FOUND_DETAIL
from tests.server.conftest import World, error_of

FILES = "/api/v2/chats/files"
_SELECT_LIST = re.compile(r"^\s*SELECT\s+(.*?)\s+FROM\s", re.IGNORECASE | re.DOTALL)


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """Every statement the world's app sends meanwhile (its connections count them)."""
    with count_async_round_trips() as trips:
        yield trips.statements


def selects_data(statement: str) -> bool:
    """Whether `statement` selects the `data` column itself (or `*`) from chat_files."""
    match = _SELECT_LIST.match(statement)
    if match is None or "chat_files" not in statement:
        return False
    columns = [c.strip().lower() for c in match.group(1).split(",")]
    return any(c in ("data", "*", "chat_files.data", "chat_files.*") for c in columns)


def test_the_check_sees_a_data_select() -> None:
    assert selects_data("SELECT id, owner_id, data, created_at FROM chat_files WHERE id = 1")
    assert not selects_data("SELECT id, octet_length(data) AS size FROM chat_files WHERE id = 1")


def upload(world: World, actor: str, data: bytes) -> str:
    response = world.call(actor, "POST", FILES, files={"file": ("f.bin", data)})
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    return file_id


def test_a_denied_read_never_selects_the_bytes(world: World) -> None:
    hidden = upload(world, "other", b"h" * (1024 * 1024))  # org B's user: chatter may not read it
    with statements(world) as denied:
        response = world.call("chatter", "GET", f"{FILES}/{hidden}")
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND_DETAIL
    assert any("chat_files" in s for s in denied)  # the metadata was consulted
    assert not any(selects_data(s) for s in denied), denied


def test_a_missing_file_reads_the_same_way(world: World) -> None:
    hidden = upload(world, "other", b"h")
    with statements(world) as denied:
        hidden_response = world.call("chatter", "GET", f"{FILES}/{hidden}")
    with statements(world) as missing:
        missing_response = world.call("chatter", "GET", f"{FILES}/{uuid.uuid4()}")
    assert hidden_response.status_code == missing_response.status_code == 404
    assert error_of(hidden_response) == error_of(missing_response)  # all but the request id
    assert len(hidden_response.content) == len(missing_response.content)
    assert len(denied) == len(missing)


def test_an_allowed_read_loads_the_bytes_after_the_check(world: World) -> None:
    mine = upload(world, "chatter", b"mine")
    with statements(world) as allowed:
        response = world.call("chatter", "GET", f"{FILES}/{mine}")
    assert response.status_code == 200
    assert response.content == b"mine"
    file_statements = [s for s in allowed if "chat_files" in s]
    assert len(file_statements) == 2
    assert not selects_data(file_statements[0])
    assert selects_data(file_statements[1])
