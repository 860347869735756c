"""The embedded server's lifecycle, including recovery from a killed owner."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

from querier.db import create_engine
from querier.embedded import (
    EmbeddedPostgres,
    ServerInfo,
    _read_postmaster_pid,
    recover_abandoned_server,
)

START_AND_HANG = """
import sys, time
from pathlib import Path
from querier.embedded import EmbeddedPostgres
info = EmbeddedPostgres(Path(sys.argv[1])).start()
print(info.pid, flush=True)
time.sleep(600)
"""


def _select_one(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT 1")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_recovers_from_a_server_left_by_a_killed_process(embedded_tmp: Path) -> None:
    base = embedded_tmp / "pg"
    owner = subprocess.Popen(
        [sys.executable, "-c", START_AND_HANG, str(base)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert owner.stdout is not None
        stale_pid = int(owner.stdout.readline())
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
    assert psutil.pid_exists(stale_pid), "the killed owner's server should still be running"

    server = EmbeddedPostgres(base)
    info = server.start()
    try:
        assert info.pid != stale_pid
        assert (
            not psutil.pid_exists(stale_pid)
            or psutil.Process(stale_pid).status() == psutil.STATUS_ZOMBIE
        )
        assert _select_one(info.sqlalchemy_url()) == 1
    finally:
        server.stop()
    # The last handle stopped the server: nothing is left running.
    deadline = time.monotonic() + 10
    while psutil.pid_exists(info.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not psutil.pid_exists(info.pid)


def test_a_stale_pid_file_naming_another_process_is_removed(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n{int(time.time())}\n")
    assert _read_postmaster_pid(pgdata) == (os.getpid(), float(int(time.time())))
    assert recover_abandoned_server(pgdata) is False  # we are not a postgres: never signalled
    assert not (pgdata / "postmaster.pid").exists()


def test_a_live_server_reached_through_a_symlink_is_left_alone(
    embedded_server: ServerInfo, tmp_path: Path
) -> None:
    pg_server = embedded_server
    link = tmp_path / "link"
    link.symlink_to(pg_server.pgdata.parent)
    assert recover_abandoned_server(link / "pgdata") is False
    assert (pg_server.pgdata / "postmaster.pid").exists()
    assert psutil.pid_exists(pg_server.pid)


def test_a_shared_server_with_a_live_owner_is_left_alone(embedded_server: ServerInfo) -> None:
    pg_server = embedded_server
    assert recover_abandoned_server(pg_server.pgdata) is False
    assert psutil.pid_exists(pg_server.pid)


def _db_status(base: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": "", "DBAUTHZ_DATA_DIR": str(base)}
    return subprocess.run(
        [sys.executable, "-m", "server", "db", "status"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_an_orphaned_busy_backend_is_reported_in_one_line_and_its_pid_file_kept(
    embedded_tmp: Path,
) -> None:
    """A crashed postmaster whose backend still works in the data dir: starting a second server
    there would corrupt it. The restart refuses in one line naming the process to stop, leaves
    `postmaster.pid` alone, and works once that process is gone."""
    base = embedded_tmp / "pg"
    server = EmbeddedPostgres(base)
    info = server.start()
    engine = create_engine(info.sqlalchemy_url())
    conn = engine.connect()
    backend = int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
    busy = threading.Thread(  # a CPU-bound query does not notice its postmaster dying
        target=lambda: _swallow(
            lambda: conn.execute(sa.text("SELECT count(*) FROM generate_series(1, 1e12)"))
        ),
        daemon=True,
    )
    busy.start()
    try:
        time.sleep(0.5)
        os.kill(info.pid, signal.SIGKILL)  # the crash: the postmaster dies, the backend runs on
        time.sleep(0.5)
        assert psutil.pid_exists(backend)
        done = _db_status(base)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1, done.stderr
        assert lines[-1].startswith("error: "), done.stderr
        assert f"kill {backend}" in lines[-1]
        assert all(not line.startswith(("ERROR", "Traceback", "  ")) for line in lines)
        assert (info.pgdata / "postmaster.pid").exists()
        assert psutil.pid_exists(backend)  # reported, never signalled by us
    finally:
        os.kill(backend, signal.SIGKILL)
        busy.join(timeout=10)
        engine.dispose()
    deadline = time.monotonic() + 10
    while psutil.pid_exists(backend) and time.monotonic() < deadline:
        time.sleep(0.05)
    done = _db_status(base)
    assert "current:" in done.stdout, done.stderr
    _stop_data_dir(base)


def _swallow(fn: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        fn()


def _stop_data_dir(base: Path) -> None:
    """The server `db status` started was stopped when it exited; make sure nothing is left."""
    recorded = _read_postmaster_pid(base / "pgdata")
    if recorded is not None and psutil.pid_exists(recorded[0]):
        recover_abandoned_server(base / "pgdata")
