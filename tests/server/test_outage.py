"""A database outage under a running app: 503 with `Retry-After`, never 500, and recovery.

The database is a throwaway embedded server in a temp dir (never the shared test server), stopped
and started again under the app while a client keeps sending requests.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy.engine import make_url

from querier.db import create_engine, ensure_database
from querier.embedded import EmbeddedPostgres
from querier.migrate import upgrade
from server.errors import REQUEST_ID_HEADER
from tests.server.conftest import World, make_world


@pytest.fixture
def outage_world(embedded_tmp: Path) -> Iterator[tuple[World, EmbeddedPostgres]]:
    server = EmbeddedPostgres(embedded_tmp / "pg")
    info = server.start()
    url = make_url(info.sqlalchemy_url("dbauthz"))
    ensure_database(url)
    engine = create_engine(url)
    try:
        upgrade(engine, "head")
        world = make_world(engine)
        yield world, server
        world.client.__exit__(None, None, None)
    finally:
        engine.dispose()
        server.stop()


def assert_unavailable(response: httpx2.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    body = response.json()
    assert body["request_id"] == response.headers[REQUEST_ID_HEADER]
    assert "Traceback" not in response.text
    assert "psycopg" not in response.text


@pytest.mark.slow
def test_an_outage_answers_503_and_the_app_recovers_on_its_own(
    outage_world: tuple[World, EmbeddedPostgres],
) -> None:
    world, server = outage_world
    assert world.call("chatter", "GET", "/api/v2/chats").status_code == 200
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def hammer() -> None:  # a client that never stops asking, across the stop and the start
        while not stop.is_set():
            response = world.call("chatter", "GET", "/api/v2/chats")
            statuses[response.status_code] += 1
            if response.status_code != 200:
                assert_unavailable(response)

    client = threading.Thread(target=hammer)
    client.start()
    try:
        time.sleep(0.3)
        server.stop()  # a fast shutdown: open sessions get AdminShutdown, new ones are refused
        down = [world.call("chatter", "POST", "/api/v2/chats", json={"title": "x"}) for _ in "ab"]
        for response in down:
            assert_unavailable(response)
        server.start()
        deadline = time.monotonic() + 15  # a bound on recovery, not a measurement
        while time.monotonic() < deadline:
            if world.call("chatter", "GET", "/api/v2/chats").status_code == 200:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the app did not recover after the database came back")
        time.sleep(0.3)
    finally:
        stop.set()
        client.join()
    assert statuses[500] == 0, statuses
    assert statuses[503] > 0 or all(r.status_code == 503 for r in down)
    assert set(statuses) <= {200, 503}, statuses
    created = world.call("chatter", "POST", "/api/v2/chats", json={"title": "after"})
    assert created.status_code == 201, created.text
