"""`serve` on the embedded database stops it on SIGTERM (what `kill`, docker and systemd send)
exactly as on Ctrl-C: no PostgreSQL is left running behind a stopped service."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import psutil
import pytest

from querier.db import DATABASE_URL_ENV
from querier.embedded import DATA_DIR_ENV, _read_postmaster_pid
from tests.server.test_cli import ROOT, Served


@pytest.mark.slow
def test_sigterm_stops_the_embedded_database(embedded_tmp: Path) -> None:
    env = {**os.environ, DATABASE_URL_ENV: "", DATA_DIR_ENV: str(embedded_tmp / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        served = Served(proc)
        assert httpx2.get(served.base_url + "/healthz").status_code == 200  # uvicorn is up
        pgdata = embedded_tmp / "data" / "pgdata"
        recorded = _read_postmaster_pid(pgdata)
        assert recorded is not None
        postmaster = recorded[0]
        assert psutil.pid_exists(postmaster)
        proc.send_signal(signal.SIGTERM)  # to the service only, not its process group
        assert proc.wait(timeout=60) == 0
        deadline = time.monotonic() + 15
        while psutil.pid_exists(postmaster) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not psutil.pid_exists(postmaster), "PostgreSQL outlived the service"
        assert not (pgdata / "postmaster.pid").exists()
        assert "stopping the database" in served.stderr()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_two_workers_share_the_embedded_database_and_stop_with_it(embedded_tmp: Path) -> None:
    """`serve --workers 2`: two worker processes answer (authorized requests too), and SIGTERM
    to the supervisor stops the workers, then the one embedded PostgreSQL they shared."""
    env = {**os.environ, DATABASE_URL_ENV: "", DATA_DIR_ENV: str(embedded_tmp / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", "0", "--workers", "2", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        served = Served(proc)
        with httpx2.Client(base_url=served.base_url, timeout=60) as client:
            assert client.get("/healthz").status_code == 200  # waits for a worker to accept
            headers = {"Authorization": f"Bearer {served.tokens['alice']}"}
            created = client.post("/api/v2/chats", json={"title": "w"}, headers=headers)
            assert created.status_code == 201, created.text
            for _ in range(10):  # whichever worker accepts, it reads what another wrote
                got = client.get(f"/api/v2/chats/{created.json()['id']}", headers=headers)
                assert got.status_code == 200, got.text
        workers = [
            child
            for child in psutil.Process(proc.pid).children()
            if "spawn_main" in " ".join(child.cmdline())  # not the resource tracker
        ]
        assert len(workers) == 2
        recorded = _read_postmaster_pid(embedded_tmp / "data" / "pgdata")
        assert recorded is not None
        postmaster = recorded[0]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        deadline = time.monotonic() + 15
        while (
            any(w.is_running() for w in workers) or psutil.pid_exists(postmaster)
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(w.is_running() for w in workers), "a worker outlived the service"
        assert not psutil.pid_exists(postmaster), "PostgreSQL outlived the service"
        assert "stopping the database" in served.stderr()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
